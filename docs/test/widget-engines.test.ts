// The numbers behind chapter 7's and 8's widgets, checked in Node against the engines they
// stand for: the `sampling` widget's distribution keeps exactly the tokens the C sampler draws
// from, and the Scheme program the `engine-compare` widget runs gives the WebAssembly engine's
// logits bit for bit. (The widgets' drawing is checked in Chromium by docs/e2e/course.spec.ts.)
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WasmEngine } from "../../playground/src/engines.ts";
import { PageSession } from "../lib/run-chapter.ts";
import { distribution, penalize } from "../src/widgets/sampling.ts";
import { parseSchemeDecode, schemeProgram } from "../src/widgets/engine-compare.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const picoBytes = new Uint8Array(readFileSync(join(repoRoot, "models", "nano-pico.bin")));

let wasm: WasmEngine;
beforeAll(async () => {
  wasm = await WasmEngine.create(1);
  wasm.load(picoBytes);
});
afterAll(() => wasm?.dispose());

describe("sampling widget", () => {
  const settings = [
    { temperature: 1, topK: 3, topP: 1, repetitionPenalty: 1, seed: 1 },
    { temperature: 0.7, topK: 0, topP: 0.6, repetitionPenalty: 1.3, seed: 2 },
    { temperature: 1.5, topK: 10, topP: 0.9, repetitionPenalty: 1.1, seed: 3 },
  ];

  it("keeps exactly the tokens the C sampler draws from", async () => {
    const prompt = wasm.encode("Lily and Tom went to the ");
    const logits = await wasm.start(prompt, null);
    for (const s of settings) {
      const penalized = penalize(logits, prompt, s.repetitionPenalty);
      const kept = new Set(
        distribution(penalized, s)
          .filter((r) => r.kept)
          .map((r) => r.id),
      );
      const drawn = new Set<number>();
      for (let i = 0; i < 400; i++) drawn.add(wasm.sample(penalized, s, i === 0));
      for (const id of drawn) expect(kept.has(id), `drew ${id} outside the kept set`).toBe(true);
      // Few kept tokens: 400 draws see every one of them.
      if (kept.size <= 5) expect(drawn).toEqual(kept);
    }
  });

  it("is greedy at temperature 0 and sums to 1 otherwise", async () => {
    const logits = await wasm.start(wasm.encode("Once upon a time"), null);
    const greedy = distribution(logits, { ...settings[0], temperature: 0 });
    expect(greedy[0].after).toBe(1);
    expect(greedy[0].id).toBe(wasm.sample(logits, { ...settings[0], temperature: 0 }, true));
    const total = distribution(logits, settings[1]).reduce((sum, r) => sum + r.after, 0);
    expect(total).toBeCloseTo(1, 12);
  });
});

describe("engine-compare widget", () => {
  it("the Scheme engine's logits equal the WebAssembly engine's bit for bit", async () => {
    const page = new PageSession();
    await page.start(["nano-pico"]);
    const prompt = 'Tom said "hi"\nand ';
    const run = await page.evaluate(schemeProgram("nano-pico", prompt, 4));
    expect(run.error).toBeNull();
    const scheme = parseSchemeDecode(run.shown);
    expect(scheme.promptIds).toEqual(wasm.encode(prompt));
    expect(scheme.steps).toHaveLength(4);
    let logits = await wasm.start(scheme.promptIds, null);
    for (const step of scheme.steps) {
      expect(Array.from(step.logits)).toEqual(Array.from(logits));
      logits = wasm.push(step.id, null);
    }
  }, 120_000);
});
