// A Scheme mode for Monaco: the Monarch tokenizer, the language configuration (brackets,
// comments, auto-closing), Lisp-style indentation and a completion provider (R7RS names, the
// exports of the (nano …) libraries, and the names the current file defines).
//
// Everything except `registerSchemeLanguage` is pure (no Monaco, no DOM), so the Node tests can
// check the tokenizer's rules, the indentation and the name extraction without a browser.

import type * as Monaco from "monaco-editor/editor";

export const SCHEME_LANGUAGE_ID = "scheme";

/** Special forms and definition keywords (highlighted as keywords). */
export const SCHEME_KEYWORDS = [
  "define",
  "define-values",
  "define-syntax",
  "define-record-type",
  "define-library",
  "lambda",
  "case-lambda",
  "let",
  "let*",
  "letrec",
  "letrec*",
  "let-values",
  "let*-values",
  "let-syntax",
  "letrec-syntax",
  "syntax-rules",
  "cond",
  "case",
  "if",
  "when",
  "unless",
  "do",
  "begin",
  "and",
  "or",
  "else",
  "=>",
  "quote",
  "quasiquote",
  "unquote",
  "unquote-splicing",
  "set!",
  "delay",
  "delay-force",
  "make-promise",
  "guard",
  "parameterize",
  "import",
  "export",
  "include",
  "include-ci",
  "cond-expand",
  "only",
  "except",
  "prefix",
  "rename",
  "assert",
];

/** Forms whose body lines indent by 2 from the open bracket (the others align their arguments). */
export const BODY_FORMS = new Set([
  "define",
  "define-values",
  "define-syntax",
  "define-record-type",
  "define-library",
  "lambda",
  "case-lambda",
  "let",
  "let*",
  "letrec",
  "letrec*",
  "let-values",
  "let*-values",
  "let-syntax",
  "letrec-syntax",
  "syntax-rules",
  "when",
  "unless",
  "do",
  "begin",
  "case",
  "guard",
  "parameterize",
  "with-exception-handler",
  "call-with-current-continuation",
  "call/cc",
  "call-with-values",
  "call-with-port",
  "call-with-input-file",
  "call-with-output-file",
  "with-input-from-file",
  "with-output-to-file",
  "dynamic-wind",
]);

/** R7RS-small procedures and syntax (plus the SRFI 4 / hashtable names the interpreter has). */
export const R7RS_NAMES = (
  "* + - / < <= = > >= abs append apply assoc assq assv binary-port? boolean=? boolean? " +
  "bytevector bytevector-append bytevector-copy bytevector-copy! bytevector-length " +
  "bytevector-u8-ref bytevector-u8-set! bytevector? caar cadr call-with-current-continuation " +
  "call-with-port call-with-values call/cc car cdar cddr cdr ceiling char->integer " +
  "char-ready? char<=? char<? char=? char>=? char>? char? close-input-port close-output-port " +
  "close-port complex? cons current-error-port current-input-port current-output-port " +
  "denominator dynamic-wind eof-object eof-object? eq? equal? eqv? error error-object-irritants " +
  "error-object-message error-object? even? exact exact-integer-sqrt exact-integer? exact? " +
  "expt features file-error? floor floor-quotient floor-remainder floor/ flush-output-port " +
  "for-each gcd get-output-bytevector get-output-string inexact inexact? input-port-open? " +
  "input-port? integer->char integer? lcm length list list->string list->vector list-copy " +
  "list-ref list-set! list-tail list? make-bytevector make-list make-parameter make-string " +
  "make-vector map max member memq memv min modulo negative? newline not null? " +
  "number->string number? numerator odd? open-input-bytevector open-input-string " +
  "open-output-bytevector open-output-string output-port-open? output-port? pair? " +
  "peek-char peek-u8 positive? procedure? quotient raise raise-continuable rational? " +
  "rationalize read-bytevector read-bytevector! read-char read-error? read-line read-string " +
  "read-u8 real? remainder reverse round set-car! set-cdr! square string string->list " +
  "string->number string->symbol string->utf8 string->vector string-append string-copy " +
  "string-copy! string-fill! string-for-each string-length string-map string-ref string-set! " +
  "string<=? string<? string=? string>=? string>? string? substring symbol->string symbol=? " +
  "symbol? textual-port? truncate truncate-quotient truncate-remainder truncate/ u8-ready? " +
  "utf8->string values vector vector->list vector->string vector-append vector-copy " +
  "vector-copy! vector-fill! vector-for-each vector-length vector-map vector-ref vector-set! " +
  "vector? with-exception-handler write-bytevector write-char write-string write-u8 zero? " +
  "char-alphabetic? char-ci<=? char-ci<? char-ci=? char-ci>=? char-ci>? char-downcase " +
  "char-foldcase char-lower-case? char-numeric? char-upcase char-upper-case? " +
  "char-whitespace? digit-value string-ci<=? string-ci<? string-ci=? string-ci>=? " +
  "string-ci>? string-downcase string-foldcase string-upcase acos asin atan cos exp finite? " +
  "infinite? log nan? sin sqrt tan angle imag-part magnitude make-polar make-rectangular " +
  "real-part caaar caadr cadar caddr cdaar cdadr cddar cdddr environment eval " +
  "call-with-input-file call-with-output-file delete-file file-exists? open-binary-input-file " +
  "open-binary-output-file open-input-file open-output-file with-input-from-file " +
  "with-output-to-file force make-promise promise? load command-line emergency-exit exit " +
  "get-environment-variable get-environment-variables current-jiffy current-second " +
  "jiffies-per-second display write write-shared write-simple read interaction-environment " +
  "make-f32vector f32vector f32vector-ref f32vector-set! f32vector-length f32vector? " +
  "make-f64vector f64vector f64vector-ref f64vector-set! f64vector-length f64vector? " +
  "make-s8vector s8vector-ref s8vector-length make-u8vector u8vector-ref u8vector-length " +
  "make-hash-table hash-table-ref hash-table-ref/default hash-table-set! hash-table-delete! " +
  "hash-table-contains? hash-table-count hash-table-keys hash-table-values"
).split(" ");

// ---------------------------------------------------------------------------------------------
// The tokenizer's building blocks (exported for the tests).

/** Characters that end a symbol / number (delimiters in R7RS). */
const DELIMITER = `[\\s()\\[\\]";']`;
/** Symbols: anything up to a delimiter, or |…| (kept simple). */
export const SYMBOL_RE = /[^\s()[\]";'`,|#][^\s()[\]";'`,]*/;
/** Numbers: decimal, rational, exponent, radix and exactness prefixes, ±inf.0 / ±nan.0. */
export const NUMBER_RE = new RegExp(
  "(?:#[eEiI])?(?:#[xX][+-]?[0-9a-fA-F]+(?:/[0-9a-fA-F]+)?" +
    "|#[bB][+-]?[01]+(?:/[01]+)?|#[oO][+-]?[0-7]+(?:/[0-7]+)?" +
    "|(?:#[dD])?(?:[+-](?:inf|nan)\\.0" +
    "|[+-]?(?:\\d+/\\d+|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)))" +
    `(?=${DELIMITER}|$)`,
);
/** Characters: #\a, #\space, #\x41, #\( … */
export const CHAR_RE = new RegExp(
  `#\\\\(?:x[0-9a-fA-F]+(?=${DELIMITER}|$)|[a-zA-Z]+(?=${DELIMITER}|$)|.)`,
);
/** Booleans. */
export const BOOLEAN_RE = new RegExp(`#(?:true|false|t|f)(?=${DELIMITER}|$)`);

/** The Monarch definition (a plain object; Monaco takes it as IMonarchLanguage). */
export const schemeMonarch = {
  defaultToken: "",
  ignoreCase: false,
  tokenPostfix: ".scheme",
  brackets: [
    { open: "(", close: ")", token: "delimiter.parenthesis" },
    { open: "[", close: "]", token: "delimiter.square" },
  ],
  keywords: SCHEME_KEYWORDS,
  builtins: R7RS_NAMES,
  tokenizer: {
    root: [
      [/#\|/, "comment", "@blockComment"],
      [/#;/, "comment.datum", "@datumComment"],
      [/;.*$/, "comment"],
      [/"/, "string", "@string"],
      [CHAR_RE, "string.char"],
      [BOOLEAN_RE, "constant.boolean"],
      [NUMBER_RE, "number"],
      [/#u8\(|#\(/, "delimiter.parenthesis"],
      [/[()[\]]/, "@brackets"],
      [/'|`|,@|,/, "operator.quote"],
      [/\|[^|]*\|/, "identifier"],
      [
        SYMBOL_RE,
        {
          cases: {
            "@keywords": "keyword",
            "@builtins": "predefined",
            "@default": "identifier",
          },
        },
      ],
      [/\s+/, "white"],
      [/./, "identifier"],
    ],
    // `#;` comments out the next datum: an atom, or a whole bracketed form.
    datumComment: [
      [/\s+/, "white"],
      [/['`,@]+/, "comment.datum"],
      [/[([]/, { token: "comment.datum", switchTo: "@datumList" }],
      [/"(?:[^"\\]|\\.)*"/, "comment.datum", "@pop"],
      [/[^\s()[\]"]+/, "comment.datum", "@pop"],
      [/./, "comment.datum", "@pop"],
    ],
    datumList: [
      [/[([]/, "comment.datum", "@push"],
      [/[)\]]/, "comment.datum", "@pop"],
      [/"(?:[^"\\]|\\.)*"/, "comment.datum"],
      [/[^()[\]"]+/, "comment.datum"],
      [/./, "comment.datum"],
    ],
    blockComment: [
      [/#\|/, "comment", "@push"],
      [/\|#/, "comment", "@pop"],
      [/[^|#]+/, "comment"],
      [/./, "comment"],
    ],
    string: [
      [/[^\\"]+/, "string"],
      [/\\(?:x[0-9a-fA-F]+;|[abtnr"\\|]|\s*$)/, "string.escape"],
      [/\\./, "string.escape.invalid"],
      [/"/, "string", "@pop"],
    ],
  },
};

/** The language configuration (comments, brackets, auto-closing, word pattern). */
export const schemeLanguageConfiguration = {
  comments: { lineComment: ";", blockComment: ["#|", "|#"] as [string, string] },
  brackets: [
    ["(", ")"],
    ["[", "]"],
  ] as [string, string][],
  autoClosingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
    { open: "#|", close: "|#", notIn: ["string"] },
  ],
  surroundingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"' },
  ],
  colorizedBracketPairs: [
    ["(", ")"],
    ["[", "]"],
  ] as [string, string][],
  wordPattern: /[^\s()[\]";'`,]+/,
};

// ---------------------------------------------------------------------------------------------
// Indentation.

interface OpenBracket {
  /** Offset of the bracket in the text. */
  offset: number;
}

/** Scans `text` (skipping strings, comments, characters) and returns the unclosed brackets. */
export function openBrackets(text: string): OpenBracket[] {
  const stack: OpenBracket[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ";") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "#" && text[i + 1] === "|") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "#" && text[i + 1] === "|") {
          depth++;
          i += 2;
        } else if (text[i] === "|" && text[i + 1] === "#") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "#" && text[i + 1] === "\\") {
      i += 3; // #\( and #\) are characters, not brackets
      while (i < n && /[^\s()[\]";]/.test(text[i])) i++;
    } else if (c === "|") {
      i++;
      while (i < n && text[i] !== "|") i++;
      i++;
    } else if (c === "(" || c === "[") {
      stack.push({ offset: i });
      i++;
    } else if (c === ")" || c === "]") {
      stack.pop();
      i++;
    } else {
      i++;
    }
  }
  return stack;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/**
 * The indentation (in columns) of a new line that follows `textBefore` (the document up to the
 * cursor), Lisp style: top level → 0; inside a body form (define, lambda, let, when, …) → the
 * open bracket's column + 2; inside a call with an argument on the bracket's line → that
 * argument's column; otherwise → the column after the bracket (data lists, let bindings).
 */
export function computeIndent(textBefore: string): number {
  const open = openBrackets(textBefore);
  if (open.length === 0) return 0;
  const { offset } = open[open.length - 1];
  const col = columnOf(textBefore, offset);
  const rest = textBefore.slice(offset + 1);
  const lineEnd = rest.indexOf("\n");
  const firstLine = lineEnd < 0 ? rest : rest.slice(0, lineEnd);
  const quoted = offset > 0 && /['`]/.test(textBefore[offset - 1]);
  const head = /^([^\s()[\]";'`,]+)/.exec(firstLine);
  if (!head || quoted) {
    // `((a 1) (b 2)` / `'(1 2` / `(` — align with the first element.
    return col + 1;
  }
  const name = head[1];
  if (BODY_FORMS.has(name) || /^(def|with-|let)/.test(name)) return col + 2;
  if (/^[+-]?\.?\d|^#/.test(name)) return col + 1; // a list of numbers / constants
  const afterHead = firstLine.slice(name.length);
  const arg = /^(\s+)(?=[^\s;])/.exec(afterHead);
  if (arg) return col + 1 + name.length + arg[1].length;
  return col + 1;
}

// ---------------------------------------------------------------------------------------------
// Names for completion.

/** Names defined at any level in `source`: (define (f …)), (define x …), (define-syntax m …),
 *  (define-values (a b) …), and define-record-type's type, constructor, predicate, accessors. */
export function extractDefinedNames(source: string): string[] {
  const text = stripCommentsAndStrings(source);
  const names = new Set<string>();
  const sym = "([^\\s()[\\]\";'`,]+)";
  for (const m of text.matchAll(new RegExp(`[([]define(?:-syntax)?\\s+[([]?\\s*${sym}`, "g"))) {
    names.add(m[1]);
  }
  for (const m of text.matchAll(/[([]define-values\s+[([]([^)\]]*)[)\]]/g)) {
    for (const n of m[1].split(/\s+/)) if (n && n !== ".") names.add(n);
  }
  for (const m of text.matchAll(/[([]define-record-type\s+/g)) {
    const start = (m.index ?? 0) + m[0].length;
    const form = readForm(text, (m.index ?? 0) + 0);
    const body = text.slice(start, form);
    // type  (ctor field …)  pred  (field accessor [modifier]) …
    const tokens = body.match(/[()[\]]|[^\s()[\]]+/g) ?? [];
    let depth = 0;
    let element = -1; // which element of the form we are in
    let position = 0; // position inside a depth-1 list
    for (const t of tokens) {
      if (t === "(" || t === "[") {
        if (depth === 0) element++;
        depth++;
        position = 0;
      } else if (t === ")" || t === "]") {
        depth--;
        if (depth < 0) break;
      } else if (depth === 0) {
        element++;
        if (element <= 2 && t !== "#f") names.add(t); // type, constructor (bare), predicate
      } else if (depth === 1) {
        if ((element === 1 && position === 0) || (element >= 3 && position >= 1)) names.add(t);
        position++;
      }
    }
  }
  return [...names];
}

/** The names a library exports: the symbols of its (export …) clauses ((rename a b) → b). */
export function extractExports(source: string): string[] {
  const text = stripCommentsAndStrings(source);
  const names: string[] = [];
  for (const m of text.matchAll(/\(export\s/g)) {
    const end = readForm(text, m.index ?? 0);
    const body = text.slice((m.index ?? 0) + "(export".length, end - 1);
    const renamed = body.replace(/\(rename\s+[^\s()]+\s+([^\s()]+)\s*\)/g, " $1 ");
    for (const n of renamed.split(/[\s()]+/)) if (n) names.push(n);
  }
  return names;
}

/** The library name of a .sld text, like "(nano model)", or null. */
export function extractLibraryName(source: string): string | null {
  const m = /\(define-library\s+(\([^)]*\))/.exec(stripCommentsAndStrings(source));
  return m ? m[1].replace(/\s+/g, " ") : null;
}

/** Replaces comments and string contents by spaces (offsets and lines stay the same). */
export function stripCommentsAndStrings(source: string): string {
  let out = "";
  let i = 0;
  const n = source.length;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  while (i < n) {
    const c = source[i];
    if (c === ";" || (c === "#" && source[i + 1] === "|")) {
      let j = i;
      if (c === ";") {
        while (j < n && source[j] !== "\n") j++;
      } else {
        let depth = 1;
        j += 2;
        while (j < n && depth > 0) {
          if (source[j] === "#" && source[j + 1] === "|") {
            depth++;
            j += 2;
          } else if (source[j] === "|" && source[j + 1] === "#") {
            depth--;
            j += 2;
          } else j++;
        }
      }
      out += blank(source.slice(i, j));
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      out += '"' + blank(source.slice(i + 1, Math.min(j, n))) + (j < n ? '"' : "");
      i = j + 1;
    } else if (c === "#" && source[i + 1] === "\\") {
      out += source.slice(i, i + 3).replace(/[()[\]]/g, "x");
      i += 3;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The offset just after the form that starts with the bracket at `start`. */
function readForm(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** Completion candidates for `source`: its own definitions, the libraries' exports, R7RS. */
export function completionNames(
  source: string,
  libraries: Map<string, string[]>,
): { label: string; kind: "defined" | "library" | "keyword" | "builtin"; detail: string }[] {
  const seen = new Set<string>();
  const out: ReturnType<typeof completionNames> = [];
  const add = (label: string, kind: (typeof out)[number]["kind"], detail: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    out.push({ label, kind, detail });
  };
  for (const n of extractDefinedNames(source)) add(n, "defined", "defined in this file");
  for (const [lib, names] of libraries) for (const n of names) add(n, "library", lib);
  for (const n of SCHEME_KEYWORDS) add(n, "keyword", "syntax");
  for (const n of R7RS_NAMES) add(n, "builtin", "R7RS");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Monaco registration.

let registered = false;
let librarySources: Map<string, string> = new Map();

/** Tells the completion provider which library sources exist (path → text); their exports are
 *  offered (and refreshed when the texts change). */
export function setLibrarySources(sources: Map<string, string>): void {
  librarySources = sources;
}

function libraryExports(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, text] of librarySources) {
    if (!path.endsWith(".sld")) continue;
    out.set(extractLibraryName(text) ?? path, extractExports(text));
  }
  return out;
}

/** Registers the Scheme language with Monaco (once). */
export function registerSchemeLanguage(monaco: typeof Monaco): void {
  if (registered) return;
  registered = true;
  const { languages } = monaco;
  languages.register({
    id: SCHEME_LANGUAGE_ID,
    extensions: [".scm", ".sld", ".ss", ".sls"],
    aliases: ["Scheme", "scheme"],
  });
  languages.setMonarchTokensProvider(
    SCHEME_LANGUAGE_ID,
    schemeMonarch as unknown as Monaco.languages.IMonarchLanguage,
  );
  languages.setLanguageConfiguration(SCHEME_LANGUAGE_ID, {
    ...schemeLanguageConfiguration,
    // Lisp indentation is done by the editor's Enter command (computeIndent); keep Monaco's own
    // bracket-based indentation out of the way.
    indentationRules: {
      increaseIndentPattern: /^\b$/,
      decreaseIndentPattern: /^\b$/,
    },
  });
  const kinds = languages.CompletionItemKind;
  languages.registerCompletionItemProvider(SCHEME_LANGUAGE_ID, {
    triggerCharacters: ["(", "-", "!", "?", ">"],
    provideCompletionItems(model, position) {
      const word = model.getWordUntilPosition(position);
      const range = {
        startLineNumber: position.lineNumber,
        endLineNumber: position.lineNumber,
        startColumn: word.startColumn,
        endColumn: word.endColumn,
      };
      const suggestions = completionNames(model.getValue(), libraryExports()).map((c, i) => ({
        label: c.label,
        kind:
          c.kind === "defined"
            ? kinds.Function
            : c.kind === "library"
              ? kinds.Module
              : c.kind === "keyword"
                ? kinds.Keyword
                : kinds.Function,
        detail: c.detail,
        insertText: c.label,
        range,
        sortText: `${c.kind === "defined" ? 0 : c.kind === "library" ? 1 : 2}${String(i).padStart(5, "0")}`,
      }));
      return { suggestions };
    },
  });
}

/**
 * The editor themes "nanolm-dark" and "nanolm-light": vs / vs-dark with colours for the Scheme
 * tokens the built-in themes leave plain. `background` sets each theme's editor background (the
 * course's cells sit on the page's own panel colour).
 */
export function defineSchemeThemes(
  monaco: typeof Monaco,
  background: { dark?: string; light?: string } = {},
): void {
  const colors = (c: string | undefined): Record<string, string> =>
    c ? { "editor.background": c } : {};
  monaco.editor.defineTheme("nanolm-dark", {
    base: "vs-dark",
    inherit: true,
    rules: [
      { token: "keyword", foreground: "C586C0" },
      { token: "predefined", foreground: "DCDCAA" },
      { token: "constant.boolean", foreground: "569CD6" },
      { token: "string.char", foreground: "D7BA7D" },
      { token: "operator.quote", foreground: "4FC1FF", fontStyle: "bold" },
      { token: "comment.datum", foreground: "6A9955", fontStyle: "italic" },
    ],
    colors: colors(background.dark),
  });
  monaco.editor.defineTheme("nanolm-light", {
    base: "vs",
    inherit: true,
    rules: [
      { token: "keyword", foreground: "AF00DB" },
      { token: "predefined", foreground: "795E26" },
      { token: "constant.boolean", foreground: "0000FF" },
      { token: "string.char", foreground: "B5651D" },
      { token: "operator.quote", foreground: "0070C1", fontStyle: "bold" },
      { token: "comment.datum", foreground: "008000", fontStyle: "italic" },
    ],
    colors: colors(background.light),
  });
}
