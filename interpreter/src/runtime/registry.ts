// The table of built-in procedures and values, filled by each runtime module's `install`.
// The interpreter turns it into immutable global cells, which the standard libraries export.
import { Primitive } from "../values.ts";

export class Builtins {
  readonly table = new Map<string, unknown>();

  /** Define a primitive procedure; maxArgs -1 means variadic. Names starting with `%` are internal. */
  define(
    name: string,
    minArgs: number,
    maxArgs: number,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    fn: (...args: any[]) => unknown,
  ): Primitive {
    if (this.table.has(name)) throw new Error(`builtin ${name} defined twice`);
    const p = new Primitive(name, fn, minArgs, maxArgs);
    this.table.set(name, p);
    return p;
  }

  /** Define a non-procedure value (or a procedure object built elsewhere, e.g. a parameter). */
  defineValue(name: string, value: unknown): void {
    if (this.table.has(name)) throw new Error(`builtin ${name} defined twice`);
    this.table.set(name, value);
  }

  get(name: string): unknown {
    return this.table.get(name);
  }
}

/** Every runtime module exports one of these. */
export type Installer = (b: Builtins) => void;
