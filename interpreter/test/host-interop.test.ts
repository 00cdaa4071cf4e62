// TypeScript code exposed to Scheme as a library: values cross both ways, typed arrays are shared
// (the Scheme engine's tensors), and a host error becomes a Scheme error that keeps the stack.
import { describe, expect, it } from "vitest";
import { newScheme } from "./helpers.ts";
import { Primitive, makeFlonum } from "../src/values.ts";
import { SchemeError, formatErrorReport } from "../src/errors.ts";

function withTensorLibrary() {
  const { scheme, output } = newScheme();
  scheme.defineHostLibrary(["nanolm", "tensor"], {
    "f32-dot": new Primitive(
      "f32-dot",
      (a: Float32Array, b: Float32Array) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] * b[i];
        return makeFlonum(s);
      },
      2,
      2,
    ),
    "host-fail": new Primitive(
      "host-fail",
      () => {
        throw new Error("the host said no");
      },
      0,
      0,
    ),
    "tensor-version": 3,
  });
  return { scheme, output };
}

describe("host libraries", () => {
  it("are imported like any library and share typed arrays with Scheme", () => {
    const { scheme, output } = withTensorLibrary();
    scheme.run(
      `(import (scheme base) (scheme write) (srfi 4) (nanolm tensor))
       (define a (f32vector 1.0 2.0 3.0))
       (define b (make-f32vector 3 0.5))
       (f32vector-set! b 2 2.0)
       (write (list (f32-dot a b) tensor-version))`,
      "t.scm",
    );
    expect(output()).toBe("(7.5 3)");
  });

  it("turn a JS exception into a Scheme error that guard can catch", () => {
    const { scheme } = withTensorLibrary();
    const v = scheme.run(
      `(import (scheme base) (nanolm tensor))
       (guard (e ((error-object? e) (error-object-message e))) (host-fail))`,
      "t.scm",
    );
    expect(String(v)).toMatch(/the host said no/);
  });

  it("keep the Scheme stack when a host error is not caught", () => {
    const { scheme } = withTensorLibrary();
    try {
      scheme.run(
        "(import (scheme base) (nanolm tensor))\n(define (layer x)\n  (host-fail))\n(layer 1)\n",
        "model.scm",
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SchemeError);
      const report = formatErrorReport((e as SchemeError).payload);
      expect(report).toMatch(/the host said no/);
      expect(report).toContain("model.scm:3:3");
      expect(report).toContain("model.scm:4:1");
    }
  });

  it("cannot be assigned from Scheme", () => {
    const { scheme } = withTensorLibrary();
    expect(() =>
      scheme.run("(import (scheme base) (nanolm tensor))\n(set! tensor-version 4)", "t.scm"),
    ).toThrow(/cannot assign imported variable/);
  });
});
