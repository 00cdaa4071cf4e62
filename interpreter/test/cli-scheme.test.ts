// The command-line front: `nanolm scheme FILE` and `nanolm repl`, run as a user would.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const nanolm = resolve(import.meta.dirname, "../../bin/nanolm");
const dir = mkdtempSync(join(tmpdir(), "nanolm-scheme-"));

function program(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function run(args: string[], input?: string) {
  const r = spawnSync(nanolm, args, { input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("nanolm scheme", () => {
  it("runs a program and exits 0", () => {
    const file = program("hello.scm", '(display "hello, ") (display (+ 40 2)) (newline)\n');
    expect(run(["scheme", file])).toMatchObject({ status: 0, stdout: "hello, 42\n", stderr: "" });
  });

  it("reports an uncaught error with its location on stderr and exits 1", () => {
    const file = program("bad.scm", "(define (f x)\n  (car x))\n(display 1)\n(f 5)\n");
    const r = run(["scheme", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("1");
    expect(r.stderr).toContain("car: expected a pair, got 5");
    expect(r.stderr).toContain(`${file}:2:3`);
    expect(r.stderr).toContain(`${file}:4:1`);
  });

  it("passes arguments to (command-line) and honours (exit n)", () => {
    const file = program("args.scm", "(write (cdr (command-line))) (exit 3) (display 'unreached)");
    expect(run(["scheme", file, "a", "--b"])).toMatchObject({ status: 3, stdout: '("a" "--b")' });
  });

  it("names the place of a reader error", () => {
    const file = program("unbalanced.scm", "(display 1)\n(display (+ 1 2)\n");
    const r = run(["scheme", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing "\)"/);
    expect(r.stderr).toContain("2:1");
  });

  it("imports user libraries next to the program and from -I directories", () => {
    mkdirSync(join(dir, "lib", "util"), { recursive: true });
    writeFileSync(
      join(dir, "lib", "util", "math.sld"),
      "(define-library (util math) (export double) (import (scheme base))\n" +
        "  (begin (define (double x) (* 2 x))))\n",
    );
    const file = program(
      "uses-lib.scm",
      "(import (scheme base) (scheme write) (util math))\n(display (double 21))\n",
    );
    expect(run(["scheme", "-I", join(dir, "lib"), file])).toMatchObject({
      status: 0,
      stdout: "42",
    });
    expect(run(["scheme", file]).stderr).toMatch(/util math/);
  });

  it("gives the same output with the debugger attached", () => {
    const file = program(
      "loop.scm",
      "(let loop ((i 0)) (when (< i 5) (display i) (loop (+ i 1))))",
    );
    expect(run(["scheme", "--debug-bench", file])).toMatchObject({ status: 0, stdout: "01234" });
  });

  it("rejects a missing file and unknown options clearly", () => {
    expect(run(["scheme", join(dir, "nope.scm")])).toMatchObject({ status: 1 });
    expect(run(["scheme", join(dir, "nope.scm")]).stderr).toMatch(/no such file/);
    const r = run(["scheme", "--bogus"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    expect(run(["scheme", "--help"])).toMatchObject({ status: 0 });
  });
});

describe("nanolm repl", () => {
  it("evaluates forms, continues multi-line input and survives errors", () => {
    const r = run(["repl"], '(define x 20)\n(+ x\n   22)\n(car 1)\n"still here"\n(values 1 2)\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("42\n");
    expect(r.stdout).toContain("error: car: expected a pair, got 1");
    expect(r.stdout).toContain('"still here"\n');
    expect(r.stdout).toContain("1\n2\n");
  });

  it("stops at (exit)", () => {
    const r = run(["repl"], "(display 1)\n(exit 4)\n(display 2)\n");
    expect(r).toMatchObject({ status: 4, stdout: "1" });
  });
});
