// Test helpers: locating the real Nano models and the built engines, and running the CLI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeModel } from "../ts/format.ts";
import { makeSyntheticModel } from "../ts/synthetic.ts";

export const repoRoot = resolve(import.meta.dirname, "..", "..");
export const sharedDir = process.env.NANOLM_SHARED ?? resolve(repoRoot, "..", "shared");
export const nativeEngine = join(repoRoot, "engine-c", "build", "native", "nanolm-engine");
export const asanEngine = join(repoRoot, "engine-c", "build", "asan", "nanolm-engine");
export const nanolmBin = join(repoRoot, "bin", "nanolm");

/** Path of a real Nano model in ../shared, or undefined (and a visible warning) when absent. */
export function sharedModel(name: string): string | undefined {
  const path = join(sharedDir, "nano-models", name);
  if (existsSync(path)) return path;
  console.warn(`SKIPPED: ${name} not found in ${sharedDir}/nano-models (set NANOLM_SHARED)`);
  return undefined;
}

/** Read a real model's bytes (caller checked it exists). */
export function modelBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** A fresh temporary directory for files a test writes. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "nanolm-test-"));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion and capture its output. */
export function run(program: string, args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(program, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Environment for ASan/UBSan runs: fail loudly on any report, including leaks. */
export const sanitizerEnv = {
  ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0:exitcode=99",
  UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1:exitcode=98",
};

/** Golden facts about the shared models (NANO-FORMAT.md §7). */
export const PSYCHO_PROMPT = "人类的本质是";
export const PSYCHO_PROMPT_IDS = [192, 561, 187, 293, 673, 190];
export const PSYCHO_GREEDY_PREFIX = [188, 589, 203, 370, 187, 943];

/**
 * Small synthetic models whose shapes reach the edges of the kernels' layouts (kernels.c): rows
 * after the last whole 16-row tile (vocab 300, kv_dim 8 and 100, n_hidden 52), Q8_0 group sizes
 * of 8, 4 and 64, tied and untied classifiers. The tests that every build computes the same
 * bits run on them.
 */
export const EDGE_SHAPES = [
  { nEmbd: 40, nHead: 5, nKvHead: 1, nHidden: 52, groupSize: 128, shared: true },
  { nEmbd: 100, nHead: 5, nKvHead: 5, nHidden: 52, groupSize: 4, shared: false },
  { nEmbd: 128, nHead: 4, nKvHead: 2, nHidden: 256, groupSize: 64, shared: true },
] as const;

/**
 * A model shape whose every matrix is big enough to be split between two threads (over 64 KiB),
 * with head_dim 64 (4 units of 16 rows for the Q/K/V cut) and a classifier whose 300 rows end
 * inside a 16-row tile: the tests of how two threads share the work run on it.
 */
export const CUT_SHAPE = {
  blockSize: 64,
  vocabSize: 300,
  nLayer: 2,
  nEmbd: 256,
  nHead: 4,
  nKvHead: 2,
  nHidden: 768,
} as const;

/** The `.bin` bytes of EDGE_SHAPES[index] in the given storage. */
export function edgeShapeModel(index: number, quant: "f32" | "q8_0"): Uint8Array {
  const shape = EDGE_SHAPES[index];
  return writeModel(
    makeSyntheticModel({
      config: {
        blockSize: 40,
        vocabSize: 300,
        nLayer: 2,
        nEmbd: shape.nEmbd,
        nHead: shape.nHead,
        nKvHead: shape.nKvHead,
        nHidden: shape.nHidden,
        isSharedClassifier: shape.shared,
      },
      quant,
      groupSize: shape.groupSize,
      seed: 5 + index,
    }),
  );
}
