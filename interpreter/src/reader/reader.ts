// The reader: Scheme source text → datums (R7RS §2, §7.1.2), each list and vector remembering
// where it came from (source-locs.ts). Tokens come from the chevrotain lexer (lexer.ts); datums are
// built here with an explicit stack, so neither long lists nor deep nesting touch the JS stack.
import { SchemeError } from "../errors.ts";
import { carLocs, formLocs } from "../source-locs.ts";
import {
  Char,
  ErrorObject,
  MString,
  Pair,
  Ratnum,
  Sym,
  flonumValue,
  isExactInteger,
  isNumber,
  type Loc,
  type SchemeNumber,
} from "../values.ts";
import {
  Open,
  Quasiquote,
  Quote,
  TypedVectorOpen,
  Unquote,
  UnquoteSplicing,
  tokenize,
  type IToken,
} from "./lexer.ts";
import { parseNumber, ratioToFloat } from "./number-syntax.ts";

export interface ReadResult {
  datum: unknown;
  loc: Loc;
}

/** Every datum of `text`, in order. Throws a SchemeError (kind "read") on bad syntax. */
export function readAll(text: string, file: string): ReadResult[] {
  const reader = new DatumReader(text, file, 0);
  const out: ReadResult[] = [];
  for (let r = reader.next(); r !== null; r = reader.next()) out.push(r);
  return out;
}

/**
 * The datum starting at `offset` and the offset just past it, or null when only whitespace and
 * comments remain. For the `read` procedure: reading a port datum by datum reuses one tokenization.
 */
export function readDatum(
  text: string,
  offset: number,
  file: string,
): { datum: unknown; end: number } | null {
  let reader = lastPortReader;
  if (reader === null || reader.text !== text || reader.offset !== offset || reader.file !== file) {
    reader = new DatumReader(text, file, offset);
  }
  lastPortReader = null; // a reader that threw must not be reused
  const r = reader.next();
  if (r === null) return null;
  lastPortReader = reader;
  return { datum: r.datum, end: reader.offset };
}
let lastPortReader: DatumReader | null = null;

/** Errors that mean "the text ended inside a datum": a REPL should read another line. */
const incompleteErrors = new WeakSet<object>();

/** True when `e` is a reader error caused by the input ending inside a datum, string or comment. */
export function isIncompleteInput(e: unknown): boolean {
  return e instanceof SchemeError && incompleteErrors.has(e.payload as object);
}

function readError(message: string, loc: Loc, incomplete = false): never {
  const payload = new ErrorObject(message, [], "read", loc);
  if (incomplete) incompleteErrors.add(payload);
  throw new SchemeError(payload);
}

// ---------------------------------------------------------------------------------------------
// Positions: offsets → 1-based lines and columns.

/** Maps offsets to lines and columns, with a cursor because the reader mostly moves forward. */
class LineTable {
  private readonly lineStarts: number[] = [0];
  private line = 0;
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1))
      this.lineStarts.push(i + 1);
  }
  /** The 0-based line holding `offset`: a few steps from the cursor, else a binary search. */
  lineOf(offset: number): number {
    const starts = this.lineStarts;
    let line = this.line;
    for (let steps = 0; steps < 8; steps++) {
      if (starts[line] > offset) line--;
      else if (line + 1 < starts.length && starts[line + 1] <= offset) line++;
      else return (this.line = line);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return (this.line = low);
  }
  /** The range from `start` to `end` (offsets) as 1-based lines and columns. */
  loc(file: string, start: number, end: number): Loc {
    const startLine = this.lineOf(start);
    const startCol = start - this.lineStarts[startLine];
    const endLine = this.lineOf(end);
    return {
      file,
      line: startLine + 1,
      col: startCol + 1,
      endLine: endLine + 1,
      endCol: end - this.lineStarts[endLine] + 1,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The datum builder: a stack of frames, one per datum under construction.

const enum FrameKind {
  List,
  Vector,
  /** `'x` `` `x `` `,x` `,@x`: waits for one datum and wraps it. */
  Prefix,
  /** `#;`: waits for one datum and drops it. */
  DatumComment,
  /** `#n=`: waits for one datum and names it. */
  Label,
}

type VectorType = "vector" | "u8" | "s8" | "f32" | "f64";

interface Frame {
  kind: FrameKind;
  /** Offset of the opening token. */
  start: number;
  /** The opening token's text, for messages. */
  opener: string;
  /** List: its pairs so far, built front to back. */
  head: Pair | null;
  last: Pair | null;
  /** List: a `.` was seen; `hasTail` once the datum after it is read. */
  dotted: boolean;
  hasTail: boolean;
  /** Vector: its elements so far. */
  items: unknown[];
  vectorType: VectorType;
  prefix: Sym | null;
  prefixLoc: Loc | null;
  label: LabelPlaceholder | null;
}

function newFrame(kind: FrameKind, token: IToken): Frame {
  return {
    kind,
    start: token.startOffset,
    opener: token.image,
    head: null,
    last: null,
    dotted: false,
    hasTail: false,
    items: kind === FrameKind.Vector ? [] : NO_ITEMS,
    vectorType: "vector",
    prefix: null,
    prefixLoc: null,
    label: null,
  };
}

/** Stands for a labelled datum (`#0=`) until it is complete; `#0#` inside it refers to this. */
class LabelPlaceholder {
  used = false;
  constructor(readonly label: string) {}
}

/** What the `.` atom reads as, and what a token that makes no datum yields. */
const DOT = Symbol("dot");
const NOTHING = Symbol("nothing");
const NO_ITEMS: unknown[] = [];

const PREFIX_SYMBOLS = new Map([
  [Quote, Sym.intern("quote")],
  [Quasiquote, Sym.intern("quasiquote")],
  [Unquote, Sym.intern("unquote")],
  [UnquoteSplicing, Sym.intern("unquote-splicing")],
]);

/** R7RS §6.6 character names. */
const CHAR_NAMES: Record<string, number> = {
  alarm: 7,
  backspace: 8,
  delete: 0x7f,
  escape: 0x1b,
  newline: 10,
  null: 0,
  nul: 0,
  return: 13,
  space: 32,
  tab: 9,
  linefeed: 10,
  altmode: 0x1b,
  page: 12,
};

/** String escapes with a letter (R7RS §6.7). */
const STRING_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  r: "\r",
  '"': '"',
  "\\": "\\",
  "|": "|",
};

const LOOKS_NUMERIC = /^[+-]?\.?[0-9]/;
const BOOLEANS: Record<string, boolean> = {
  "#t": true,
  "#true": true,
  "#f": false,
  "#false": false,
};

class DatumReader {
  private readonly tokens: IToken[];
  private index = 0;
  private readonly lines: LineTable;
  private foldCase = false;
  private labels = new Map<string, unknown>();
  /** Set when the input has a character no token accepts. */
  private readonly lexError: Loc | null = null;
  /** The top-level datum `deliver` just completed, and its location. */
  private completed: unknown = null;
  private completedLoc: Loc | null = null;
  /** Offset just past the last token consumed. */
  offset: number;

  constructor(
    readonly text: string,
    readonly file: string,
    startOffset: number,
  ) {
    this.lines = new LineTable(text);
    const source = startOffset === 0 ? text : text.slice(startOffset);
    const { tokens, errorOffset } = tokenize(source);
    if (startOffset !== 0) for (const t of tokens) t.startOffset += startOffset;
    this.tokens = tokens;
    this.offset = startOffset;
    if (errorOffset !== null) {
      const at = errorOffset + startOffset;
      // Only reachable for characters no token accepts; report the first one.
      this.lexError = this.loc(at, at + 1);
    }
  }

  private loc(start: number, end: number): Loc {
    return this.lines.loc(this.file, start, end);
  }
  private tokenLoc(t: IToken): Loc {
    return this.loc(t.startOffset, t.startOffset + t.image.length);
  }

  /** The next top-level datum, or null at the end of the input. */
  next(): ReadResult | null {
    if (this.lexError !== null) readError("unexpected character", this.lexError);
    this.labels = new Map();
    const stack: Frame[] = [];
    const tokens = this.tokens;
    while (this.index < tokens.length) {
      const token = tokens[this.index++];
      this.offset = token.startOffset + token.image.length;
      const datum = this.token(token, stack);
      if (datum !== NOTHING && this.deliver(stack, datum, this.tokenDatumLoc))
        return { datum: this.completed, loc: this.completedLoc! };
    }
    if (stack.length > 0) this.endInsideDatum(stack[stack.length - 1]);
    return null;
  }

  /**
   * What one token makes: a complete datum (its range left in `tokenDatumLoc`), or NOTHING when
   * the token opened a frame or is not part of any datum.
   */
  private token(token: IToken, stack: Frame[]): unknown {
    // Openers need no location of their own: the frame keeps its start offset.
    const name = token.tokenType.name;
    if (name === "Open" || name === "VectorOpen" || name === "TypedVectorOpen")
      return this.openSequence(token, stack);
    const loc = (this.tokenDatumLoc = this.tokenLoc(token));
    switch (name) {
      case "Atom": {
        // 42, foo, #t, #x1F, or the . of a dotted list
        const datum = this.atom(token.image, loc);
        if (datum !== DOT) return datum;
        this.dot(stack, loc);
        return NOTHING;
      }
      case "Close": {
        // ) or ]
        const frame = stack.pop();
        if (frame === undefined) readError(`unbalanced "${token.image}"`, loc);
        const datum = this.close(frame, token, loc);
        this.tokenDatumLoc = this.loc(frame.start, this.offset);
        return datum;
      }
      case "StringLiteral":
        if (token.payload !== true) this.unterminated("string", loc);
        return MString.from(this.unescape(token), false);
      case "CharLiteral": // #\a #\space #\x41
        return this.character(token.image, loc);
      case "BarSymbol": // |hello world|
        if (token.payload !== true) this.unterminated("|symbol|", loc);
        return Sym.intern(this.unescape(token));
      case "Quote": // 'x ` ,x ,@x
      case "Quasiquote":
      case "Unquote":
      case "UnquoteSplicing": {
        const frame = newFrame(FrameKind.Prefix, token);
        frame.prefix = PREFIX_SYMBOLS.get(token.tokenType)!;
        frame.prefixLoc = loc;
        stack.push(frame);
        return NOTHING;
      }
      case "BlockComment": // #| ... |#
        if (token.payload !== true) this.unterminated("block comment", loc);
        return NOTHING;
      case "DatumComment": // #;
        stack.push(newFrame(FrameKind.DatumComment, token));
        return NOTHING;
      case "Directive": // #!fold-case #!no-fold-case
        this.foldCase = token.image === "#!fold-case";
        return NOTHING;
      case "LabelDef": {
        // #0=
        const frame = newFrame(FrameKind.Label, token);
        const name = token.image.slice(1, -1);
        frame.label = new LabelPlaceholder(name);
        this.labels.set(name, frame.label);
        stack.push(frame);
        return NOTHING;
      }
      case "LabelRef": {
        // #0#
        const name = token.image.slice(1, -1);
        if (!this.labels.has(name)) readError(`undefined datum label #${name}#`, loc);
        const datum = this.labels.get(name);
        if (datum instanceof LabelPlaceholder) datum.used = true;
        return datum;
      }
    }
    readError(`unexpected "${token.image}"`, loc);
  }
  private tokenDatumLoc!: Loc;

  /** `(` `[` `#(` `#u8(` `#s8(` `#f32(` `#f64(`: a new list or vector frame. */
  private openSequence(token: IToken, stack: Frame[]): typeof NOTHING {
    const isList = token.tokenType === Open;
    const frame = newFrame(isList ? FrameKind.List : FrameKind.Vector, token);
    if (token.tokenType === TypedVectorOpen)
      frame.vectorType = token.image.slice(1, -1).toLowerCase() as VectorType;
    stack.push(frame);
    return NOTHING;
  }

  /**
   * Hands a complete datum to the innermost frame, completing prefix and label frames on the way
   * up. True when that completes a top-level datum, left in `completed` and `completedLoc`.
   */
  private deliver(stack: Frame[], datum: unknown, loc: Loc): boolean {
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        this.completed = datum;
        this.completedLoc = loc;
        return true;
      }
      switch (frame.kind) {
        case FrameKind.List:
          if (frame.dotted) {
            if (frame.hasTail) readError('more than one datum after "." in a list', loc);
            frame.last!.cdr = datum;
            frame.hasTail = true;
          } else {
            const pair = new Pair(datum, null);
            carLocs.set(pair, loc);
            if (frame.last === null) frame.head = pair;
            else frame.last.cdr = pair;
            frame.last = pair;
          }
          return false;
        case FrameKind.Vector:
          frame.items.push(this.vectorElement(frame.vectorType, datum, loc));
          return false;
        case FrameKind.Prefix: {
          stack.pop();
          const second = new Pair(datum, null);
          const form = new Pair(frame.prefix, second);
          carLocs.set(second, loc);
          carLocs.set(form, frame.prefixLoc!);
          loc = this.loc(frame.start, this.offset);
          formLocs.set(form, loc);
          datum = form;
          break;
        }
        case FrameKind.DatumComment:
          stack.pop();
          return false;
        case FrameKind.Label: {
          stack.pop();
          const placeholder = frame.label!;
          if (placeholder.used) replacePlaceholder(datum, placeholder, datum);
          this.labels.set(placeholder.label, datum);
          loc = this.loc(frame.start, this.offset);
          break;
        }
      }
    }
  }

  /** `.` inside a list, after at least one datum and only once. */
  private dot(stack: Frame[], loc: Loc): void {
    const frame = stack[stack.length - 1];
    if (frame === undefined || frame.kind !== FrameKind.List || frame.head === null || frame.dotted)
      readError('unexpected "." (a dot must follow at least one datum inside a list)', loc);
    frame.dotted = true;
  }

  /** A closing parenthesis: builds the list or vector its frame holds. */
  private close(frame: Frame, token: IToken, loc: Loc): unknown {
    // `'`, `#;` and `#0=` frames wait for a datum: `(')` is an error.
    if (frame.kind !== FrameKind.List && frame.kind !== FrameKind.Vector)
      readError(`expected a datum after "${frame.opener}", found "${token.image}"`, loc);
    const opened = this.loc(frame.start, frame.start + 1);
    const expected = frame.opener === "[" ? "]" : ")";
    if (token.image !== expected)
      readError(
        `"${token.image}" does not match the "${frame.opener}" opened at ${opened.line}:${opened.col}`,
        loc,
      );
    if (frame.kind === FrameKind.Vector) return this.buildVector(frame);
    if (frame.dotted && !frame.hasTail) readError('expected a datum after "." in a list', loc);
    return this.buildList(frame);
  }

  private buildList(frame: Frame): unknown {
    if (frame.head === null) return null;
    formLocs.set(frame.head, this.loc(frame.start, this.offset));
    return frame.head;
  }

  private buildVector(frame: Frame): unknown {
    const items = frame.items;
    switch (frame.vectorType) {
      case "vector":
        formLocs.set(items, this.loc(frame.start, this.offset));
        return items;
      case "u8":
        return Uint8Array.from(items as number[]);
      case "s8":
        return Int8Array.from(items as number[]);
      case "f32":
        return Float32Array.from(items as number[]);
      case "f64":
        return Float64Array.from(items as number[]);
    }
  }

  /** Checks a `#u8(`/`#s8(`/`#f32(`/`#f64(` element and converts it to a JS number. */
  private vectorElement(type: VectorType, datum: unknown, loc: Loc): unknown {
    if (type === "vector") return datum;
    if (type === "f32" || type === "f64") {
      if (!isNumber(datum)) readError(`#${type}( element must be a real number`, loc);
      return toFloat(datum);
    }
    const [min, max] = type === "u8" ? [0, 255] : [-128, 127];
    const what = type === "u8" ? "bytevector" : "#s8( vector";
    if (!isExactInteger(datum) || datum < min || datum > max)
      readError(`${what} element out of range (${min} to ${max})`, loc);
    return datum;
  }

  /** An atom: number, boolean, `#`-syntax, `.` or symbol. */
  private atom(image: string, loc: Loc): unknown {
    const first = image.charCodeAt(0);
    if (first === 35 /* # */) return this.hashAtom(image, loc);
    if (image === ".") return DOT;
    // Digits, signs and dots may start a number; anything else is a symbol.
    if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46) {
      const n = parseNumber(image);
      if (n !== false) return n;
      if (LOOKS_NUMERIC.test(image)) this.badNumber(image, loc);
    }
    return Sym.intern(this.foldCase ? image.toLowerCase() : image);
  }

  /** `#t`, `#false`, `#x1F`, `#e1.5`...: everything else starting with `#` is an error. */
  private hashAtom(image: string, loc: Loc): unknown {
    const lower = image.toLowerCase();
    const bool = BOOLEANS[lower];
    if (bool !== undefined) return bool;
    if (/^#[xXbBoOdDeEiI]/.test(image)) {
      const n = parseNumber(image);
      if (n === false) this.badNumber(image, loc);
      return n;
    }
    if (image === "#\\" && this.index === this.tokens.length) this.unterminated("character", loc);
    readError(`bad # syntax "${image}"`, loc);
  }

  private badNumber(image: string, loc: Loc): never {
    readError(`bad number "${image}"`, loc);
  }

  /** `#\a`, `#\space`, `#\x3bb`. */
  private character(image: string, loc: Loc): Char {
    const name = image.slice(2);
    const code = name.codePointAt(0)!;
    if (name.length === (code > 0xffff ? 2 : 1)) return Char.of(code);
    const named = CHAR_NAMES[this.foldCase ? name.toLowerCase() : name];
    if (named !== undefined) return Char.of(named);
    if (/^[xX][0-9a-fA-F]+$/.test(name)) {
      const hex = parseInt(name.slice(1), 16);
      if (isScalarValue(hex)) return Char.of(hex);
    }
    readError(`bad character name "${image}"`, loc);
  }

  /** The contents of a string or `|symbol|` token with its escapes decoded (R7RS §6.7). */
  private unescape(token: IToken): string {
    const quoteLength = 1;
    const raw = token.image.slice(quoteLength, -quoteLength);
    if (!raw.includes("\\")) return raw;
    let out = "";
    let i = 0;
    for (let slash = raw.indexOf("\\"); slash !== -1; slash = raw.indexOf("\\", i)) {
      out += raw.slice(i, slash);
      const c = raw[slash + 1];
      const simple = STRING_ESCAPES[c];
      if (simple !== undefined) {
        out += simple;
        i = slash + 2;
        continue;
      }
      const escapeStart = token.startOffset + quoteLength + slash;
      if (c === "x" || c === "X") {
        const end = raw.indexOf(";", slash);
        const hex = end === -1 ? "" : raw.slice(slash + 2, end);
        const code = /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : -1;
        if (!isScalarValue(code))
          readError(
            `bad \\x escape (expected hex digits and ";", e.g. "\\x41;")`,
            this.loc(escapeStart, escapeStart + 2),
          );
        out += String.fromCodePoint(code);
        i = end + 1;
        continue;
      }
      // \ <intraline whitespace>* <newline> <intraline whitespace>*: a line continuation.
      const continuation = /^[ \t]*\r?\n[ \t]*/.exec(raw.slice(slash + 1));
      if (continuation !== null) {
        i = slash + 1 + continuation[0].length;
        continue;
      }
      readError(`bad escape "\\${c}"`, this.loc(escapeStart, escapeStart + 2));
    }
    return out + raw.slice(i);
  }

  private unterminated(what: string, loc: Loc): never {
    readError(`unterminated ${what} (starting at ${loc.line}:${loc.col})`, this.endLoc(), true);
  }

  /** Zero-width location at the end of the text. */
  private endLoc(): Loc {
    return this.loc(this.text.length, this.text.length);
  }

  /** The input ended while `frame` (the innermost open datum) still waited for more. */
  private endInsideDatum(frame: Frame): never {
    const opened = this.loc(frame.start, frame.start + 1);
    const where = `${opened.line}:${opened.col}`;
    const closer = frame.opener === "[" ? "]" : ")";
    const detail =
      frame.kind === FrameKind.List || frame.kind === FrameKind.Vector
        ? `missing "${closer}" for "${frame.opener}" opened at ${where}`
        : `expected a datum after "${frame.opener}" at ${where}`;
    readError(`unexpected end of input (${detail})`, this.endLoc(), true);
  }
}

function isScalarValue(code: number): boolean {
  return code >= 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
}

function toFloat(x: SchemeNumber): number {
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return Number(x);
  if (x instanceof Ratnum) return ratioToFloat(x.num, x.den);
  return flonumValue(x);
}

/** Replaces every reference to `placeholder` inside `root` (pairs and vectors) by `value`. */
function replacePlaceholder(root: unknown, placeholder: LabelPlaceholder, value: unknown): void {
  const seen = new Set<object>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    let x = pending.pop();
    // Walk cdr chains in a loop, cars through the pending stack.
    while (x instanceof Pair && !seen.has(x)) {
      seen.add(x);
      if (x.car === placeholder) x.car = value;
      else pending.push(x.car);
      if (x.cdr === placeholder) x.cdr = value;
      x = x.cdr;
    }
    if (Array.isArray(x) && !seen.has(x)) {
      seen.add(x);
      for (let i = 0; i < x.length; i++) {
        if (x[i] === placeholder) x[i] = value;
        else pending.push(x[i]);
      }
    }
  }
}
