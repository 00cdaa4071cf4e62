// NanoLM's own bundled models (models/), each reproducible with one command (training/README.md):
// they load in the C engine (WebAssembly, in-process) and in the Scheme engine, agree between
// the two, and do their job — sort.bin sorts random 6-digit inputs with ≥ 99.5% exact matches,
// nano-pico.bin writes the kind of English it was trained on.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine-c/ts/engine.ts";
import { parameterCount, readModel } from "../../engine-c/ts/format.ts";
import { fromScheme, newScheme, toScheme } from "../../scheme-lib/test/helpers.ts";
import { Rng } from "../src/rng.ts";
import { createTask } from "../src/tasks/index.ts";

const modelsDir = resolve(import.meta.dirname, "..", "..", "models");
const sortPath = join(modelsDir, "sort.bin");
const picoPath = join(modelsDir, "nano-pico.bin");

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine?.dispose());

describe("models/sort.bin", () => {
  it("is there (npm run train:sort rebuilds it)", () => {
    expect(existsSync(sortPath)).toBe(true);
  });

  it("sorts ≥ 99.5% of 20,000 random 6-digit inputs exactly (C engine)", () => {
    const info = engine.load(new Uint8Array(readFileSync(sortPath)));
    expect(info.config.blockSize).toBe(6);
    const task = createTask("sort");
    const rng = new Rng(20260101); // not the training seed, not the validation seed
    let right = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const input = task.randomInput(() => rng.nextFloat());
      if (engine.decode(engine.seq2seq(engine.encode(input))) === task.solve(input)) right++;
    }
    const accuracy = right / n;
    console.log(`sort.bin exact-match accuracy: ${(100 * accuracy).toFixed(2)}% of ${n}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.995);
  });

  it("gives the same answers in the Scheme engine", () => {
    const bytes = new Uint8Array(readFileSync(sortPath));
    engine.load(bytes);
    const inputs = ["654321", "102938", "114515", "000000", "998877", "505050", "123456"];
    const ids = inputs.map((s) => engine.encode(s));
    const { scheme } = newScheme({ "model-bytes": bytes, inputs: toScheme(ids) });
    const got = scheme.run(
      `(import (scheme base) (nano format) (nano model) (test data))
       (define model (bytevector->model model-bytes))
       (map (lambda (ids) (seq2seq model ids)) inputs)`,
    );
    const rows = fromScheme(got) as number[][];
    expect(rows).toEqual(ids.map((x) => engine.seq2seq(x)));
    expect(engine.decode(rows[0])).toBe("123456");
  });
});

describe("models/nano-pico.bin", () => {
  it("is there (npm run train:pico rebuilds it) and is a 0.2–1M-parameter text model", () => {
    expect(existsSync(picoPath)).toBe(true);
    const model = readModel(new Uint8Array(readFileSync(picoPath)));
    const params = parameterCount(model.config);
    expect(params).toBeGreaterThanOrEqual(200_000);
    expect(params).toBeLessThanOrEqual(1_000_000);
  });

  it("continues a story in English, the same in the C engine and the Scheme engine", async () => {
    const bytes = new Uint8Array(readFileSync(picoPath));
    engine.load(bytes);
    const prompt = engine.encode("Once upon a time, there was a little girl named");
    const ids: number[] = [];
    for await (const t of engine.generate(prompt, {
      maxNewTokens: 40,
      ignoreEos: true,
      sampler: { temperature: 0 },
    }))
      ids.push(t.id);
    const text = engine.decode(ids);
    console.log(`nano-pico: "Once upon a time, there was a little girl named${text}"`);
    // It has learned the corpus's sentences: words it was taught, and sentence ends.
    expect(text).toMatch(/\b(she|her|the|was|went|to|with)\b/);
    expect(text).toMatch(/\./);

    const { scheme } = newScheme({ "model-bytes": bytes, prompt: toScheme(prompt) });
    const schemeIds = scheme.run(
      `(import (scheme base) (nano format) (nano generate) (test data))
       (generate (bytevector->model model-bytes) prompt
                 '((max-new-tokens . 40) (temperature . 0) (ignore-eos . #t))
                 (lambda (id text) #f))`,
    );
    const list = fromScheme(schemeIds) as number[];
    expect(list).toEqual(ids);
  });
});
