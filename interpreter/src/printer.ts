// The printer: Scheme values → text, as `write`, `display`, `write-shared` and `write-simple`
// print them (R7RS §6.13.3). Datum labels (`#0=(a . #0#)`) mark cycles, or all sharing for
// `write-shared`. Lists are printed in a loop along their cdrs, so long lists cost no JS stack.
import { Compnum } from "./complex.ts";
import { formatNumber, parseNumber } from "./reader/number-syntax.ts";
import {
  Char,
  EOF_OBJECT,
  ErrorObject,
  Flonum,
  MString,
  MultipleValues,
  Pair,
  Procedure,
  Ratnum,
  Record,
  Sym,
  UNASSIGNED,
  UNSPECIFIED,
  makeFlonum,
  type SchemeNumber,
} from "./values.ts";

/** `write`: machine-readable; datum labels only where the structure is cyclic. */
export function writeString(x: unknown): string {
  return new Printer(true, findLabels(x, false)).print(x);
}

/** `display`: strings and characters as their contents; labels only for cycles. */
export function displayString(x: unknown): string {
  if (x instanceof MString) return x.toString(); // the common (display "text")
  return new Printer(false, findLabels(x, false)).print(x);
}

/** `write-shared`: datum labels for every pair, vector or record reachable more than once. */
export function writeSharedString(x: unknown): string {
  return new Printer(true, findLabels(x, true)).print(x);
}

/** `write-simple`: no datum labels at all (loops forever on cyclic data, as R7RS allows). */
export function writeSimpleString(x: unknown): string {
  return new Printer(true, null).print(x);
}

// ---------------------------------------------------------------------------------------------
// Finding the objects that need labels.

/** Objects a datum label can name: they may be reached twice. */
function isLabelable(x: unknown): x is object {
  return x instanceof Pair || Array.isArray(x) || x instanceof Record || x instanceof ErrorObject;
}

const ACTIVE = 1; // on the current path from the root: reaching it again closes a cycle
const DONE = 2;
/** Pushed above a node on the work stack: popping it means the node's children are finished. */
const EXIT = Symbol("exit");

/**
 * The objects to label: those on a cycle (reached again while still on the path from the root),
 * or with `shared`, every object reached twice. Depth-first with an explicit stack.
 */
function findLabels(root: unknown, shared: boolean): Set<object> | null {
  if (root instanceof MultipleValues) return findLabelsFrom([...root.values], shared);
  if (!isLabelable(root) || isFlat(root)) return null;
  return findLabelsFrom([root], shared);
}

/** The depth-first walk behind findLabels, from the roots in `work`. */
function findLabelsFrom(work: unknown[], shared: boolean): Set<object> | null {
  const state = new Map<object, number>();
  const labels = new Set<object>();
  while (work.length > 0) {
    const x = work.pop();
    if (x === EXIT) {
      state.set(work.pop() as object, DONE);
      continue;
    }
    if (!isLabelable(x)) continue;
    const seen = state.get(x);
    if (seen !== undefined) {
      if (seen === ACTIVE || shared) labels.add(x);
      continue;
    }
    state.set(x, ACTIVE);
    work.push(x, EXIT);
    pushChildren(x, work);
  }
  return labels.size > 0 ? labels : null;
}

/**
 * True for the common big values that need no bookkeeping: a proper list or vector whose
 * elements are all atoms. Floyd's tortoise and hare catches a cyclic spine without a table.
 */
function isFlat(x: unknown): boolean {
  if (Array.isArray(x)) return x.every((item) => !isLabelable(item));
  let slow = x;
  let steps = 0;
  while (x instanceof Pair) {
    if (isLabelable(x.car)) return false;
    x = x.cdr;
    if ((++steps & 1) === 0) {
      slow = (slow as Pair).cdr;
      if (slow === x) return false;
    }
  }
  return !isLabelable(x);
}

function pushChildren(x: object, work: unknown[]): void {
  if (x instanceof Pair) {
    work.push(x.cdr, x.car); // car on top: visited first, like the printer
  } else if (Array.isArray(x)) {
    for (let i = x.length - 1; i >= 0; i--) work.push(x[i]);
  } else if (x instanceof Record) {
    for (let i = x.fields.length - 1; i >= 0; i--) work.push(x.fields[i]);
  } else if (x instanceof ErrorObject) {
    for (let i = x.irritants.length - 1; i >= 0; i--) work.push(x.irritants[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing.

class Printer {
  private out = "";
  private readonly labelNumbers = new Map<object, number>();

  constructor(
    /** write (true) or display (false) */
    private readonly machineReadable: boolean,
    private readonly labels: Set<object> | null,
  ) {}

  print(x: unknown): string {
    if (x instanceof MultipleValues) {
      x.values.forEach((v, i) => {
        if (i > 0) this.out += " ";
        this.value(v);
      });
    } else {
      this.value(x);
    }
    return this.out;
  }

  private value(x: unknown): void {
    if (typeof x === "object" && x !== null && this.labels !== null && this.labels.has(x)) {
      const n = this.labelNumbers.get(x);
      if (n !== undefined) {
        this.out += `#${n}#`;
        return;
      }
      this.labelNumbers.set(x, this.labelNumbers.size);
      this.out += `#${this.labelNumbers.size - 1}=`;
    }
    if (x instanceof Pair) this.list(x);
    else if (Array.isArray(x)) this.sequence("#(", x);
    else this.out += this.atom(x);
  }

  /** `(a b c)`, `(a . b)`; a labelled pair in the tail is printed as a dotted tail. */
  private list(p: Pair): void {
    this.out += "(";
    this.value(p.car);
    let rest = p.cdr;
    const labels = this.labels;
    while (rest instanceof Pair && (labels === null || !labels.has(rest))) {
      this.out += " ";
      this.value(rest.car);
      rest = rest.cdr;
    }
    if (rest !== null) {
      this.out += " . ";
      this.value(rest);
    }
    this.out += ")";
  }

  private sequence(open: string, items: ArrayLike<unknown>): void {
    this.out += open;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.out += " ";
      this.value(items[i]);
    }
    this.out += ")";
  }

  /** Everything but pairs and vectors. */
  private atom(x: unknown): string {
    switch (typeof x) {
      case "boolean":
        return x ? "#t" : "#f";
      case "number":
      case "bigint":
        return formatNumber(x);
      case "string": // host strings, should one leak in: print them like Scheme strings
        return this.machineReadable ? quoteString(x, '"') : x;
      case "undefined":
        return "#<undefined>";
    }
    if (x === null) return "()";
    if (x instanceof Sym) return this.machineReadable ? writeSymbol(x.name) : x.name;
    if (x instanceof MString)
      return this.machineReadable ? quoteString(x.toString(), '"') : x.toString();
    if (x instanceof Char)
      return this.machineReadable ? writeChar(x.code) : String.fromCodePoint(x.code);
    if (x instanceof Flonum || x instanceof Ratnum) return formatNumber(x);
    if (x instanceof Compnum) return formatNumber(x as unknown as SchemeNumber);
    if (x instanceof Procedure) return x.name === null ? "#<procedure>" : `#<procedure ${x.name}>`;
    if (x === UNSPECIFIED || x === EOF_OBJECT || x === UNASSIGNED) return String(x);
    if (x instanceof Uint8Array) return `#u8(${x.join(" ")})`;
    if (x instanceof Int8Array) return `#s8(${x.join(" ")})`;
    if (x instanceof Float64Array) return `#f64(${Array.from(x, formatFloat64).join(" ")})`;
    if (x instanceof Float32Array) return `#f32(${Array.from(x, formatFloat32).join(" ")})`;
    if (x instanceof Record) return this.record(x);
    if (x instanceof ErrorObject) return this.errorObject(x);
    return opaque(x);
  }

  /** `#<point 1 2>`: the record type's name (without R7RS's customary <>) and the fields. */
  private record(r: Record): string {
    const name = r.type.name.replace(/^<(.+)>$/, "$1");
    return this.nested(`#<${name}`, r.fields);
  }

  /** `#<error "message" irritant ...>` */
  private errorObject(e: ErrorObject): string {
    return this.nested(`#<error ${quoteString(e.message, '"')}`, e.irritants);
  }

  /** `head item ...>`, the items printed by this printer so labels stay consistent. */
  private nested(head: string, items: readonly unknown[]): string {
    const saved = this.out;
    this.out = head;
    for (const item of items) {
      this.out += " ";
      this.value(item);
    }
    const text = this.out + ">";
    this.out = saved;
    return text;
  }
}

function opaque(x: unknown): string {
  const typeName = (x as { typeName?: unknown }).typeName;
  return typeof typeName === "string" ? `#<${typeName}>` : "#<object>";
}

// ---------------------------------------------------------------------------------------------
// Strings, symbols and characters as `write` prints them.

/** Characters that must be escaped inside "strings" or |symbols|: the quote, \ and controls. */
const NEEDS_ESCAPE = {
  '"': /["\\\p{Cc}]/u,
  "|": /[|\\\p{Cc}]/u,
};
const NEEDS_ESCAPE_GLOBAL = {
  '"': /["\\\p{Cc}]/gu,
  "|": /[|\\\p{Cc}]/gu,
};
const MNEMONIC_ESCAPES: { [char: string]: string } = {
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\\": "\\\\",
  '"': '\\"',
  "|": "\\|",
};

/** `"a\nb"` with R7RS escapes; other control characters as `\x7f;`. */
function quoteString(s: string, quote: '"' | "|"): string {
  if (!NEEDS_ESCAPE[quote].test(s)) return quote + s + quote;
  const body = s.replace(
    NEEDS_ESCAPE_GLOBAL[quote],
    (c) => MNEMONIC_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16)};`,
  );
  return quote + body + quote;
}

/** Characters that end an identifier or cannot appear in one unescaped. */
const DELIMITER_OR_INVISIBLE = /[\s()[\]";'`,|\\\p{C}]/u;
const LOOKS_NUMERIC = /^[+-]?\.?[0-9]/;

/** A symbol as `write` prints it: bare when it reads back as itself, else in |bars|. */
function writeSymbol(name: string): string {
  return symbolNeedsBars(name) ? quoteString(name, "|") : name;
}

function symbolNeedsBars(name: string): boolean {
  if (name === "" || name === "." || name.charCodeAt(0) === 35 /* # */) return true;
  if (DELIMITER_OR_INVISIBLE.test(name)) return true;
  // `1+`, `-5`, `.5a` would be rejected as bad numbers; `+inf.0` would read as a number.
  return LOOKS_NUMERIC.test(name) || parseNumber(name) !== false;
}

/** R7RS character names, by code. */
const CHAR_NAMES = new Map<number, string>([
  [0, "null"],
  [7, "alarm"],
  [8, "backspace"],
  [9, "tab"],
  [10, "newline"],
  [13, "return"],
  [27, "escape"],
  [32, "space"],
  [0x7f, "delete"],
]);
/** Controls, format characters, unassigned code points, surrogates and non-space separators. */
const INVISIBLE_CHAR = /[\p{C}\p{Z}]/u;

/** `#\a`, `#\space`, `#\λ`, `#\x7;`-style hex only for characters that cannot be seen. */
function writeChar(code: number): string {
  const name = CHAR_NAMES.get(code);
  if (name !== undefined) return `#\\${name}`;
  const s = String.fromCodePoint(code);
  return INVISIBLE_CHAR.test(s) ? `#\\x${code.toString(16)}` : `#\\${s}`;
}

// ---------------------------------------------------------------------------------------------
// SRFI 4 elements.

function formatFloat64(v: number): string {
  return formatNumber(makeFlonum(v));
}

/** The shortest decimal that rounds to this float32 (0.1, not 0.10000000149011612). */
function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat64(v); // keeps -0.0
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (Math.fround(shorter) === v) return formatFloat64(shorter);
  }
  return formatFloat64(v);
}
