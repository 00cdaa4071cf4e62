import { describe, expect, it } from "vitest";
import { VM, type Execution } from "../src/vm/index.ts";
import type { Core } from "../src/core.ts";
import { FILE, buildProgram, makeGlobals, type Form } from "./core-builder.ts";

// 1 (define (sq x) (* x x))
// 2 (define (sum-sq n)
// 3   (let loop ((i 0) (acc 0))
// 4     (if (= i n) acc
// 5         (loop (+ i 1) (+ acc (sq i))))))
// 6 (out (sum-sq 4))
const PROGRAM: Form[] = [
  ["@", 1, ["define", ["sq", "x"], ["@", 1, ["*", "x", "x"]]]],
  [
    "@",
    2,
    [
      "define",
      ["sum-sq", "n"],
      [
        "@",
        3,
        [
          "let",
          "loop",
          [
            ["i", 0],
            ["acc", 0],
          ],
          [
            "@",
            4,
            [
              "if",
              ["=", "i", "n"],
              "acc",
              ["@", 5, ["loop", ["+", "i", 1], ["+", "acc", ["sq", "i"]]]],
            ],
          ],
        ],
      ],
    ],
  ],
  ["@", 6, ["out", ["sum-sq", 4]]],
];

function setup(forms: Form[] = PROGRAM) {
  const out: unknown[] = [];
  const globals = makeGlobals((b) => {
    b.define("out", 1, 1, (x: unknown) => {
      out.push(x);
      return x;
    });
  });
  const vm = new VM();
  const x = vm.start(vm.compile(buildProgram(forms, globals), { debug: true }));
  return { vm, x, out, globals };
}

function vars(x: Execution, frame = 0): Record<string, unknown> {
  return Object.fromEntries(x.frames()[frame].variables.map((v) => [v.name, v.value]));
}

describe("debugger", () => {
  it("stops at a line breakpoint, shows frames and variables, and resumes", () => {
    const { x, out } = setup();
    x.setBreakpoints(FILE, [5]);
    const r = x.run();
    expect(r).toMatchObject({ state: "paused", reason: "breakpoint", loc: { line: 5 } });
    const frames = x.frames();
    expect(frames.map((f) => f.name)).toEqual(["loop", "<top>"]);
    expect(frames[1].loc?.line).toBe(6);
    expect(vars(x)).toMatchObject({ i: 0, acc: 0, n: 4 });
    expect(x.run()).toMatchObject({ state: "paused", reason: "breakpoint" });
    expect(vars(x)).toMatchObject({ i: 1, acc: 0 });
    expect(x.run()).toMatchObject({ state: "paused" });
    expect(vars(x)).toMatchObject({ i: 2, acc: 1 });
    x.setBreakpoints(FILE, []);
    expect(x.run()).toEqual({ state: "done", value: 14 });
    expect(out).toEqual([14]);
  });

  it("steps into a call, out of it, and over it", () => {
    const { x } = setup();
    x.setBreakpoints(FILE, [5]);
    x.run();
    x.setBreakpoints(FILE, []);
    // Step into until inside sq.
    let steps = 0;
    while (x.frames()[0].name !== "sq" && steps++ < 20) {
      x.stepInto();
      expect(x.run().state).toBe("paused");
    }
    expect(x.frames()[0].name).toBe("sq");
    expect(x.frames()[0].loc?.line).toBe(1);
    expect(vars(x)).toEqual({ x: 0 });
    expect(x.frames()[1].name).toBe("loop");
    // Step out: back in loop, next iteration's test on line 4.
    x.stepOut();
    expect(x.run()).toMatchObject({ state: "paused", reason: "step" });
    expect(x.frames()[0].name).toBe("loop");
    expect(vars(x)).toMatchObject({ i: 1 });
    // Step over everything of one iteration: never lands in sq.
    for (let k = 0; k < 8; k++) {
      x.stepOver();
      expect(x.run().state).toBe("paused");
      expect(x.frames()[0].name).toBe("loop");
    }
  });

  it("steps over a deep recursion (across stack segments) without stopping inside", () => {
    const { x, out } = setup([
      [
        "@",
        1,
        ["define", ["down", "n"], ["if", ["=", "n", 0], 0, ["+", 1, ["down", ["-", "n", 1]]]]],
      ],
      ["@", 2, ["define", "r", ["down", 5000]]],
      ["@", 3, ["out", "r"]],
    ]);
    x.setBreakpoints(FILE, [2]);
    expect(x.run()).toMatchObject({ state: "paused", loc: { line: 2 } });
    x.setBreakpoints(FILE, []);
    for (let k = 0; k < 5 && x.frames()[0].loc?.line !== 3; k++) {
      x.stepOver();
      expect(x.run().state).toBe("paused");
      expect(x.frames()[0].name).toBe("<top>");
    }
    expect(x.frames()[0].loc?.line).toBe(3);
    expect(x.run()).toMatchObject({ state: "done" });
    expect(out).toEqual([5000]);
  });

  it("gives the same results stepped as run", () => {
    const { x, out } = setup();
    let r = x.run(0);
    let steps = 0;
    while (r.state !== "done" && steps < 10000) {
      x.stepInto();
      r = x.run();
      steps++;
    }
    expect(r).toEqual({ state: "done", value: 14 });
    expect(out).toEqual([14]);
    expect(steps).toBeGreaterThan(20);
  });

  it("time-slices: yields after a budget and resumes; an infinite loop can be abandoned", () => {
    const { x } = setup([
      ["let", "loop", [["i", 0]], ["if", ["<", "i", 100000], ["loop", ["+", "i", 1]], "i"]],
    ]);
    let r = x.run(1000);
    expect(r.state).toBe("yield");
    let slices = 1;
    while (r.state === "yield") {
      r = x.run(1000);
      slices++;
    }
    expect(r).toEqual({ state: "done", value: 100000 });
    expect(slices).toBeGreaterThan(50);

    const forever = setup([["let", "loop", [], ["loop"]]]).x;
    for (let k = 0; k < 5; k++) expect(forever.run(10000).state).toBe("yield");
    forever.requestPause();
    expect(forever.run(10000)).toMatchObject({ state: "paused", reason: "pause" });
  });

  it("pauses on request at the next step point", () => {
    const { x } = setup([
      ["define", ["f", "i"], ["@", 2, ["if", ["<", "i", 100000], ["f", ["+", "i", 1]], "i"]]],
      ["f", 0],
    ]);
    expect(x.run(100).state).toBe("yield");
    x.requestPause();
    expect(x.run()).toMatchObject({ state: "paused", reason: "pause", loc: { line: 2 } });
    expect(x.run()).toEqual({ state: "done", value: 100000 });
  });

  it("evaluates an expression in a paused frame", () => {
    const { vm, x, globals } = setup();
    x.setBreakpoints(FILE, [5]);
    x.run();
    x.run();
    const fv = x.frameVariables(0);
    const i = fv.find((v) => v.name === "i")!;
    expect(i.value).toBe(1);
    const core: Core = {
      kind: "call",
      fn: { kind: "gref", cell: globals.get("+")! },
      args: [
        { kind: "lref", v: i.v },
        { kind: "const", value: 100 },
      ],
    };
    expect(x.evalInFrame(0, core)).toBe(101);
    expect(vm.evalInFrame(x, 0, { kind: "lref", v: fv.find((v) => v.name === "n")!.v })).toBe(4);
  });

  it("lets an evaluated set! change an assigned variable of the frame", () => {
    const { x, out } = setup([
      [
        "@",
        1,
        ["define", ["f"], ["let", [["c", 0]], ["set!", "c", 1], ["@", 2, ["out", "c"]], "c"]],
      ],
      ["@", 3, ["f"]],
    ]);
    x.setBreakpoints(FILE, [2]);
    expect(x.run()).toMatchObject({ state: "paused", loc: { line: 2 } });
    const c = x.frameVariables(0).find((v) => v.name === "c")!;
    expect(c.value).toBe(1);
    x.evalInFrame(0, { kind: "lset", v: c.v, value: { kind: "const", value: 42 } });
    x.setBreakpoints(FILE, []);
    expect(x.run()).toEqual({ state: "done", value: 42 });
    expect(out).toEqual([42]);
  });

  it("never steps into library code", () => {
    const out: unknown[] = [];
    const globals = makeGlobals((b) => b.define("out", 1, 1, (v: unknown) => out.push(v)));
    const vm = new VM();
    const lib = vm.compile(
      buildProgram(
        [
          [
            "define",
            ["lib-map", "f", "l"],
            [
              "if",
              ["pair?", "l"],
              ["cons", ["f", ["car", "l"]], ["lib-map", "f", ["cdr", "l"]]],
              ["quote", null],
            ],
          ],
        ],
        globals,
      ),
      { debug: true, library: true },
    );
    vm.runToCompletion(lib);
    const x = vm.start(
      vm.compile(
        buildProgram(
          [
            ["@", 1, ["define", ["user-fn", "v"], ["@", 1, ["out", "v"]]]],
            ["@", 2, ["lib-map", "user-fn", ["list", 1, 2]]],
          ],
          globals,
        ),
        { debug: true },
      ),
    );
    x.setBreakpoints(FILE, [2]);
    expect(x.run()).toMatchObject({ state: "paused", loc: { line: 2 } });
    x.setBreakpoints(FILE, []);
    const names: string[] = [];
    for (let k = 0; k < 10; k++) {
      x.stepInto();
      const r = x.run();
      if (r.state !== "paused") break;
      names.push(x.frames()[0].name);
    }
    expect(names).not.toContain("lib-map");
    expect(names).toContain("user-fn");
  });
});
