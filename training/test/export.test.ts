// export.test.ts — what we train runs in the C engine exactly as it ran in tfjs: a tfjs model with
// random O(1) weights is exported, loaded into the C engine (its WebAssembly build, in-process) and
// the logits compared at every position (F32: 1e-4), for tied and untied classifiers, non-causal
// seq2seq, Q8_0 (byte-identical to quantizeModel), LoRA modules and merged LoRA models; then the
// checkpoint → file path and its errors, through `nanolm export` itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine-c/ts/engine.ts";
import {
  QUANT_Q8_0,
  quantizeModel,
  readLora,
  readModel,
  writeLora,
  writeModel,
} from "../../engine-c/ts/format.ts";
import { exportCommand } from "../../cli/export.ts";
import { saveCheckpoint, type Checkpoint } from "../src/checkpoint.ts";
import type { ModelConfig, TrainConfig } from "../src/config.ts";
import { exportCheckpoint, exportLora, exportModel, type ParamMap } from "../src/export.ts";
import { createModel, type NanoTfModel } from "../src/model.ts";
import { SPECIAL_TOKENS, type TokenizerJson } from "../src/tokenizer.ts";

const BASE: ModelConfig = {
  blockSize: 12,
  vocabSize: 23,
  nLayer: 2,
  nEmbd: 16,
  nHead: 4,
  nKvHead: 2, // GQA: two query heads per key/value head
  nHidden: 24,
  causal: true,
  dropout: 0,
  tiedEmbeddings: true,
};
const LORA = { rank: 3, alpha: 6 };
const PROMPT = [2, 17, 5, 9, 22, 7, 11, 8, 14, 3, 20, 6]; // a whole block

/** The 7 specials and 16 letters: vocab_size 23. */
const TOKENIZER: TokenizerJson = {
  version: 1,
  tokens: [
    ...SPECIAL_TOKENS.map((text) => ({ text, special: true })),
    ..."abcdefghijklmnop".split("").map((text) => ({ text, special: false })),
  ],
};

let engine: Engine;
let dir: string;
beforeAll(async () => {
  tf.env().set("PROD", true); // no "install tfjs-node" banner
  await tf.setBackend("cpu");
  engine = await Engine.create({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), "nanolm-export-"));
});
afterAll(() => {
  engine?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A tiny PRNG for test values (not the model's init). */
function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A model with O(1)-scale random weights (LoRA B included), so that every path shows in the logits. */
function randomModel(config: ModelConfig, seed: number, lora?: typeof LORA): NanoTfModel {
  const model = createModel(config, seed, lora);
  const random = uniforms(seed);
  for (const [name, v] of model.params) {
    const isNorm = name.endsWith("norm");
    const bound = isNorm ? 0.5 : Math.sqrt(3 / v.shape[0]);
    const data = Float32Array.from(
      { length: v.size },
      () => (isNorm ? 1 : 0) + bound * (2 * random() - 1),
    );
    v.assign(tf.tensor(data, v.shape));
  }
  return model;
}

/** The model's parameters as a checkpoint holds them. */
function paramsOf(model: NanoTfModel): ParamMap {
  const params: ParamMap = new Map();
  for (const [name, v] of model.params) {
    params.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync()) });
  }
  return params;
}

/** tfjs logits (T, V) of one sequence, row per position. */
function tfLogits(model: NanoTfModel, tokens: number[]): Float32Array[] {
  const V = model.config.vocabSize;
  const flat = tf.tidy(() =>
    model.logits(tf.tensor2d([tokens], [1, tokens.length], "int32")).dataSync(),
  );
  return tokens.map((_, t) => Float32Array.from(flat.subarray(t * V, (t + 1) * V)));
}

/** The C engine's logits at every position, feeding the tokens one step at a time. */
function engineLogits(bytes: Uint8Array, tokens: number[], lora?: Uint8Array): Float32Array[] {
  engine.load(bytes);
  if (lora) engine.loadLora(lora);
  engine.reset();
  return tokens.map((id) => engine.step(id));
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, t) => {
    expect(row.length).toBe(b[t].length);
    for (let i = 0; i < row.length; i++) m = Math.max(m, Math.abs(row[i] - b[t][i]));
  });
  return m;
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

describe("exportModel: the C engine runs the exported model as tfjs did", () => {
  for (const tiedEmbeddings of [true, false]) {
    it(`F32, ${tiedEmbeddings ? "tied" : "untied"} classifier: logits within 1e-4 at every position`, () => {
      const config = { ...BASE, tiedEmbeddings };
      const model = randomModel(config, tiedEmbeddings ? 1 : 2);
      const file = exportModel(config, TOKENIZER, paramsOf(model));
      expect(file.config.isSharedClassifier).toBe(tiedEmbeddings);
      expect(file.weights.output === undefined).toBe(tiedEmbeddings);
      const bytes = writeModel(file);
      const expected = tfLogits(model, PROMPT);
      // Logits are O(1), so a real mistake (a missed transpose, wrong RoPE) is far above 1e-4.
      expect(Math.max(...expected[5].map(Math.abs))).toBeGreaterThan(0.5);
      expect(maxAbsDiff(engineLogits(bytes, PROMPT), expected)).toBeLessThan(1e-4);
      // The vocabulary travels with the model.
      expect(engine.decode([17, 18])).toBe("kl");
      expect(engine.isSpecial(3)).toBe(true);
      model.dispose();
    });
  }

  it("non-causal: the engine's seq2seq gives tfjs's argmax at every position", () => {
    const config = { ...BASE, blockSize: 6, causal: false };
    const model = randomModel(config, 3);
    const bytes = writeModel(exportModel(config, TOKENIZER, paramsOf(model)));
    engine.load(bytes);
    for (const input of [
      [7, 8, 9, 10, 11, 12],
      [22, 3, 15, 15, 0, 9],
      [12, 11, 10, 9, 8, 7],
    ]) {
      const expected = tfLogits(model, input).map(argmax);
      expect(engine.seq2seq(input)).toEqual(expected);
    }
    model.dispose();
  });

  it("Q8_0: byte-identical to quantizing the F32 export, and close logits", () => {
    const model = randomModel(BASE, 4);
    const params = paramsOf(model);
    const f32 = writeModel(exportModel(BASE, TOKENIZER, params));
    const q8 = writeModel(exportModel(BASE, TOKENIZER, params, { q80: true }));
    expect(readModel(q8).header.quantType).toBe(QUANT_Q8_0);
    expect(q8).toEqual(writeModel(quantizeModel(readModel(f32))));
    expect(maxAbsDiff(engineLogits(q8, PROMPT), tfLogits(model, PROMPT))).toBeLessThan(5e-2);
    model.dispose();
  });
});

describe("LoRA export", () => {
  it("the module on its base matches tfjs's adapted model, and so does the merged model", () => {
    const model = randomModel(BASE, 5, LORA);
    const params = paramsOf(model);
    const base = writeModel(exportModel(BASE, TOKENIZER, params));
    const loraFile = exportLora(BASE, params, LORA);
    const lora = writeLora(loraFile);
    expect(readLora(lora, readModel(base))).toMatchObject({ rank: 3, alpha: 6 });
    // lora_a (in, rank) → A (rank, in): A[k][i] = a[i][k].
    const a = params.get("layers.1.wk.lora_a")!;
    expect(loraFile.wkA[1].data[2 * BASE.nEmbd + 5]).toBe(a.data[5 * LORA.rank + 2]);

    const expected = tfLogits(model, PROMPT);
    const adapted = engineLogits(base, PROMPT, lora);
    expect(maxAbsDiff(adapted, expected)).toBeLessThan(1e-4);
    // The adapters matter: without them the logits are far off.
    expect(maxAbsDiff(engineLogits(base, PROMPT), expected)).toBeGreaterThan(1e-2);

    const merged = writeModel(exportModel(BASE, TOKENIZER, params, { merge: LORA }));
    expect(maxAbsDiff(engineLogits(merged, PROMPT), adapted)).toBeLessThan(1e-4);
    model.dispose();
  });

  it("refuses an alpha the LoRA format cannot store", () => {
    const model = createModel(BASE, 6, { rank: 2, alpha: 2.5 });
    expect(() => exportLora(BASE, paramsOf(model), { rank: 2, alpha: 2.5 })).toThrow(
      /alpha 2.5 is not an integer.*--merge/,
    );
    model.dispose();
  });
});

describe("exportCheckpoint and nanolm export", () => {
  function checkpointOf(model: NanoTfModel, lora?: typeof LORA): Checkpoint {
    const { vocabSize: _, ...shape } = model.config;
    const config = {
      model: shape,
      data: { kind: "task", task: "sort" },
      train: {},
      out: "run",
      ...(lora ? { lora, init: { from: "base/best.ckpt" } } : {}),
    } as unknown as TrainConfig;
    return {
      config,
      tokenizer: TOKENIZER,
      params: paramsOf(model),
      trainable: model.trainable,
      optimizer: { stepCount: 0, m: new Map(), v: new Map() },
      step: 42,
      dataState: null,
      rngStates: {},
      bestValLoss: null,
      elapsedSeconds: 0,
    };
  }

  // Run `nanolm export` in-process; its error message (or "" on success).
  async function exportCli(...argv: string[]): Promise<string> {
    try {
      expect(await exportCommand(argv)).toBe(0);
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  }

  it("writes models and LoRA modules the engine loads, and refuses what does not fit", async () => {
    const plain = randomModel(BASE, 7);
    const adapted = randomModel(BASE, 8, LORA);
    const plainCkpt = join(dir, "plain.ckpt");
    const loraCkpt = join(dir, "lora.ckpt");
    saveCheckpoint(plainCkpt, checkpointOf(plain));
    saveCheckpoint(loraCkpt, checkpointOf(adapted, LORA));

    const out = join(dir, "plain.bin");
    expect(exportCheckpoint(plainCkpt, out)).toMatchObject({ kind: "model", step: 42, notes: [] });
    expect(
      maxAbsDiff(engineLogits(readFileSync(out), PROMPT), tfLogits(plain, PROMPT)),
    ).toBeLessThan(1e-4);

    expect(await exportCli(plainCkpt, join(dir, "plain-q8.bin"), "--q80")).toBe("");
    expect(readModel(readFileSync(join(dir, "plain-q8.bin"))).header.quantType).toBe(QUANT_Q8_0);

    const base = writeModel(exportModel(BASE, TOKENIZER, paramsOf(adapted)));
    expect(await exportCli(loraCkpt, join(dir, "adapter.bin"), "--lora")).toBe("");
    expect(await exportCli(loraCkpt, join(dir, "merged.bin"), "--merge")).toBe("");
    const expected = tfLogits(adapted, PROMPT);
    const withAdapter = engineLogits(base, PROMPT, readFileSync(join(dir, "adapter.bin")));
    expect(maxAbsDiff(withAdapter, expected)).toBeLessThan(1e-4);
    expect(
      maxAbsDiff(engineLogits(readFileSync(join(dir, "merged.bin")), PROMPT), expected),
    ).toBeLessThan(1e-4);

    const notCkpt = join(dir, "notes.txt");
    writeFileSync(notCkpt, "hello");
    const errors: [string[], RegExp][] = [
      [[join(dir, "missing.ckpt"), out], /no such file/],
      [[notCkpt, out], /is not a valid checkpoint/],
      [[plainCkpt, out, "--lora"], /is not a LoRA checkpoint: --lora needs one/],
      [[plainCkpt, out, "--merge"], /is not a LoRA checkpoint: --merge needs one/],
      [[loraCkpt, out], /holds LoRA adapters: pass --lora .* or --merge/],
      [[loraCkpt, out, "--lora", "--q80"], /LoRA modules are always F32/],
      [[loraCkpt, out, "--lora", "--merge"], /exclude each other/],
      [[plainCkpt], /CKPT and OUT.bin are required/],
      [[plainCkpt, out, "--bogus"], /Unknown option/],
      [[plainCkpt, join(dir, "no-such-dir", "x.bin")], /cannot write/],
    ];
    for (const [argv, message] of errors) expect(await exportCli(...argv)).toMatch(message);
    plain.dispose();
    adapted.dispose();
  });

  it("notes that a non-causal model has no causal flag in the file", () => {
    const model = randomModel({ ...BASE, blockSize: 6, causal: false }, 9);
    const ckpt = join(dir, "sort.ckpt");
    saveCheckpoint(ckpt, checkpointOf(model));
    const summary = exportCheckpoint(ckpt, join(dir, "sort.bin"));
    expect(summary.notes.join("\n")).toMatch(/non-causal.*no causal flag.*seq2seq/);
    model.dispose();
  });
});
