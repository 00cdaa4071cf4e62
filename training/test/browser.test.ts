// browser.ts: the sort trainer the course runs in a web page (chapter 9's train-sort widget),
// here on the same wasm backend in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { BROWSER_SORT_SETTINGS, SortTrainer, startBrowserBackend } from "../src/browser.ts";

const require = createRequire(import.meta.url);
const wasmDir =
  dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/";

describe("SortTrainer", () => {
  let backend: string;
  beforeAll(async () => {
    backend = await startBrowserBackend({
      "tfjs-backend-wasm.wasm": wasmDir + "tfjs-backend-wasm.wasm",
      "tfjs-backend-wasm-simd.wasm": wasmDir + "tfjs-backend-wasm-simd.wasm",
      "tfjs-backend-wasm-threaded-simd.wasm": wasmDir + "tfjs-backend-wasm-threaded-simd.wasm",
    });
  });
  afterAll(async () => {
    await tf.setBackend("cpu");
  });

  it("starts at the loss of a model that knows nothing and learns to sort", () => {
    expect(backend).toBe("wasm+nano-gemm");
    const trainer = new SortTrainer(BROWSER_SORT_SETTINGS, 200);
    const tensorsBefore = tf.memory().numTensors;
    expect(trainer.parameters).toBe(19136);
    const untrained = trainer.heldOutLoss();
    expect(Math.abs(untrained - Math.log(17))).toBeLessThan(0.3);
    expect(trainer.heldOutAccuracy().accuracy).toBeLessThan(0.05); // a lucky input or two
    let last = trainer.step();
    expect(last).toMatchObject({ step: 1, lr: BROWSER_SORT_SETTINGS.lr / 31 });
    while (trainer.stepCount < 150) last = trainer.step();
    expect(last.step).toBe(150);
    expect(trainer.heldOutLoss()).toBeLessThan(1);
    expect(trainer.heldOutAccuracy().accuracy).toBeGreaterThan(0.1);
    expect(trainer.sort(["531902", "000000"]).every((s) => s.length === 6)).toBe(true);
    expect(() => trainer.sort(["12345"])).toThrow(/six digits/);
    // a step leaves no tensor behind
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    trainer.dispose();
  }, 120_000);

  it("is deterministic: the same seed gives the same losses", () => {
    const losses = () => {
      const trainer = new SortTrainer({ ...BROWSER_SORT_SETTINGS, seed: 7 }, 10);
      const out = [trainer.step().loss, trainer.step().loss];
      trainer.dispose();
      return out;
    };
    expect(losses()).toEqual(losses());
  });
});
