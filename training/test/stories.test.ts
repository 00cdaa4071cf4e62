// The generated corpus NanoLM trains nano-pico on: deterministic, varied, grammatical in the
// ways a small model can learn (pronouns agree with the hero), and usable as a data kind.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateStories } from "../src/corpus/stories.ts";
import { openDataset } from "../src/data.ts";

describe("generated stories", () => {
  it("are the same for a seed and differ across seeds", () => {
    expect(generateStories(7, 50)).toEqual(generateStories(7, 50));
    expect(generateStories(7, 50)).not.toEqual(generateStories(8, 50));
    expect(new Set(generateStories(1, 500)).size).toBe(500);
  });

  it("keep a hero's pronouns consistent", () => {
    for (const story of generateStories(3, 300)) {
      const girl = /little girl named/.test(story);
      const boy = /little boy named/.test(story);
      if (girl) expect(story).not.toMatch(/\b(he|his|him)\b/);
      if (boy) expect(story).not.toMatch(/\b(she|her)\b/);
      expect(story).toMatch(/\.$|The end\.$/);
    }
  });

  it("open as the `stories` data kind: cached on disk, held-out documents, word tokens", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "nanolm-stories-"));
    const config = { kind: "stories", count: 300, seed: 2, valFraction: 0.05, words: 50 } as const;
    const a = await openDataset(config, 32, 1, ".", { cacheDir });
    const b = await openDataset(config, 32, 1, ".", { cacheDir });
    expect(a.tokenizer.vocabSize).toBeGreaterThan(7 + 40 + 30);
    expect(a.tokenizer.encode(" the").length).toBeLessThanOrEqual(2); // "the" is a word token
    expect(a.nextTrainBatch(4).tokens).toEqual(b.nextTrainBatch(4).tokens);
    expect(a.validationBatches(4, 2).length).toBeGreaterThan(0);
  });
});
