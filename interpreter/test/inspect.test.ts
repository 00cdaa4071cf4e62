// inspect.ts: the read-only views of each stage that the course's interpreter inspector shows.
import { describe, expect, it } from "vitest";
import { compiledProcedure, coreToText, expandForms, readTree } from "../src/inspect.ts";
import { newScheme } from "./helpers.ts";

const range = (loc: { line: number; col: number; endLine: number; endCol: number } | null) =>
  loc && `${loc.line}:${loc.col}-${loc.endLine}:${loc.endCol}`;

describe("readTree", () => {
  it("gives every datum of a form its source range", () => {
    const [form] = readTree("(define (square x)\n  (* x x))");
    expect(form.kind).toBe("list");
    expect(range(form.loc)).toBe("1:1-2:11");
    expect(form.children.map((c) => [c.kind, c.text, range(c.loc)])).toEqual([
      ["symbol", "define", "1:2-1:8"],
      ["list", "(square x)", "1:9-1:19"],
      ["list", "(* x x)", "2:3-2:10"],
    ]);
    expect(form.children[2].children.map((c) => range(c.loc))).toEqual([
      "2:4-2:5",
      "2:6-2:7",
      "2:8-2:9",
    ]);
  });

  it("shows dotted tails and vectors", () => {
    const [pair, vector] = readTree('(a . 1) #(1 "s")');
    expect(pair.kind).toBe("dotted-list");
    expect(pair.children.map((c) => c.kind)).toEqual(["symbol", "number"]);
    expect(vector.kind).toBe("vector");
    expect(vector.children.map((c) => c.kind)).toEqual(["number", "string"]);
  });
});

describe("expandForms", () => {
  it("makes hygiene visible: the macro's tmp and the user's tmp get different names", () => {
    const { scheme } = newScheme();
    const forms = expandForms(
      scheme,
      `(define-syntax swap!
         (syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp)))))
       (let ((tmp 1) (other 2)) (swap! tmp other) (list tmp other))`,
    );
    expect(forms[0].core).toMatch(/^;; swap!: a macro/);
    expect(forms[1].core).toBe(
      "(let ((tmp.1 1) (other 2))\n" +
        "  (begin\n" +
        "    (let ((tmp.2 tmp.1)) (begin (set! tmp.1 other) (set! other tmp.2)))\n" +
        "    (list tmp.1 other)))",
    );
  });

  it("prints derived forms as the core they become", () => {
    const { scheme } = newScheme();
    const [form] = expandForms(
      scheme,
      "(define (f n) (let loop ((i 0)) (if (< i n) (loop (+ i 1)) i)))",
    );
    expect(coreToText(form.tree, 200)).toBe(
      "(define f (lambda (n) ((letrec* ((loop (lambda (i) (if (< i n) (loop (+ i 1)) i)))) loop) 0)))",
    );
  });
});

describe("compiledProcedure", () => {
  it("describes the last procedure definition: frame, closure analysis, JavaScript", () => {
    const { scheme } = newScheme();
    const c = compiledProcedure(
      scheme,
      "(define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))\n(make-counter)",
    );
    expect(c.name).toBe("make-counter");
    expect(c.lambdas).toEqual([
      { name: "make-counter", params: [], free: [], boxed: ["n"] },
      { name: "<anonymous>", params: [], free: ["n"], boxed: [] },
    ]);
    expect(c.frameSize).toBeGreaterThan(0);
    expect(c.javascript).toMatch(/^function make_counter_\d+\(x, pc\)/);
  });

  it("describes (lambda () expression) when nothing is defined, and stops runaway code", () => {
    const { scheme } = newScheme();
    expect(compiledProcedure(scheme, "(+ 1 2)").lambdas).toEqual([
      { name: "<anonymous>", params: [], free: [], boxed: [] },
    ]);
    expect(() => compiledProcedure(newScheme().scheme, "(let loop () (loop))")).toThrow(
      /ran for more than/,
    );
  });
});
