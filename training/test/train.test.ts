// The training loop's parts against hand computations (config checks, the LR schedule, AdamW,
// clipping, accumulation), then the whole loop as a user runs it: a real `nanolm train` child
// process killed with SIGKILL and resumed must log the same losses, step for step, as a run that
// was never interrupted.
import * as tf from "@tensorflow/tfjs";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadTrainConfig, parseTrainConfig } from "../src/config.ts";
import {
  accumulateGradients,
  AdamW,
  clipGradients,
  globalNorm,
  learningRate,
} from "../src/optim.ts";
import { mixSeeds, Rng } from "../src/rng.ts";
import { loadCheckpoint } from "../src/checkpoint.ts";
import { train } from "../src/train.ts";
import { createModel } from "../src/model.ts";

const repo = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "nanolm-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  tf.env().set("PROD", true); // no "install tfjs-node" banner
  await tf.setBackend("cpu");
});

const MINIMAL = {
  model: { blockSize: 6, nLayer: 2, nEmbd: 32, nHead: 4, nKvHead: 2, nHidden: 16, causal: false },
  data: { kind: "task", task: "sort" },
  train: { maxSteps: 100 },
  out: "runs/sort",
};

/** MINIMAL with `patch` applied at a dotted path ("train.lr"); undefined deletes the field. */
function withField(path: string, value: unknown): unknown {
  const config = structuredClone(MINIMAL) as unknown as Record<string, Record<string, unknown>>;
  const [section, field] = path.split(".");
  if (field === undefined) (config as Record<string, unknown>)[section] = value;
  else if (value === undefined) delete config[section][field];
  else config[section][field] = value;
  return config;
}

describe("loadTrainConfig", () => {
  it("fills nanoGPT-like defaults and resolves paths against the config's folder", () => {
    const path = join(dir, "minimal.json");
    writeFileSync(path, JSON.stringify(MINIMAL));
    const c = loadTrainConfig(path);
    expect(c.out).toBe(join(dir, "runs/sort"));
    expect(c.model.tiedEmbeddings).toBe(true);
    expect(c.model.dropout).toBe(0);
    expect(c.model.vocabSize).toBeUndefined();
    expect(c.train).toMatchObject({ gradAccum: 1, beta1: 0.9, beta2: 0.95, gradClip: 1, lr: 1e-3 });
    expect(c.train.minLr).toBeCloseTo(1e-4, 12);
    const text = parseTrainConfig(
      { ...MINIMAL, data: { kind: "text", train: ["a.txt", "/abs/b.txt"] } },
      "/cfg",
    );
    expect(text.data).toEqual({
      kind: "text",
      train: ["/cfg/a.txt", "/abs/b.txt"],
      valFraction: 0.1,
    });
  });

  it("names the field in every error", () => {
    const cases: [unknown, RegExp][] = [
      [withField("model.nHidden", undefined), /model\.nHidden must be an integer, got nothing/],
      [withField("model.nHead", 3), /model\.nEmbd \(32\) must be a multiple of model\.nHead \(3\)/],
      [withField("model.nKvHead", 3), /model\.nHead \(4\) must be a multiple of model\.nKvHead/],
      [withField("model.dropout", 1), /model\.dropout must be in \[0, 1\), got 1/],
      [withField("model.causal", "yes"), /model\.causal must be true or false/],
      [withField("train.maxSteps", 0), /train\.maxSteps must be at least 1, got 0/],
      [withField("train.lr", -1), /train\.lr must be in \(0, Infinity\]/],
      [withField("train.minLr", 1), /train\.minLr must be in \[0, 0\.001\], got 1/],
      [withField("train.batchSize", 2.5), /train\.batchSize must be an integer, got 2\.5/],
      [withField("train.learningRate", 1), /unknown field train\.learningRate/],
      [withField("data", { kind: "task", task: "add" }), /data\.task must be "sort", "reverse"/],
      [withField("data", { kind: "csv" }), /data\.kind must be "text", "stories", "sft" or "task"/],
      [
        withField("data", { kind: "text", train: [] }),
        /data\.train must be a file path or a non-empty list/,
      ],
      [withField("out", undefined), /out must be a non-empty string/],
      [withField("lora", { rank: 4 }), /lora needs init\.from/],
      [[1, 2], /config must be an object/],
    ];
    for (const [json, message] of cases) {
      expect(() => parseTrainConfig(json, dir), String(message)).toThrow(ConfigError);
      expect(() => parseTrainConfig(json, dir), String(message)).toThrow(message);
    }
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ model: ");
    expect(() => loadTrainConfig(broken)).toThrow(/is not valid JSON/);
    expect(() => loadTrainConfig(join(dir, "absent.json"))).toThrow(/cannot read config/);
  });
});

describe("learningRate", () => {
  const s = { lr: 1, minLr: 0.1, warmupSteps: 10, maxSteps: 110 };
  it("warms up linearly, then decays along a cosine to minLr (nanoGPT's get_lr)", () => {
    expect(learningRate(0, s)).toBeCloseTo(1 / 11, 15);
    expect(learningRate(9, s)).toBeCloseTo(10 / 11, 15);
    expect(learningRate(10, s)).toBe(1);
    // halfway through the decay: minLr + (lr − minLr)/2
    expect(learningRate(60, s)).toBeCloseTo(0.55, 15);
    expect(learningRate(35, s)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos(Math.PI / 4)), 15);
    expect(learningRate(110, s)).toBe(0.1);
    expect(learningRate(500, s)).toBe(0.1);
  });
});

describe("optimizer", () => {
  it("AdamW matches a hand computation, decaying the matrix and not the gain", () => {
    // Loss Σ (p − target)² on a 2-D "matrix" and a 1-D "gain": gradient 2·(p − target).
    const params = new Map<string, tf.Variable>([
      ["w", tf.variable(tf.tensor2d([[1, -2]]))],
      ["g", tf.variable(tf.tensor1d([0.5]))],
    ]);
    const target = { w: [0.25, 0.75], g: [2] };
    const opts = { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 };
    const adam = new AdamW(params, ["w", "g"], opts);
    const lrs = [0.1, 0.05, 0.02];

    // The same three steps in float64 by hand (torch.optim.AdamW's formulas).
    const hand = { w: [1, -2], g: [0.5] };
    const moments = { w: { m: [0, 0], v: [0, 0] }, g: { m: [0], v: [0] } };
    lrs.forEach((lr, i) => {
      const t = i + 1;
      for (const name of ["w", "g"] as const) {
        hand[name] = hand[name].map((p, j) => {
          const grad = 2 * (p - target[name][j]);
          const st = moments[name];
          st.m[j] = 0.9 * st.m[j] + 0.1 * grad;
          st.v[j] = 0.95 * st.v[j] + 0.05 * grad * grad;
          const decayed = name === "w" ? p * (1 - lr * 0.1) : p;
          const denom = Math.sqrt(st.v[j]) / Math.sqrt(1 - 0.95 ** t) + 1e-8;
          return decayed - (lr / (1 - 0.9 ** t)) * (st.m[j] / denom);
        });
      }
    });

    for (const lr of lrs) {
      const { grads } = accumulateGradients(
        () =>
          tf.addN([
            tf.sum(tf.square(tf.sub(params.get("w")!, tf.tensor2d([target.w])))),
            tf.sum(tf.square(tf.sub(params.get("g")!, tf.tensor1d(target.g)))),
          ]) as tf.Scalar,
        1,
        params,
        ["w", "g"],
      );
      adam.step(grads, lr);
      for (const g of grads.values()) g.dispose();
    }
    expect(adam.decays("w")).toBe(true);
    expect(adam.decays("g")).toBe(false);
    const got = { w: [...params.get("w")!.dataSync()], g: [...params.get("g")!.dataSync()] };
    for (const name of ["w", "g"] as const) {
      got[name].forEach((x, j) => expect(x).toBeCloseTo(hand[name][j], 6));
    }
    adam.dispose();
  });

  it("accumulation averages micro-batch gradients; clipping scales to the global norm", () => {
    const params = new Map([["p", tf.variable(tf.tensor1d([1, 1]))]]);
    // micro-batch i has loss (i+1)·Σp: gradients 1 and 2, mean 1.5
    const { loss, grads } = accumulateGradients(
      (i) => tf.mul(tf.sum(params.get("p")!), i + 1) as tf.Scalar,
      2,
      params,
      ["p"],
    );
    expect(loss).toBeCloseTo(3, 6); // (2 + 4) / 2
    expect([...grads.get("p")!.dataSync()]).toEqual([1.5, 1.5]);

    const toClip = new Map<string, tf.Tensor>([
      ["a", tf.tensor1d([3])],
      ["b", tf.tensor2d([[4]])],
    ]);
    const norm = globalNorm(toClip);
    expect(norm).toBeCloseTo(5, 6);
    clipGradients(toClip, norm, 1);
    expect(toClip.get("a")!.dataSync()[0]).toBeCloseTo(0.6, 6);
    expect(toClip.get("b")!.dataSync()[0]).toBeCloseTo(0.8, 6);
    clipGradients(toClip, 1, 2); // under the limit: untouched
    expect(toClip.get("a")!.dataSync()[0]).toBeCloseTo(0.6, 6);
  });

  it("the RNG continues exactly from a saved state; derived seeds differ", () => {
    const a = new Rng(42);
    a.nextUint32();
    const saved = a.getState();
    const next = [a.nextUint32(), a.nextUint32()];
    const b = new Rng(0);
    b.setState(saved);
    expect([b.nextUint32(), b.nextUint32()]).toEqual(next);
    expect(() => b.setState("x")).toThrow(/bad RNG state/);
    const seeds = new Set([0, 1, 2].flatMap((step) => [0, 1].map((m) => mixSeeds(7, step, m))));
    expect(seeds.size).toBe(6);
  });
});

// ---- the whole loop, as a user runs it ----

interface LogLine {
  step: number;
  loss?: number;
  lr?: number;
  val_loss?: number;
}

function readLog(outDir: string): LogLine[] {
  return readFileSync(join(outDir, "log.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/** A tiny sort run (2 layers, 32 wide) with dropout, accumulation and frequent checkpoints, so
 *  every piece of state that resume must restore is exercised. */
function writeRunConfig(name: string, maxSteps: number): string {
  const path = join(dir, `${name}.json`);
  const config = {
    model: { ...MINIMAL.model, dropout: 0.1 },
    data: { kind: "task", task: "sort" },
    train: {
      maxSteps,
      batchSize: 16,
      gradAccum: 2,
      lr: 3e-3,
      warmupSteps: 5,
      evalEvery: 10,
      evalBatches: 2,
      checkpointEvery: 5,
      seed: 7,
    },
    out: name,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const nanolm = (args: string[]) =>
  spawnSync(process.execPath, [join(repo, "bin/nanolm.mjs"), "train", ...args], {
    cwd: repo,
    encoding: "utf8",
  });

describe("nanolm train", () => {
  const maxSteps = 30;

  it("resumes after SIGKILL with the same losses, bit for bit, as an uninterrupted run", async () => {
    const straight = nanolm([writeRunConfig("straight", maxSteps), "--backend", "wasm"]);
    expect(straight.status, straight.stderr).toBe(0);
    const straightOut = join(dir, "straight");
    expect(existsSync(join(straightOut, "best.ckpt"))).toBe(true);
    const expected = readLog(straightOut);
    expect(expected.filter((l) => l.loss !== undefined)).toHaveLength(maxSteps);
    expect(expected.filter((l) => l.val_loss !== undefined)).toHaveLength(maxSteps / 10);

    // The same run, killed once it has written a checkpoint (step 5) and gone a few steps on.
    const config = writeRunConfig("killed", maxSteps);
    const out = join(dir, "killed");
    const child = spawn(
      process.execPath,
      [join(repo, "bin/nanolm.mjs"), "train", config, "--backend", "wasm"],
      { cwd: repo, stdio: "ignore" },
    );
    const exited = new Promise((done) => child.on("exit", done));
    await new Promise<void>((done, fail) => {
      const poll = setInterval(() => {
        const steps = existsSync(join(out, "log.jsonl")) ? readLog(out).length : 0;
        if (steps >= 8 && existsSync(join(out, "last.ckpt"))) {
          clearInterval(poll);
          child.kill("SIGKILL");
          done();
        } else if (child.exitCode !== null) {
          clearInterval(poll);
          fail(new Error(`the run ended (${child.exitCode}) before it could be killed`));
        }
      }, 20);
    });
    await exited;
    const killedAt = readLog(out).filter((l) => l.loss !== undefined).length;
    expect(killedAt).toBeLessThan(maxSteps);

    const resumed = nanolm([config, "--backend", "wasm", "--resume"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from .*last\.ckpt at step \d+/);
    const got = readLog(out);
    const key = (l: LogLine) => JSON.stringify([l.step, l.loss, l.lr, l.val_loss]);
    expect(got.map(key)).toEqual(expected.map(key));

    // Starting over a run that exists needs --resume; resuming nothing is an error too.
    const again = nanolm([config, "--backend", "wasm"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists: pass --resume/);
    expect(again.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const fresh = nanolm([writeRunConfig("never-ran", maxSteps), "--resume"]);
    expect(fresh.status).toBe(1);
    expect(fresh.stderr).toMatch(/nothing to resume/);
  });

  it("LoRA from a base checkpoint trains only the adapters and leaks no tensors", async () => {
    // In-process this time: the loop is a plain function too.
    const base = join(dir, "straight", "best.ckpt");
    const path = join(dir, "lora.json");
    writeFileSync(
      path,
      JSON.stringify({
        model: MINIMAL.model,
        data: { kind: "task", task: "sort" },
        train: { maxSteps: 6, batchSize: 8, lr: 1e-2, warmupSteps: 0, evalEvery: 3 },
        init: { from: base },
        lora: { rank: 2, alpha: 4 },
        out: "lora",
      }),
    );
    const config = loadTrainConfig(path);
    const tensorsBefore = tf.memory().numTensors;
    let output = "";
    const stream = { write: (text: string) => (output += text) };
    const result = await train(config, { backend: "wasm", stream });
    expect(result.step).toBe(6);
    expect(output).toMatch(/model: 10816 parameters \(896 trainable: LoRA\)/);
    // Whatever creating and disposing the model alone leaves behind is model.ts's business; the
    // loop (data, gradients, optimizer, checkpoints) must add nothing to it.
    const modelOnly = tf.memory().numTensors;
    createModel({ ...config.model, vocabSize: 17 }, 0, config.lora).dispose();
    const modelLeftovers = tf.memory().numTensors - modelOnly;
    expect(tf.memory().numTensors - tensorsBefore).toBe(2 * modelLeftovers);

    const before = loadCheckpoint(base);
    const after = loadCheckpoint(join(dir, "lora", "last.ckpt"));
    expect(after.trainable.length).toBe(4 * 2 * MINIMAL.model.nLayer); // wq wk wv wo × A, B
    expect(after.trainable.every((n) => n.includes(".lora_"))).toBe(true);
    for (const [name, t] of before.params) {
      expect(
        Buffer.from(after.params.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)),
        name,
      ).toBe(true);
    }
    // B starts at zero; training moved it.
    expect(after.params.get("layers.0.wq.lora_b")!.data.some((x) => x !== 0)).toBe(true);
    await tf.setBackend("cpu");
  });

  it("stops on a NaN with a clear message, exit status 1, and keeps the last good checkpoint", () => {
    // An absurd learning rate without clipping: step 1 is fine, its update overflows the weights.
    const path = join(dir, "nan.json");
    writeFileSync(
      path,
      JSON.stringify({
        model: { blockSize: 6, nLayer: 1, nEmbd: 16, nHead: 2, nHidden: 16, causal: false },
        data: { kind: "task", task: "sort" },
        train: {
          maxSteps: 10,
          batchSize: 4,
          lr: 1e30,
          warmupSteps: 0,
          gradClip: 0,
          checkpointEvery: 1,
        },
        out: "nan",
      }),
    );
    const run = nanolm([path, "--backend", "wasm"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /training stopped at step 2: the (loss|gradient norm) is (NaN|Infinity)/,
    );
    expect(run.stderr).toMatch(/the last good checkpoint is .*last\.ckpt \(step 1\)/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readLog(join(dir, "nan")).map((l) => l.step)).toEqual([1]);
  });
});
