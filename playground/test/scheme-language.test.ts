// The pure parts of the playground's Scheme mode, in Node (no Monaco, no browser): the Monarch
// tokenizer's rules (run by a small Monarch-subset interpreter below), Lisp indentation, and the
// names offered for completion.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BOOLEAN_RE,
  CHAR_RE,
  NUMBER_RE,
  completionNames,
  computeIndent,
  extractDefinedNames,
  extractExports,
  extractLibraryName,
  openBrackets,
  schemeMonarch,
  stripCommentsAndStrings,
} from "../src/scheme-language.ts";

type Rule = [RegExp, unknown, string?];

/** Runs the Monarch definition over `lines` (the subset of Monarch it uses) → [text, token][]. */
function tokenize(source: string): [string, string][] {
  const def = schemeMonarch as unknown as {
    tokenizer: Record<string, Rule[]>;
    keywords: string[];
    builtins: string[];
  };
  const out: [string, string][] = [];
  const stack = ["root"];
  for (const line of source.split("\n")) {
    let pos = 0;
    while (pos < line.length) {
      const rules = def.tokenizer[stack[stack.length - 1]];
      let matched = false;
      for (const [re, action, next] of rules) {
        const sticky = new RegExp(re.source, "y");
        sticky.lastIndex = pos;
        const m = sticky.exec(line);
        if (!m || m[0].length === 0) continue;
        let token: string;
        let switchTo: string | undefined;
        if (typeof action === "string") token = action;
        else if ((action as { switchTo?: string }).switchTo) {
          token = (action as { token: string }).token;
          switchTo = (action as { switchTo: string }).switchTo;
        } else {
          const cases = (action as { cases: Record<string, string> }).cases;
          token = def.keywords.includes(m[0])
            ? cases["@keywords"]
            : def.builtins.includes(m[0])
              ? cases["@builtins"]
              : cases["@default"];
        }
        if (token === "@brackets") token = "delimiter";
        if (switchTo) stack[stack.length - 1] = switchTo.slice(1);
        else if (next === "@pop") stack.pop();
        else if (next === "@push") stack.push(stack[stack.length - 1]);
        else if (next) stack.push(next.slice(1));
        if (token !== "white") out.push([m[0], token]);
        pos += m[0].length;
        matched = true;
        break;
      }
      if (!matched) throw new Error(`no rule at ${line.slice(pos)}`);
    }
  }
  return out;
}

const tokenOf = (source: string, text: string) =>
  tokenize(source).find(([t]) => t === text)?.[1] ?? null;
const whole = (re: RegExp, s: string) => {
  const m = new RegExp(`^(?:${re.source})`).exec(s);
  return m !== null && m[0] === s;
};

describe("Scheme tokenizer rules", () => {
  it("recognizes numbers in all their forms", () => {
    for (const n of ["0", "42", "-7", "+3", "1/2", "-3/4", "1.5", ".5", "1.5e3", "2E-4"])
      expect(whole(NUMBER_RE, n), n).toBe(true);
    for (const n of ["#x1F", "#xff/2", "#b101", "#o17", "#e1.5", "#i1/3", "#d10", "+inf.0"])
      expect(whole(NUMBER_RE, n), n).toBe(true);
    expect(whole(NUMBER_RE, "-nan.0")).toBe(true);
    for (const s of ["-", "...", "1+", "a1", "->x"]) expect(tokenOf(s, s), s).not.toBe("number");
    expect(tokenOf("(+ 1 2)", "+")).toBe("predefined");
    expect(tokenOf("(list 1.5e3 x)", "1.5e3")).toBe("number");
  });

  it("recognizes characters, booleans, strings with escapes", () => {
    for (const c of ["#\\a", "#\\space", "#\\x41", "#\\(", "#\\newline"])
      expect(whole(CHAR_RE, c), c).toBe(true);
    for (const b of ["#t", "#f", "#true", "#false"]) expect(whole(BOOLEAN_RE, b), b).toBe(true);
    expect(tokenize("(char=? c #\\))")).toContainEqual(["#\\)", "string.char"]);
    expect(tokenize('(display "a \\"q\\" \\n")')).toEqual([
      ["(", "delimiter"],
      ["display", "predefined"],
      ['"', "string"],
      ["a ", "string"],
      ['\\"', "string.escape"],
      ["q", "string"],
      ['\\"', "string.escape"],
      [" ", "string"],
      ["\\n", "string.escape"],
      ['"', "string"],
      [")", "delimiter"],
    ]);
    // A string spanning lines stays a string.
    expect(tokenize('"one\ntwo" x').map(([, t]) => t)).toEqual([
      "string",
      "string",
      "string",
      "string",
      "identifier",
    ]);
  });

  it("recognizes comments: line, nested block, datum", () => {
    expect(tokenOf("x ; a (comment)", "; a (comment)")).toBe("comment");
    const toks = tokenize("#| outer #| inner |# still |# (define y 1)");
    expect(toks.filter(([, t]) => t === "comment").length).toBeGreaterThan(3);
    expect(toks).toContainEqual(["define", "keyword"]);
    expect(toks).not.toContainEqual(["still", "identifier"]);
    const datum = tokenize("#;(hidden (x) [y]) 1 #; atom 2");
    expect(datum[0]).toEqual(["#;", "comment.datum"]);
    expect(datum.filter(([, t]) => t !== "comment.datum")).toEqual([
      ["1", "number"],
      ["2", "number"],
    ]);
  });

  it("marks keywords, builtins, quotes and brackets", () => {
    const toks = tokenize("(define-record-type point (make-point x) point? [x point-x])");
    expect(toks[1]).toEqual(["define-record-type", "keyword"]);
    expect(toks).toContainEqual(["[", "delimiter"]);
    for (const k of ["lambda", "let*", "letrec", "syntax-rules", "guard", "parameterize"])
      expect(tokenOf(`(${k} x)`, k), k).toBe("keyword");
    expect(tokenOf("'(a b)", "'")).toBe("operator.quote");
    expect(tokenOf("`(a ,@b)", ",@")).toBe("operator.quote");
    expect(tokenOf("(vector-map f v)", "vector-map")).toBe("predefined");
    expect(tokenOf("(my-fn v)", "my-fn")).toBe("identifier");
  });
});

describe("Lisp indentation", () => {
  it("indents body forms by 2 and aligns call arguments", () => {
    expect(computeIndent("(define (f x)")).toBe(2);
    expect(computeIndent("  (let loop ((i 0))")).toBe(4);
    expect(computeIndent("(lambda (x)")).toBe(2);
    expect(computeIndent("(foo bar")).toBe(5);
    expect(computeIndent("(if (< a b)")).toBe(4);
    expect(computeIndent("(display")).toBe(1);
    expect(computeIndent("(let ((a 1)")).toBe(6);
    expect(computeIndent("'(1 2")).toBe(2);
    expect(computeIndent("(define x 1)")).toBe(0);
    expect(computeIndent("(define (f)\n  (g 1\n")).toBe(5);
    expect(computeIndent('(f "(" #\\( ; (\n')).toBe(3);
    expect(computeIndent("(cond ((null? x) 0)")).toBe(6);
    expect(computeIndent("(define-library (nano x)")).toBe(2);
  });

  it("finds unclosed brackets, skipping strings, comments and characters", () => {
    expect(openBrackets('(a "(" #| ( |# #\\( [b')).toHaveLength(2);
    expect(openBrackets("(a (b) c)")).toHaveLength(0);
  });
});

describe("names for completion", () => {
  it("extracts definitions from source text", () => {
    const src = [
      "(define (square x) (* x x))",
      "(define pi 3.14)",
      "  (define (inner . args) args)",
      "(define-syntax swap! (syntax-rules () ((_ a b) 1)))",
      "(define-values (q r) (floor/ 7 2))",
      "(define-record-type point (make-point x y) point? (x point-x set-point-x!) (y point-y))",
      "; (define (commented) 1)",
      '(display "(define (in-string) 1)")',
    ].join("\n");
    const names = extractDefinedNames(src);
    for (const n of ["square", "pi", "inner", "swap!", "q", "r", "point", "make-point"])
      expect(names, n).toContain(n);
    for (const n of ["point?", "point-x", "set-point-x!", "point-y"]) expect(names, n).toContain(n);
    expect(names).not.toContain("commented");
    expect(names).not.toContain("in-string");
    expect(names).not.toContain("x");
  });

  it("reads the exports of the (nano …) libraries", () => {
    const text = readFileSync(new URL("../../scheme-lib/nano/model.sld", import.meta.url), "utf8");
    expect(extractLibraryName(text)).toBe("(nano model)");
    const exports = extractExports(text);
    expect(exports).toContain("make-session");
    expect(exports).toContain("forward!");
    expect(exports).toContain("set-observer!");
    expect(extractExports("(define-library (x) (export a (rename b c)))")).toEqual(["a", "c"]);
  });

  it("offers own names first, then library exports, then R7RS", () => {
    const names = completionNames("(define (my-helper) 1)", new Map([["(nano x)", ["nano-fn"]]]));
    expect(names[0]).toEqual({
      label: "my-helper",
      kind: "defined",
      detail: "defined in this file",
    });
    expect(names.find((n) => n.label === "nano-fn")?.kind).toBe("library");
    expect(names.find((n) => n.label === "vector-map")?.kind).toBe("builtin");
    expect(names.find((n) => n.label === "lambda")?.kind).toBe("keyword");
  });

  it("keeps offsets when blanking comments and strings", () => {
    const src = '(a "x y") ; c\n#| z |# b';
    const out = stripCommentsAndStrings(src);
    expect(out.length).toBe(src.length);
    expect(out.split("\n").length).toBe(2);
    expect(out).not.toMatch(/[xyzc]/);
  });
});
