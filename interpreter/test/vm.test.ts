import { beforeAll, describe, expect, it } from "vitest";
import { SchemeExit, VM } from "../src/vm/index.ts";
import { SchemeError } from "../src/errors.ts";
import { ErrorObject, MultipleValues, Pair, listToArray, Sym } from "../src/values.ts";
import { buildProgram, makeGlobals, type Form } from "./core-builder.ts";

/** Every test runs twice: normal and debug compilation (step points armed but not stepping). */
let DEBUG = false;

/** Run forms in a fresh VM and global environment (with an output log primitive `out`). */
function run(forms: Form[]): { value: unknown; out: unknown[] } {
  const out: unknown[] = [];
  const globals = makeGlobals((b) => {
    b.define("out", 1, 1, (x: unknown) => {
      out.push(x);
      return x;
    });
  });
  const vm = new VM();
  const value = vm.runToCompletion(vm.compile(buildProgram(forms, globals), { debug: DEBUG }));
  return { value, out };
}
const value = (forms: Form[]) => run(forms).value;

function errorOf(forms: Form[]): ErrorObject {
  try {
    run(forms);
  } catch (e) {
    if (e instanceof SchemeError && e.payload instanceof ErrorObject) return e.payload;
    throw e;
  }
  throw new Error("no error");
}

const fib: Form = [
  "define",
  ["fib", "n"],
  ["if", ["<", "n", 2], "n", ["+", ["fib", ["-", "n", 1]], ["fib", ["-", "n", 2]]]],
];

for (const debug of [false, true]) {
  describe(debug ? "debug compilation" : "normal compilation", () => {
    beforeAll(() => {
      DEBUG = debug;
    });
    describe("basic evaluation", () => {
      it("computes fib with global recursion", () => {
        expect(value([fib, ["fib", 20]])).toBe(6765);
      });
      it("handles let, letrec, set!, closures", () => {
        expect(
          value([
            [
              "define",
              ["make-counter"],
              ["let", [["n", 0]], ["lambda", [], ["set!", "n", ["+", "n", 1]], "n"]],
            ],
            ["define", "c", ["make-counter"]],
            ["c"],
            ["c"],
            ["c"],
          ]),
        ).toBe(3);
        expect(
          value([
            [
              "letrec",
              [
                ["even?", ["lambda", ["n"], ["if", ["=", "n", 0], true, ["odd?", ["-", "n", 1]]]]],
                ["odd?", ["lambda", ["n"], ["if", ["=", "n", 0], false, ["even?", ["-", "n", 1]]]]],
              ],
              ["even?", 1001],
            ],
          ]),
        ).toBe(false);
      });
      it("supports rest parameters, case-lambda and apply", () => {
        const v = value([
          ["define", ["f", "a", ".", "r"], ["cons", "a", "r"]],
          ["f", 1, 2, 3],
        ]);
        expect(listToArray(v)).toEqual([1, 2, 3]);
        expect(
          value([
            [
              "define",
              "g",
              [
                "case-lambda",
                [["a"], "a"],
                [
                  ["a", "b"],
                  ["*", "a", "b"],
                ],
                ["all", "all"],
              ],
            ],
            ["list", ["g", 5], ["g", 2, 3], ["length", ["g", 1, 2, 3]]],
          ]),
        ).toEqual(new Pair(5, new Pair(6, new Pair(3, null))));
        expect(value([["apply", "+", 1, 2, ["list", 3, 4]]])).toBe(10);
        expect(value([["apply", ["lambda", ["a", "b"], ["-", "a", "b"]], ["list", 10, 3]]])).toBe(
          7,
        );
      });
      it("applies primitives and closures to very long argument lists", () => {
        const big = ["quote", Array.from({ length: 100000 }, (_, i) => i)];
        const toList = (a: number[]): unknown =>
          a.reduceRight<unknown>((l, x) => new Pair(x, l), null);
        const lst = ["quote", toList(big[1] as number[])];
        expect(value([["apply", "+", lst]])).toBe(4999950000);
        expect(value([["length", ["apply", "list", lst]]])).toBe(100000);
        expect(value([["apply", ["lambda", "xs", ["length", "xs"]], lst]])).toBe(100000);
      });
      it("evaluates arguments left to right", () => {
        const { out } = run([["list", ["out", 1], ["out", 2], ["+", ["out", 3], ["out", 4]]]]);
        expect(out).toEqual([1, 2, 3, 4]);
      });
      it("returns the defined name from define", () => {
        expect(value([["define", "x", 5]])).toBe(Sym.intern("x"));
      });
      it("supports values and call-with-values", () => {
        expect(value([["call-with-values", ["lambda", [], ["values", 1, 2, 3]], "list"]])).toEqual(
          new Pair(1, new Pair(2, new Pair(3, null))),
        );
        expect(value([["values", 1, 2]])).toBeInstanceOf(MultipleValues);
      });
    });

    describe("tail calls and deep recursion", () => {
      it("runs a 10^7 iteration named-let loop in constant space", () => {
        expect(
          value([
            ["let", "loop", [["i", 0]], ["if", ["<", "i", 10000000], ["loop", ["+", "i", 1]], "i"]],
          ]),
        ).toBe(10000000);
      });
      it("runs mutual tail recursion 10^6 deep", () => {
        expect(
          value([
            [
              "define",
              ["ping", "n"],
              ["if", ["=", "n", 0], ["quote", "done"], ["pong", ["-", "n", 1]]],
            ],
            ["define", ["pong", "n"], ["ping", "n"]],
            ["ping", 1000000],
          ]),
        ).toBe("done");
      });
      it("supports 10^6-deep non-tail recursion", () => {
        expect(
          value([
            ["define", ["deep", "n"], ["if", ["=", "n", 0], 0, ["+", 1, ["deep", ["-", "n", 1]]]]],
            ["deep", 1000000],
          ]),
        ).toBe(1000000);
      });
    });

    describe("continuations", () => {
      it("escapes with call/cc", () => {
        expect(value([["call/cc", ["lambda", ["k"], ["+", 1, ["k", 42]]]]])).toBe(42);
      });
      it("re-enters a continuation several times", () => {
        const { out } = run([
          ["define", "k", false],
          ["define", "n", 0],
          ["out", ["+", 100, ["call/cc", ["lambda", ["c"], ["set!", "k", "c"], 0]]]],
          ["set!", "n", ["+", "n", 1]],
          ["if", ["<", "n", 3], ["k", "n"]],
        ]);
        expect(out).toEqual([100, 101, 102]);
      });
      it("re-enters a continuation captured 10^5 frames deep (across stack segments)", () => {
        const { out } = run([
          ["define", "k", false],
          ["define", "count", 0],
          [
            "define",
            ["deep", "n"],
            [
              "if",
              ["=", "n", 0],
              ["call/cc", ["lambda", ["c"], ["set!", "k", "c"], 0]],
              ["+", 1, ["deep", ["-", "n", 1]]],
            ],
          ],
          ["out", ["deep", 100000]],
          ["set!", "count", ["+", "count", 1]],
          ["if", ["<", "count", 3], ["k", "count"]],
        ]);
        expect(out).toEqual([100000, 100001, 100002]);
      });
      it("implements generators", () => {
        // A generator over a list: each call returns the next element, then 'done.
        const { out } = run([
          [
            "define",
            ["make-gen", "lst"],
            ["define", "return", false],
            [
              "define",
              ["start"],
              [
                "for-each*",
                [
                  "lambda",
                  ["x"],
                  [
                    "call/cc",
                    [
                      "lambda",
                      ["next"],
                      ["set!", "resume", ["lambda", [], ["next", false]]],
                      ["return", "x"],
                    ],
                  ],
                ],
                "lst",
              ],
              ["return", ["quote", "done"]],
            ],
            ["define", "resume", "start"],
            ["lambda", [], ["call/cc", ["lambda", ["r"], ["set!", "return", "r"], ["resume"]]]],
          ],
          [
            "define",
            ["for-each*", "f", "l"],
            [
              "if",
              ["pair?", "l"],
              ["begin", ["f", ["car", "l"]], ["for-each*", "f", ["cdr", "l"]]],
            ],
          ],
          ["define", "g", ["make-gen", ["list", 1, 2, 3]]],
          ["out", ["g"]],
          ["out", ["g"]],
          ["out", ["g"]],
          ["out", ["g"]],
        ]);
        expect(out).toEqual([1, 2, 3, "done"]);
      });
      it("runs yin-yang (bounded)", () => {
        const { out } = run([
          ["define", "count", 0],
          [
            "call/cc",
            [
              "lambda",
              ["exit"],
              [
                "let*",
                [
                  [
                    "yin",
                    [
                      [
                        "lambda",
                        ["c"],
                        ["out", 1],
                        ["set!", "count", ["+", "count", 1]],
                        ["if", [">", "count", 30], ["exit", 0]],
                        "c",
                      ],
                      ["call/cc", ["lambda", ["c"], "c"]],
                    ],
                  ],
                  [
                    "yang",
                    [
                      [
                        "lambda",
                        ["c"],
                        ["out", 0],
                        ["set!", "count", ["+", "count", 1]],
                        ["if", [">", "count", 30], ["exit", 0]],
                        "c",
                      ],
                      ["call/cc", ["lambda", ["c"], "c"]],
                    ],
                  ],
                ],
                ["yin", "yang"],
              ],
            ],
          ],
        ]);
        expect(out.join("")).toBe("1010010001000010000010000001000");
      });
      it("runs dynamic-wind before/after when jumping in and out", () => {
        const { out } = run([
          ["define", "k", false],
          ["define", "n", 0],
          [
            "dynamic-wind",
            ["lambda", [], ["out", ["quote", "before"]]],
            [
              "lambda",
              [],
              ["call/cc", ["lambda", ["c"], ["set!", "k", "c"]]],
              ["out", ["quote", "during"]],
            ],
            ["lambda", [], ["out", ["quote", "after"]]],
          ],
          ["set!", "n", ["+", "n", 1]],
          ["if", ["<", "n", 2], ["k", false]],
          [
            "call/cc",
            [
              "lambda",
              ["esc"],
              [
                "dynamic-wind",
                ["lambda", [], ["out", ["quote", "in"]]],
                ["lambda", [], ["esc", 1], ["out", ["quote", "unreachable"]]],
                ["lambda", [], ["out", ["quote", "out"]]],
              ],
            ],
          ],
        ]);
        expect(out).toEqual([
          "before",
          "during",
          "after",
          "before",
          "during",
          "after",
          "in",
          "out",
        ]);
      });
    });

    describe("exceptions", () => {
      it("lets a handler return for raise-continuable", () => {
        expect(
          value([
            [
              "with-exception-handler",
              ["lambda", ["e"], ["*", "e", 2]],
              ["lambda", [], ["+", 1, ["raise-continuable", 20]]],
            ],
          ]),
        ).toBe(41);
      });
      it("errors when a handler returns from raise", () => {
        const e = errorOf([
          [
            "with-exception-handler",
            ["lambda", ["e"], 0],
            ["lambda", [], ["raise", ["quote", "boom"]]],
          ],
        ]);
        expect(e.message).toMatch(/handler returned/);
      });
      it("escapes from handlers with call/cc (guard-style), nested", () => {
        const guard = (body: Form, handler: Form): Form => [
          "call/cc",
          [
            "lambda",
            ["k"],
            [
              "with-exception-handler",
              ["lambda", ["e"], ["k", [handler, "e"]]],
              ["lambda", [], body],
            ],
          ],
        ];
        expect(String(value([guard(["car", 5], "error-object-message")]))).toBe(
          "car: expected a pair, got 5",
        );
        expect(
          value([
            guard(
              ["+", 1, guard(["raise", 1], ["lambda", ["e"], ["raise", ["+", "e", 10]]])],
              ["lambda", ["e"], ["list", ["quote", "outer"], "e"]],
            ),
          ]),
        ).toEqual(new Pair("outer", new Pair(11, null)));
      });
      it("reports uncaught errors with message and trace", () => {
        const e = errorOf([
          ["define", ["f", "x"], ["@", 2, ["car", "x"]]],
          ["define", ["g", "x"], ["@", 3, ["+", 1, ["f", "x"]]]],
          ["@", 4, ["list", ["g", 5]]],
        ]);
        expect(e.message).toBe("car: expected a pair, got 5");
        expect(e.trace!.map((t) => [t.name, t.loc?.line])).toEqual([
          ["f", 2],
          ["g", 3],
          ["<top>", 4],
        ]);
      });
      it("reports error with irritants and raise of non-error objects", () => {
        const e = errorOf([["error", ["quote", "bad thing:"], 1, 2]]);
        expect(e.message).toBe("bad thing:");
        expect(e.irritants).toEqual([1, 2]);
        expect(() => run([["raise", 42]])).toThrow(/uncaught exception: 42/);
      });
      it("caps the trace of an error deep in a recursion", () => {
        const e = errorOf([
          ["define", ["f", "n"], ["if", ["=", "n", 0], ["car", 1], ["+", 1, ["f", ["-", "n", 1]]]]],
          ["f", 10000],
        ]);
        expect(e.message).toBe("car: expected a pair, got 1");
        expect(e.trace!.length).toBe(100);
        expect(e.trace!.every((t) => t.name === "f")).toBe(true);
      });
      it("gives the required messages", () => {
        expect(errorOf([[5, 1]]).message).toBe("attempt to apply non-procedure 5");
        expect(errorOf([fib, ["fib", 1, 2]]).message).toBe("fib: expected 1 argument, got 2");
        expect(errorOf([["foo"]]).message).toBe("unbound variable: foo");
        expect(
          errorOf([
            [
              "letrec",
              [
                ["a", "b"],
                ["b", 1],
              ],
              "a",
            ],
          ]).message,
        ).toBe("b: used before its definition");
        expect(errorOf([["car"]]).message).toBe("car: expected 1 argument, got 0");
      });
      it("wraps host exceptions as error objects", () => {
        const globals = makeGlobals((b) => {
          b.define("boom", 0, 0, () => {
            throw new TypeError("host failure");
          });
        });
        const vm = new VM();
        const code = vm.compile(
          buildProgram(
            [
              [
                "call/cc",
                [
                  "lambda",
                  ["k"],
                  [
                    "with-exception-handler",
                    ["lambda", ["e"], ["k", ["error-object-message", "e"]]],
                    ["lambda", [], ["boom"]],
                  ],
                ],
              ],
            ],
            globals,
          ),
        );
        expect(String(vm.runToCompletion(code))).toBe("host failure");
      });
    });

    describe("parameters and eval", () => {
      it("binds parameters with converters", () => {
        const { out } = run([
          ["define", "p", ["make-parameter", 10, ["lambda", ["x"], ["*", "x", 2]]]],
          ["out", ["p"]],
          ["%with-parameters", ["list", "p"], ["list", 3], ["lambda", [], ["out", ["p"]]]],
          ["out", ["p"]],
        ]);
        expect(out).toEqual([20, 6, 20]);
      });
      it("calls the eval hook", () => {
        const globals = makeGlobals();
        const vm = new VM({
          evalHook: (datum) => buildProgram([datum], globals),
        });
        const code = vm.compile(buildProgram([["eval", ["quote", ["+", 1, 2]], false]], globals));
        expect(vm.runToCompletion(code)).toBe(3);
      });
      it("gives the same result in time slices as in one run", () => {
        const globals = makeGlobals();
        const vm = new VM();
        const code = vm.compile(
          buildProgram(
            [
              [
                "define",
                ["fib", "n"],
                ["if", ["<", "n", 2], "n", ["+", ["fib", ["-", "n", 1]], ["fib", ["-", "n", 2]]]],
              ],
              ["fib", 15],
            ],
            globals,
          ),
          { debug: DEBUG },
        );
        const x = vm.start(code);
        let slices = 0;
        let r = x.run(7);
        while (r.state === "yield") {
          r = x.run(7);
          slices++;
        }
        expect(r).toEqual({ state: "done", value: 610 });
        expect(slices).toBeGreaterThan(100);
      });
      it("throws SchemeExit from runToCompletion on exit", () => {
        expect(() => run([["exit", 2]])).toThrow(SchemeExit);
      });
      it("ends the run with exit after running dynamic-wind afters", () => {
        const out: unknown[] = [];
        const globals = makeGlobals((b) => b.define("out", 1, 1, (x: unknown) => out.push(x)));
        const vm = new VM();
        const x = vm.start(
          vm.compile(
            buildProgram(
              [
                [
                  "dynamic-wind",
                  ["lambda", [], 0],
                  ["lambda", [], ["exit", 3]],
                  ["lambda", [], ["out", 1]],
                ],
              ],
              globals,
            ),
          ),
        );
        expect(x.run()).toEqual({ state: "exit", code: 3 });
        expect(out).toEqual([1]);
      });
    });
  });
}
