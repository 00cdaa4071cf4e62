// The debugger through the facade, on real source text: what the playground will drive.
import { describe, expect, it } from "vitest";
import { newScheme } from "./helpers.ts";
import type { DebugStatus } from "../src/debugger.ts";
import { MultipleValues, UNSPECIFIED } from "../src/values.ts";

const PROGRAM = `(define (square x)
  (* x x))
(define (sum-squares n)
  (let loop ((i 1) (acc 0))
    (if (> i n)
        acc
        (loop (+ i 1) (+ acc (square i))))))
(display (sum-squares 3))
(newline)
`;

function session(source = PROGRAM) {
  const { scheme, output } = newScheme();
  return { dbg: scheme.debug(source, "prog.scm"), output };
}

function line(s: DebugStatus): number | undefined {
  return s.state === "paused" ? s.loc?.line : undefined;
}

function vars(dbg: ReturnType<typeof session>["dbg"], frame = 0): Record<string, unknown> {
  return Object.fromEntries(dbg.frames()[frame].variables.map((v) => [v.name, v.value]));
}

describe("debug sessions", () => {
  it("stops at a line breakpoint each time it is reached, with the frame's variables", () => {
    const { dbg, output } = session();
    dbg.setBreakpoints("prog.scm", [2]);
    const seen: unknown[] = [];
    let s = dbg.run();
    while (s.state === "paused") {
      expect(s.reason).toBe("breakpoint");
      expect(line(s)).toBe(2);
      expect(dbg.frames()[0].name).toBe("square");
      seen.push(vars(dbg).x);
      s = dbg.run();
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(s.state).toBe("done");
    expect(output()).toBe("14\n");
  });

  it("shows the call stack with names and places", () => {
    const { dbg } = session();
    dbg.setBreakpoints("prog.scm", [2]);
    dbg.run();
    const frames = dbg.frames();
    expect(frames[0]).toMatchObject({ name: "square", loc: { file: "prog.scm", line: 2 } });
    expect(frames.map((f) => f.name)).toContain("<top>");
    expect(frames.some((f) => f.loc?.line === 7)).toBe(true);
    expect(
      vars(
        dbg,
        frames.findIndex((f) => f.loc?.line === 7),
      ),
    ).toMatchObject({ i: 1, acc: 0 });
  });

  it("evaluates expressions in a paused frame", () => {
    const { dbg } = session();
    dbg.setBreakpoints("prog.scm", [2]);
    dbg.run();
    dbg.run(); // second visit: x = 2
    expect(dbg.evaluate(0, "(+ x 100)")).toBe(102);
    expect(dbg.evaluate(0, "(square (* x 10))")).toBe(400);
    expect(() => dbg.evaluate(0, "(car x)")).toThrow(/car: expected a pair, got 2/);
  });

  it("steps over a call without entering it", () => {
    const { dbg, output } = session();
    dbg.setBreakpoints("prog.scm", [8]);
    expect(line(dbg.run())).toBe(8);
    dbg.setBreakpoints("prog.scm", []);
    let s = dbg.stepOver();
    // sum-squares ran to completion inside the step: its output is there, square never paused.
    while (s.state === "paused" && line(s) === 8) s = dbg.stepOver();
    expect(line(s)).toBe(9);
    expect(output()).toBe("14");
  });

  it("steps into a call and back out of it", () => {
    const { dbg } = session();
    dbg.setBreakpoints("prog.scm", [7]);
    expect(line(dbg.run())).toBe(7);
    dbg.setBreakpoints("prog.scm", []);
    let s = dbg.stepInto();
    while (s.state === "paused" && dbg.frames()[0].name !== "square") s = dbg.stepInto();
    expect(line(s)).toBe(2);
    const depth = dbg.frames().length;
    s = dbg.stepOut();
    expect(s.state).toBe("paused");
    expect(dbg.frames().length).toBeLessThan(depth);
    expect(dbg.frames()[0].name).not.toBe("square");
  });

  it("gives the same output stepped as run", () => {
    const program = `(define k #f)
(define n 0)
(define (gen)
  (call/cc (lambda (return) (set! k return) 1)))
(let ((v (gen)))
  (display v)
  (set! n (+ n 1))
  (when (< n 3) (k (* v 10))))
(for-each (lambda (x) (display (list x (vector-map square (vector x 2)))))
  '(1 2))
(newline)`;
    const plain = newScheme();
    plain.scheme.run(program, "prog.scm");
    const { dbg, output } = session(program);
    let s = dbg.stepInto();
    let steps = 0;
    while (s.state === "paused") {
      s = dbg.stepInto();
      steps++;
    }
    expect(s.state).toBe("done");
    expect(steps).toBeGreaterThan(10);
    expect(output()).toBe(plain.output());
    expect(output()).toBe("110100(1 #(1 4))(2 #(4 4))\n");
  });

  it("runs in time slices and can be paused out of an infinite loop", () => {
    const { dbg } = session("(define (spin n) (spin (+ n 1)))\n(spin 0)\n");
    expect(dbg.run(10_000).state).toBe("running");
    expect(dbg.run(10_000).state).toBe("running");
    dbg.pause();
    const s = dbg.run(10_000);
    expect(s.state).toBe("paused");
    expect(dbg.frames()[0].name).toBe("spin");
    expect(typeof vars(dbg).n).toBe("number");
  });

  it("reports an error with its place and stack", () => {
    const { dbg } = session("(define (f x)\n  (car x))\n(f 5)\n");
    const s = dbg.run();
    expect(s.state).toBe("error");
    if (s.state === "error") {
      expect(s.report).toContain("car: expected a pair, got 5");
      expect(s.report).toContain("prog.scm:2:3");
    }
  });
});

describe("sliced REPL evaluation", () => {
  it("can be interrupted, keeping what was defined before", async () => {
    const { scheme } = newScheme();
    await scheme.replSliced("(define n 0)", "repl#1", () => false);
    let slices = 0;
    await expect(
      scheme.replSliced("(let loop () (set! n (+ n 1)) (loop))", "repl#2", () => ++slices > 3),
    ).rejects.toThrow(/interrupted/);
    const [moved] = await scheme.replSliced("(> n 0)", "repl#3", () => false);
    expect(moved).toBe(true);
  });

  it("gives the same values as the one-shot REPL", async () => {
    const { scheme } = newScheme();
    const values = await scheme.replSliced(
      "(define (sq x) (* x x)) (sq 12) (values 1 2)",
      "r",
      () => false,
    );
    expect(values[0]).toBe(UNSPECIFIED); // a definition shows nothing
    expect(values[1]).toBe(144);
    expect(values[2]).toBeInstanceOf(MultipleValues);
  });
});
