// Table-driven Scheme cases shared by the conformance tests: each case is a small program and
// either the value of its last expression as `write` prints it, or everything it printed.
import { expect, it } from "vitest";
import { evalScheme, runScheme } from "./helpers.ts";

export type Case = [source: string, expected: string];

export function valueCases(cases: Case[]): void {
  it.each(cases)("%s", (source, expected) => {
    expect(evalScheme(source)).toBe(expected);
  });
}

export function outputCases(cases: Case[]): void {
  it.each(cases)("%s", (source, expected) => {
    expect(runScheme(source)).toBe(expected);
  });
}
