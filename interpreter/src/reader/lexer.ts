// The tokens of R7RS Scheme (§2, §7.1.1), recognized by a chevrotain lexer built on first use.
// Atoms (identifiers, numbers, `#t`, `#x1F`...) are one token class, told apart by the reader:
// Scheme decides between `+5`, `+` and `+inf.0` only once the whole run of characters is known.
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

export type { IToken, TokenType };

/** Delimiters end atoms: whitespace, parentheses/brackets, `"`, `;`, `|` and the quote shorthands. */
const ATOM = /[^\s()[\]";'`,|]+/;

/**
 * A custom matcher for tokens whose end must be found by scanning (nested block comments,
 * strings, `|symbols|`). The payload says whether the closing delimiter was found, so the reader
 * can tell "unterminated" (the REPL keeps reading lines) from a complete token.
 */
type Scanner = (text: string, offset: number) => number | -1;
function scanningPattern(scan: Scanner) {
  return {
    exec(text: string, offset: number) {
      const end = scan(text, offset);
      if (end === -1) return null;
      const terminated = end > 0;
      const match = [text.slice(offset, terminated ? end : text.length)] as [string] & {
        payload?: boolean;
      };
      match.payload = terminated;
      return match;
    },
  };
}

/** `#| ... |#`, nesting: the end offset, 0 if unterminated, -1 if not at a block comment. */
function scanBlockComment(text: string, offset: number): number {
  if (text.charCodeAt(offset) !== 35 || text.charCodeAt(offset + 1) !== 124) return -1;
  let depth = 1;
  let i = offset + 2;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 124 /* | */ && text.charCodeAt(i + 1) === 35 /* # */) {
      i += 2;
      if (--depth === 0) return i;
    } else if (c === 35 /* # */ && text.charCodeAt(i + 1) === 124 /* | */) {
      i += 2;
      depth++;
    } else {
      i++;
    }
  }
  return 0;
}

/** A `quote`-delimited run with backslash escapes (strings, `|symbols|`): end offset or 0. */
function delimitedScanner(quote: number): Scanner {
  return (text, offset) => {
    if (text.charCodeAt(offset) !== quote) return -1;
    for (let i = offset + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === quote) return i + 1;
      if (c === 92 /* \ */) i++;
    }
    return 0;
  };
}

// Order matters: chevrotain takes the first pattern that matches, so the specific `#` forms come
// before the catch-all Atom.
export const Whitespace = createToken({
  name: "Whitespace",
  pattern: /\s+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({
  name: "LineComment",
  pattern: /;[^\n]*/,
  group: Lexer.SKIPPED,
});
/** `#!/usr/bin/env ...` on a script's first line. */
export const Shebang = createToken({
  name: "Shebang",
  pattern: /#!\/[^\n]*/,
  group: Lexer.SKIPPED,
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: scanningPattern(scanBlockComment),
  line_breaks: true,
  start_chars_hint: ["#"],
});
export const DatumComment = createToken({ name: "DatumComment", pattern: /#;/ });
export const Directive = createToken({ name: "Directive", pattern: /#!(?:no-)?fold-case/ });
/** `#\a`, `#\space`, `#\x41`, `#\(`: the character right after `#\` is always part of it. */
export const CharLiteral = createToken({
  name: "CharLiteral",
  pattern: /#\\[\s\S][^\s()[\]";'`,|]*/,
  line_breaks: true,
});
export const LabelDef = createToken({ name: "LabelDef", pattern: /#\d+=/ });
export const LabelRef = createToken({ name: "LabelRef", pattern: /#\d+#/ });
export const VectorOpen = createToken({ name: "VectorOpen", pattern: /#\(/ });
/** `#u8(` bytevectors and the SRFI 4 vectors `#s8(`, `#f32(`, `#f64(`. */
export const TypedVectorOpen = createToken({
  name: "TypedVectorOpen",
  pattern: /#(?:[uU]8|[sS]8|[fF]32|[fF]64)\(/,
});
export const Open = createToken({ name: "Open", pattern: /[([]/ });
export const Close = createToken({ name: "Close", pattern: /[)\]]/ });
export const Quote = createToken({ name: "Quote", pattern: /'/ });
export const Quasiquote = createToken({ name: "Quasiquote", pattern: /`/ });
export const UnquoteSplicing = createToken({ name: "UnquoteSplicing", pattern: /,@/ });
export const Unquote = createToken({ name: "Unquote", pattern: /,/ });
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: scanningPattern(delimitedScanner(34 /* " */)),
  line_breaks: true,
  start_chars_hint: ['"'],
});
export const BarSymbol = createToken({
  name: "BarSymbol",
  pattern: scanningPattern(delimitedScanner(124 /* | */)),
  line_breaks: true,
  start_chars_hint: ["|"],
});
export const Atom = createToken({
  name: "Atom",
  pattern: ATOM,
  start_chars_hint: atomStartCharsHint(),
});

/**
 * Chevrotain cannot analyze Atom's complement set, and without a hint it would drop its
 * first-character dispatch for every token (several times slower). Codes above 255 share
 * buckets of 255 codes, so one code every 128 covers them all.
 */
function atomStartCharsHint(): number[] {
  const hint: number[] = [];
  for (let code = 0; code < 256; code++) {
    if (!/[\s()[\]";'`,|]/.test(String.fromCharCode(code))) hint.push(code);
  }
  for (let code = 256; code < 0x10000; code += 128) hint.push(code);
  return hint;
}

const ALL_TOKENS = [
  Whitespace,
  LineComment,
  Shebang,
  BlockComment,
  DatumComment,
  Directive,
  CharLiteral,
  LabelDef,
  LabelRef,
  VectorOpen,
  TypedVectorOpen,
  Open,
  Close,
  Quote,
  Quasiquote,
  UnquoteSplicing,
  Unquote,
  StringLiteral,
  BarSymbol,
  Atom,
];

let lexer: Lexer | null = null;

/**
 * The tokens of `text` (skipping whitespace and line comments). Offsets only: the reader turns
 * them into lines and columns itself, which is cheaper than chevrotain's full tracking.
 */
export function tokenize(text: string): { tokens: IToken[]; errorOffset: number | null } {
  lexer ??= new Lexer(ALL_TOKENS, {
    positionTracking: "onlyOffset",
    ensureOptimizations: true,
    skipValidations: true,
  });
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, errorOffset: result.errors[0]?.offset ?? null };
}
