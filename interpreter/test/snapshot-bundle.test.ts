// The start-up snapshot's bundle computes chevrotain's char-code buckets instead of filling a
// 65,536-entry array (scripts/build-interpreter.mjs): the rewrite must still apply to the
// chevrotain we install, and give the lexer the same bucket for every char code.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { withComputedCharBuckets } from "../../scripts/build-interpreter.mjs";

// chevrotain's main entry is lib/src/api.js: its scanner is next to it.
const lexerJs = join(
  dirname(createRequire(import.meta.url).resolve("chevrotain")),
  "scan",
  "lexer.js",
);

describe("the snapshot bundle's chevrotain lexer", () => {
  it("computes each char code's bucket as the array chevrotain fills would hold it", () => {
    const source = readFileSync(lexerJs, "utf8");
    const rewritten = withComputedCharBuckets(source);
    expect(rewritten, "the installed chevrotain's lexer.js is no longer recognized").not.toBeNull();
    expect(rewritten).not.toMatch(/if \(isEmpty\(charCodeToOptimizedIdxMap\)\)/);
    // The computed lookup, against chevrotain's own fill loop.
    const lookup = new Function(
      "charCode",
      "const minOptimizationVal = 256; return charCode < minOptimizationVal ? charCode " +
        rewritten!.match(/: 255 \+ ~~\(charCode \/ 255\);/)![0],
    ) as (c: number) => number;
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++)
      if (lookup(i) !== (i > 255 ? 255 + ~~(i / 255) : i)) wrong.push(i);
    expect(wrong).toEqual([]);
  });

  it("leaves a lexer.js it does not recognize alone", () => {
    expect(withComputedCharBuckets("export const x = 1;")).toBeNull();
  });
});
