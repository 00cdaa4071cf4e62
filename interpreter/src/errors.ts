// How TypeScript code (primitives, reader, expander, host libraries) signals a Scheme error.
// It throws a `SchemeError`; the VM catches it and raises its payload in Scheme, where `guard` and
// `with-exception-handler` can see it, and fills in the stack trace.
import { ErrorObject, formatLoc, type ErrorKind, type Loc } from "./values.ts";
import { writeString } from "./printer.ts";

/** A JS exception carrying a raised Scheme object (usually an ErrorObject). */
export class SchemeError extends Error {
  constructor(readonly payload: unknown) {
    super(
      payload instanceof ErrorObject
        ? errorMessage(payload)
        : `uncaught exception: ${writeString(payload)}`,
    );
    this.name = "SchemeError";
  }
}

/** The longest an irritant is written in a message: a 4096-element vector is not a message. */
const MAX_IRRITANT_CHARS = 200;

/** `x` as `write` prints it, cut to MAX_IRRITANT_CHARS with "…" when longer. */
export function writeShort(x: unknown): string {
  const s = writeString(x);
  return s.length <= MAX_IRRITANT_CHARS ? s : s.slice(0, MAX_IRRITANT_CHARS) + "…";
}

/** `message irritant ...` as a user reads it: irritants are written, separated by spaces. */
export function errorMessage(e: ErrorObject): string {
  let s = e.message;
  for (const x of e.irritants) s += " " + writeShort(x);
  return s;
}

/** The full report: message, then one line per stack frame (`  at name (file:line:col)`). */
export function formatErrorReport(payload: unknown): string {
  if (!(payload instanceof ErrorObject)) return `uncaught exception: ${writeString(payload)}`;
  let s = errorMessage(payload);
  if (payload.trace && payload.trace.length > 0) {
    for (const f of payload.trace) s += `\n  at ${f.name}${f.loc ? ` (${formatLoc(f.loc)})` : ""}`;
  } else if (payload.loc) {
    s += `\n  at ${formatLoc(payload.loc)}`;
  }
  return s;
}

export function schemeError(message: string, ...irritants: unknown[]): never {
  throw new SchemeError(new ErrorObject(message, irritants));
}

export function errorOfKind(kind: ErrorKind, message: string, loc: Loc | null = null): never {
  throw new SchemeError(new ErrorObject(message, [], kind, loc));
}

/** `car: expected a pair, got 5` */
export function wrongType(who: string, expected: string, got: unknown): never {
  throw new SchemeError(
    new ErrorObject(`${who}: expected ${expected}, got ${writeShort(got)}`, []),
  );
}

/** `vector-ref: index 10 out of range for length 3` */
export function outOfRange(who: string, index: unknown, length: number): never {
  throw new SchemeError(
    new ErrorObject(`${who}: index ${writeString(index)} out of range for length ${length}`, []),
  );
}

/** A syntax error found by the reader or expander, at a source location. */
export function syntaxError(message: string, loc: Loc | null | undefined, form?: unknown): never {
  const e = new ErrorObject(
    form === undefined ? message : `${message}: ${writeString(form)}`,
    [],
    "error",
    loc ?? null,
  );
  throw new SchemeError(e);
}
