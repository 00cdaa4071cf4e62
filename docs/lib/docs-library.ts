// `(nanolm docs)`: the procedures the course's cells draw pictures and check exercises with
// (docs/AUTHORING.md lists them). The same library serves the browser, where each figure becomes a
// `figure` message the page draws, and the terminal (`./bin/nanolm scheme`), where a figure prints
// a one-line description — so a chapter's cells run anywhere the interpreter does.
import { SchemeError } from "../../interpreter/src/errors.ts";
import { writeString } from "../../interpreter/src/printer.ts";
import { toFloat } from "../../interpreter/src/numbers.ts";
import {
  ErrorObject,
  MString,
  Pair,
  Primitive,
  Sym,
  UNSPECIFIED,
  isNumber,
  makeFlonum,
} from "../../interpreter/src/values.ts";
import type { Figure, FigureOptions } from "../../playground/src/protocol.ts";

export interface DocsLibrary {
  /** The bindings for `defineHostLibrary(["nanolm", "docs"], bindings)`. */
  bindings: Record<string, unknown>;
  /** The `expect` failures recorded since the last `docs-reset-checks!`. */
  failures: string[];
}

function fail(message: string, ...irritants: unknown[]): never {
  throw new SchemeError(new ErrorObject(message, irritants));
}

/** Elements of a list, vector, or typed array; undefined for anything else. */
function elements(x: unknown): unknown[] | undefined {
  if (x === null) return [];
  if (Array.isArray(x)) return x;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView))
    return Array.from(x as unknown as ArrayLike<number>);
  if (!(x instanceof Pair)) return undefined;
  const out: unknown[] = [];
  let p: unknown = x;
  while (p instanceof Pair) {
    out.push(p.car);
    p = p.cdr;
    if (out.length > 10_000_000) return undefined;
  }
  return p === null ? out : undefined;
}

function numbers(who: string, x: unknown): number[] {
  const xs = elements(x);
  if (!xs) fail(`${who}: expected a list or vector of numbers`, x);
  return xs.map((v) => {
    if (typeof v === "number") return v;
    if (!isNumber(v)) fail(`${who}: expected a number`, v);
    return toFloat(v);
  });
}

/** A string, symbol, char or number as display text. */
function text(x: unknown): string {
  if (x instanceof MString) return x.toString();
  if (x instanceof Sym) return x.name;
  return writeString(x);
}

function strings(who: string, x: unknown): string[] {
  const xs = elements(x);
  if (!xs) fail(`${who}: expected a list of labels`, x);
  return xs.map(text);
}

/** An option alist `((title . "x") (min . 0))` as a plain object. */
function options(who: string, x: unknown): FigureOptions {
  const out: FigureOptions = {};
  if (x === undefined) return out;
  const entries = elements(x);
  if (!entries) fail(`${who}: options must be an association list like '((title . "…"))`, x);
  for (const entry of entries) {
    if (!(entry instanceof Pair) || !(entry.car instanceof Sym))
      fail(`${who}: each option must be a pair (key . value) with a symbol key`, entry);
    const key = entry.car.name;
    const v = entry.cdr;
    if (typeof v === "boolean") out[key] = v;
    else if (isNumber(v)) out[key] = typeof v === "number" ? v : toFloat(v);
    else if (v instanceof MString || v instanceof Sym) out[key] = text(v);
    else {
      const xs = elements(v);
      if (xs && xs.every((e) => isNumber(e))) out[key] = numbers(who, v);
      else if (xs) out[key] = xs.map(text);
      else out[key] = writeString(v);
    }
  }
  return out;
}

/** One line saying what a figure shows, for the terminal. */
export function describeFigure(f: Figure): string {
  const title = typeof f.options.title === "string" ? ` "${f.options.title}"` : "";
  switch (f.kind) {
    case "heatmap":
      return `[heatmap${title}: ${f.rows.length}×${f.rows[0]?.length ?? 0}]`;
    case "bars":
      return `[bars${title}: ${f.values.length} bars]`;
    case "line":
      return `[line chart${title}: ${f.series.map((s) => `${s.name} ${s.values.length} points`).join(", ")}]`;
    case "vector":
      return `[vector${title}: ${f.values.length} values]`;
    case "tokens":
      return `[tokens${title}: ${f.tokens.map((t) => JSON.stringify(t.text)).join(" ")}]`;
    case "arrows":
      return `[arrows${title}: ${f.arrows.length}]`;
    case "table":
      return `[table${title}: ${f.rows.length} rows]`;
  }
}

function closeTo(a: unknown, b: unknown, tolerance: number): boolean {
  if (isNumber(a) && isNumber(b)) {
    const x = toFloat(a);
    const y = toFloat(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (x === y) return true;
    return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
  }
  const xs = elements(a);
  const ys = elements(b);
  if (!xs || !ys || xs.length !== ys.length) return false;
  return xs.every((x, i) => closeTo(x, ys[i], tolerance));
}

function roundTo(x: unknown, digits: number): unknown {
  if (isNumber(x)) {
    const scale = 10 ** digits;
    const r = Math.round(toFloat(x) * scale) / scale;
    return makeFlonum(Object.is(r, -0) ? 0 : r);
  }
  if (x === null) return null;
  if (Array.isArray(x)) return x.map((v) => roundTo(v, digits));
  if (ArrayBuffer.isView(x))
    return Array.from(x as unknown as ArrayLike<number>, (v) => roundTo(v, digits));
  const xs = elements(x);
  if (!xs) fail("round-to: expected a number, list or vector", x);
  let out: Pair | null = null;
  for (let i = xs.length - 1; i >= 0; i--) out = new Pair(roundTo(xs[i], digits), out);
  return out;
}

/** Make the library; `emit` receives each figure (the worker posts it, the terminal prints it). */
export function makeDocsLibrary(emit: (figure: Figure) => void): DocsLibrary {
  const lib: DocsLibrary = { bindings: {}, failures: [] };
  const define = (name: string, min: number, max: number, fn: (...args: never[]) => unknown) => {
    lib.bindings[name] = new Primitive(name, fn as (...args: unknown[]) => unknown, min, max);
  };
  const show = (figure: Figure) => {
    emit(figure);
    return UNSPECIFIED;
  };

  define("show-heatmap", 1, 2, (rows: unknown, opts?: unknown) => {
    const rs = elements(rows);
    if (!rs) fail("show-heatmap: expected a list or vector of rows", rows);
    const matrix = rs.map((r) => numbers("show-heatmap", r));
    return show({ kind: "heatmap", rows: matrix, options: options("show-heatmap", opts) });
  });
  define("show-bars", 2, 3, (labels: unknown, values: unknown, opts?: unknown) => {
    const ls = strings("show-bars", labels);
    const vs = numbers("show-bars", values);
    if (ls.length !== vs.length)
      fail("show-bars: labels and values differ in length", ls.length, vs.length);
    return show({ kind: "bars", labels: ls, values: vs, options: options("show-bars", opts) });
  });
  define("show-line", 1, 2, (series: unknown, opts?: unknown) => {
    const xs = elements(series);
    if (!xs) fail("show-line: expected a list of numbers or an alist of named series", series);
    const named = xs.length > 0 && xs.every((e) => e instanceof Pair && !isNumber(e.car));
    const list = named
      ? xs.map((e) => ({
          name: text((e as Pair).car),
          values: numbers("show-line", (e as Pair).cdr),
        }))
      : [{ name: "", values: numbers("show-line", series) }];
    return show({ kind: "line", series: list, options: options("show-line", opts) });
  });
  define("show-vector", 1, 2, (v: unknown, opts?: unknown) =>
    show({
      kind: "vector",
      values: numbers("show-vector", v),
      options: options("show-vector", opts),
    }),
  );
  define("show-tokens", 1, 2, (tokens: unknown, opts?: unknown) => {
    const xs = elements(tokens);
    if (!xs) fail("show-tokens: expected a list of strings or (text . id) pairs", tokens);
    const list = xs.map((t) =>
      t instanceof Pair
        ? { text: text(t.car), id: typeof t.cdr === "number" ? t.cdr : null }
        : { text: text(t), id: null },
    );
    return show({ kind: "tokens", tokens: list, options: options("show-tokens", opts) });
  });
  define("show-arrows", 1, 2, (vectors: unknown, opts?: unknown) => {
    const xs = elements(vectors);
    if (!xs) fail('show-arrows: expected a list of (x y) or (x y "label")', vectors);
    const arrows = xs.map((a) => {
      const parts = elements(a);
      if (!parts || parts.length < 2 || !isNumber(parts[0]) || !isNumber(parts[1]))
        fail('show-arrows: each arrow must be (x y) or (x y "label")', a);
      return {
        x: toFloat(parts[0]),
        y: toFloat(parts[1]),
        label: parts.length > 2 ? text(parts[2]) : null,
      };
    });
    return show({ kind: "arrows", arrows, options: options("show-arrows", opts) });
  });
  define("show-table", 1, 2, (rows: unknown, opts?: unknown) => {
    const xs = elements(rows);
    if (!xs) fail("show-table: expected a list of rows", rows);
    const table = xs.map((r) => strings("show-table", r));
    return show({ kind: "table", rows: table, options: options("show-table", opts) });
  });

  define("expect", 2, 2, (ok: unknown, message: unknown) => {
    if (ok === false) lib.failures.push(text(message));
    return ok !== false;
  });
  define("close-to?", 2, 3, (a: unknown, b: unknown, tolerance?: unknown) => {
    const tol = tolerance === undefined ? 1e-4 : isNumber(tolerance) ? toFloat(tolerance) : NaN;
    if (!(tol >= 0)) fail("close-to?: the tolerance must be a non-negative number", tolerance);
    return closeTo(a, b, tol);
  });
  define("round-to", 2, 2, (x: unknown, digits: unknown) => {
    if (typeof digits !== "number" || !Number.isInteger(digits) || digits < 0 || digits > 15)
      fail("round-to: digits must be an exact integer from 0 to 15", digits);
    return roundTo(x, digits);
  });
  define("docs-reset-checks!", 0, 0, () => {
    lib.failures.length = 0;
    return UNSPECIFIED;
  });
  define("docs-check-failures", 0, 0, () => {
    let out: Pair | null = null;
    for (let i = lib.failures.length - 1; i >= 0; i--)
      out = new Pair(MString.from(lib.failures[i], false), out);
    return out;
  });
  return lib;
}
