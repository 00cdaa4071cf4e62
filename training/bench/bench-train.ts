// bench-train.ts — training-step speed of a ~1M-parameter Nano model (batch 8 × sequence 128) on
// every tfjs backend available here, and of the same model in PyTorch on the CPU
// (torch_reference.py), in one run. GFLOP/s counts 6 × params × tokens per step (forward 2,
// backward 4), the usual estimate, attention excluded. The last line is one JSON object.
//
// Usage: npm run bench:train [-- --steps N --warmup N --backends wasm,cpu --threads 2,1 --no-torch]
// --threads: the thread counts to run the wasm backend (its matrix products, training/gemm) and
// PyTorch with, each in turn.
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { initBackend, setWasmThreads, wasmThreads } from "../src/backend.ts";
import type { ModelConfig } from "../src/config.ts";
import { createModel, parameterCount } from "../src/model.ts";
import { AdamW, accumulateGradients } from "../src/optim.ts";

/** The benchmark shape: 1.05M parameters, GQA 4/2, SwiGLU 3×, tied classifier. */
const CONFIG: ModelConfig = {
  blockSize: 128,
  vocabSize: 512,
  nLayer: 5,
  nEmbd: 128,
  nHead: 4,
  nKvHead: 2,
  nHidden: 384,
  causal: true,
  dropout: 0,
  tiedEmbeddings: true,
};
const BATCH = 8;
/** Debian's interpreter, which has python3-torch (the `python3` on PATH may not). */
const PYTHON = "/usr/bin/python3";

interface Result {
  backend: string;
  tokens_per_s: number;
  step_ms: number;
  gflop_per_s: number;
  vs_torch?: number;
}

/** Time training steps (forward, backward, Adam update) on the current backend. */
async function timeTfjs(backend: string, warmup: number, steps: number): Promise<Result> {
  const model = createModel(CONFIG, 1);
  // the trainer's own AdamW (optim.ts), as torch_reference.py uses torch.optim.AdamW
  const optimizer = new AdamW(model.params, model.trainable, {
    beta1: 0.9,
    beta2: 0.999,
    weightDecay: 0.1,
  });
  const random = (n: number) =>
    Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % CONFIG.vocabSize);
  const tokens = tf.tensor2d(random(BATCH * CONFIG.blockSize), [BATCH, CONFIG.blockSize], "int32");
  const targets = tf.tensor2d(
    random(BATCH * CONFIG.blockSize).reverse(),
    [BATCH, CONFIG.blockSize],
    "int32",
  );
  const mask = tf.ones([BATCH, CONFIG.blockSize]) as tf.Tensor2D;
  const step = async () => {
    const { grads } = accumulateGradients(
      () => model.loss(tokens, targets, mask),
      1,
      model.params,
      model.trainable,
    ); // reads the loss back: the step's forward and backward have finished
    optimizer.step(grads, 1e-3);
    tf.dispose([...grads.values()]);
    await model.params.get("norm")!.data(); // wait for the update (matters on async backends)
  };
  for (let i = 0; i < warmup; i++) await step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - start) / 1000 / steps;
  optimizer.dispose();
  model.dispose();
  tf.dispose([tokens, targets, mask]);
  return result(backend, seconds);
}

function result(backend: string, secondsPerStep: number): Result {
  const tokensPerS = (BATCH * CONFIG.blockSize) / secondsPerStep;
  return {
    backend,
    tokens_per_s: tokensPerS,
    step_ms: secondsPerStep * 1000,
    gflop_per_s: (6 * parameterCount(CONFIG) * tokensPerS) / 1e9,
  };
}

/** Run torch_reference.py; null (with the reason printed) when torch is not installed. */
function timeTorch(warmup: number, steps: number, threads: number): Result | null {
  const script = fileURLToPath(new URL("./torch_reference.py", import.meta.url));
  if (!existsSync(PYTHON)) {
    console.log(`pytorch: skipped (${PYTHON} not found)`);
    return null;
  }
  const check = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (check.status !== 0) {
    console.log("pytorch: skipped (python3-torch is not installed: apt-get install python3-torch)");
    return null;
  }
  const args = JSON.stringify({ config: CONFIG, batch: BATCH, warmup, steps, threads });
  const run = spawnSync(PYTHON, [script, args], { encoding: "utf8" });
  if (run.status !== 0) {
    console.log(`pytorch: failed\n${run.stderr}`);
    return null;
  }
  const out = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
    step_ms: number;
    threads: number;
  };
  return result(`pytorch (${out.threads} threads)`, out.step_ms / 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      backends: { type: "string", default: "tensorflow,wasm,cpu" },
      threads: { type: "string", default: "2,1" },
      "no-torch": { type: "boolean", default: false },
    },
  });
  const steps = Number(values.steps);
  const threadCounts = values.threads.split(",").map(Number);
  const warmup = Number(values.warmup);
  console.log(
    `Nano ${parameterCount(CONFIG)} params (n_layer ${CONFIG.nLayer}, n_embd ${CONFIG.nEmbd}, ` +
      `heads ${CONFIG.nHead}/${CONFIG.nKvHead}, hidden ${CONFIG.nHidden}, vocab ${CONFIG.vocabSize}), ` +
      `batch ${BATCH} × ${CONFIG.blockSize}`,
  );
  const results: Result[] = [];
  for (const backend of values.backends.split(",")) {
    const started = await initBackend(backend).catch(() => null);
    if (!started) {
      console.log(`${backend}: not available here, skipped`);
      continue;
    }
    // the pure-JS cpu backend is ~20× slower: fewer steps keep the run short
    const slow = backend === "cpu";
    if (wasmThreads() === null) {
      results.push(await timeTfjs(backend, slow ? 1 : warmup, slow ? Math.min(steps, 2) : steps));
      continue;
    }
    for (const threads of threadCounts) {
      setWasmThreads(threads);
      results.push(await timeTfjs(`${backend} (${threads} thr)`, warmup, steps));
    }
  }
  // Each thread count asked for (default 2, then 1: on a busy 2-core machine OpenMP's spinning
  // threads can make 2 slower than 1); ratios are to the fastest PyTorch run.
  const torchRuns = values["no-torch"]
    ? []
    : threadCounts.flatMap((n) => timeTorch(warmup, steps, n) ?? []);
  if (torchRuns.length > 0) {
    const best = Math.max(...torchRuns.map((r) => r.tokens_per_s));
    for (const r of [...results, ...torchRuns]) r.vs_torch = r.tokens_per_s / best;
    results.push(...torchRuns);
  }

  console.log("\nbackend               tokens/s   step ms   GFLOP/s   × pytorch");
  for (const r of results) {
    console.log(
      r.backend.padEnd(20) +
        r.tokens_per_s.toFixed(0).padStart(10) +
        r.step_ms.toFixed(1).padStart(10) +
        r.gflop_per_s.toFixed(2).padStart(10) +
        (r.vs_torch === undefined ? "" : r.vs_torch.toFixed(2).padStart(12)),
    );
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      params: parameterCount(CONFIG),
      batch: BATCH,
      seq: CONFIG.blockSize,
      results: results.map((r) => ({
        backend: r.backend,
        tokens_per_s: round(r.tokens_per_s),
        step_ms: round(r.step_ms),
        gflop_per_s: round(r.gflop_per_s),
        ...(r.vs_torch === undefined ? {} : { vs_torch: round(r.vs_torch) }),
      })),
    }),
  );
}

await main();
