// Fine-tuning from a bundled .bin model, as training/configs/sft-pico.json and lora-pico.json do:
// the model file is read back into tfjs's layout exactly (import then export is byte-identical),
// its tokenizer encodes the SFT data, and a few steps of full SFT and of LoRA give models the C
// engine runs in the instruction template.
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModel } from "../../engine-c/ts/format.ts";
import { writeModel } from "../../engine-c/ts/format.ts";
import { loadCheckpoint } from "../src/checkpoint.ts";
import { loadTrainConfig } from "../src/config.ts";
import { generateInstructions, instructionsJsonl } from "../src/corpus/story-instructions.ts";
import { exportCheckpoint, exportModel } from "../src/export.ts";
import { readBaseModel } from "../src/import-bin.ts";
import { Tokenizer } from "../src/tokenizer.ts";
import { train } from "../src/train.ts";

const repo = resolve(import.meta.dirname, "../..");
const pico = join(repo, "models", "nano-pico.bin");
const nanolm = join(repo, "bin", "nanolm");
const dir = mkdtempSync(join(tmpdir(), "nanolm-finetune-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  tf.env().set("PROD", true);
});

const PICO_MODEL = {
  blockSize: 128,
  nLayer: 4,
  nEmbd: 96,
  nHead: 4,
  nKvHead: 2,
  nHidden: 256,
  causal: true,
  dropout: 0,
};

describe("a .bin model as the base of a run", () => {
  it("reads back into tfjs's layout exactly: import then export is byte-identical", () => {
    const original = new Uint8Array(readFileSync(pico));
    const file = readModel(original);
    const config = { ...PICO_MODEL, vocabSize: file.config.vocabSize, tiedEmbeddings: true };
    const base = readBaseModel(pico, config);
    const params = new Map([...base.params].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
    const again = writeModel(exportModel(config, base.tokenizer, params));
    // The header's version fields are the exporter's; everything after them must be the same.
    expect(Buffer.from(again).equals(Buffer.from(original))).toBe(true);
  });

  it("names each field of the config that does not match the file", () => {
    const config = { ...PICO_MODEL, nLayer: 3, nHidden: 128, vocabSize: 258, tiedEmbeddings: true };
    expect(() => readBaseModel(pico, config)).toThrow(
      /does not match the config's model section: nLayer is 4 in the file, 3 in the config; nHidden is 256 in the file, 128 in the config/,
    );
    expect(() => readBaseModel(join(dir, "missing.bin"), config)).toThrow(/cannot read model/);
  });

  it("lends its tokenizer to the SFT data (a tokenizer path may be the .bin)", () => {
    const t = Tokenizer.load(pico);
    expect(t.vocabSize).toBe(readModel(new Uint8Array(readFileSync(pico))).config.vocabSize);
    expect(t.decode(t.encode("Once upon a time"))).toBe("Once upon a time");
  });
});

describe("story instructions", () => {
  it("are seeded, and each answer follows from its question", () => {
    expect(instructionsJsonl(7, 50)).toBe(instructionsJsonl(7, 50));
    for (const { question, answer } of generateInstructions(3, 200)) {
      const said = /^Say that (\w+) loved the (.+)\.$/.exec(question);
      if (said) {
        // The pronoun follows from the name, as in the stories.
        expect(answer).toMatch(/^(She loved her|He loved his) /);
        expect(answer).toContain(said[2]);
        continue;
      }
      // Every name the answer uses comes from the question: nothing to guess.
      const names = (answer.match(/\b[A-Z][a-z]+\b/g) ?? []).filter(
        (w) => !["Once", "One", "Then", "Do", "I", "She", "He"].includes(w),
      );
      for (const name of names) expect(question, answer).toContain(name);
    }
  });
});

describe("SFT and LoRA from models/nano-pico.bin", () => {
  const data = join(dir, "instructions.jsonl");
  const config = (name: string, extra: Record<string, unknown>) => {
    writeFileSync(data, instructionsJsonl(1, 200));
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        model: PICO_MODEL,
        init: { from: pico },
        data: { kind: "sft", train: data, tokenizer: pico, valFraction: 0.1 },
        train: {
          maxSteps: 4,
          batchSize: 4,
          lr: 1e-3,
          warmupSteps: 0,
          evalEvery: 2,
          evalBatches: 1,
        },
        out: name,
        ...extra,
      }),
    );
    return loadTrainConfig(path);
  };
  const instructed = (model: string, extra: string[] = []) =>
    spawnSync(
      nanolm,
      [
        "run",
        "--model",
        model,
        ...extra,
        "--instruct",
        "--prompt",
        "Start a story about a fox named Leo.",
        "--temperature",
        "0",
        "--max-new-tokens",
        "12",
        "--json",
      ],
      { encoding: "utf8" },
    );

  it("full SFT starts from the file's weights, lowers the answer loss, and exports a model the engine runs", async () => {
    let output = "";
    const result = await train(config("sft", {}), {
      backend: "wasm",
      stream: { write: (s: string) => void (output += s) },
    });
    expect(result.step).toBe(4);
    expect(output).toMatch(/431,?\d{3} parameters|parameters/);
    const log = readFileSync(join(dir, "sft", "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const losses = log.filter((e) => typeof e.loss === "number").map((e) => e.loss as number);
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    const out = join(dir, "sft.bin");
    exportCheckpoint(join(dir, "sft", "last.ckpt"), out);
    const run = instructed(out);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).output_ids.length).toBeGreaterThan(0);
    await tf.setBackend("cpu");
  });

  it("LoRA keeps the file's weights frozen and exports adapters the engine loads on the base", async () => {
    const result = await train(config("lora", { lora: { rank: 4, alpha: 8 } }), {
      backend: "wasm",
      stream: { write: () => {} },
    });
    expect(result.step).toBe(4);
    const ckpt = loadCheckpoint(join(dir, "lora", "last.ckpt"));
    const base = readBaseModel(pico, { ...PICO_MODEL, vocabSize: 258, tiedEmbeddings: true });
    for (const [name, t] of base.params)
      expect(
        Buffer.from(ckpt.params.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)),
        name,
      ).toBe(true);
    const adapters = join(dir, "story.lora.bin");
    exportCheckpoint(join(dir, "lora", "last.ckpt"), adapters, { lora: true });
    const run = instructed(pico, ["--lora", adapters]);
    expect(run.status, run.stderr).toBe(0);
    await tf.setBackend("cpu");
  });
});
