// backend.ts — pick the fastest TensorFlow.js backend that works here: tfjs-node (native
// TensorFlow, an optional dependency that may not have installed), else wasm (with our kernel
// fixes, kernels.ts, and our threaded matrix product, kernels/gemm.ts), else the pure-JS cpu
// backend. It prints nothing; callers print the name.
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import os from "node:os";
import { registerWasmKernels, useWasmGemm } from "./kernels.ts";
import { WasmGemm } from "./kernels/gemm.ts";

/** Backends in the order we try them. */
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;

// tfjs-node is optional: the name in a variable keeps tsc from requiring its types.
const TFJS_NODE = "@tensorflow/tfjs-node";

/** Load tfjs-node if it installed; true when its "tensorflow" backend is now registered. */
async function loadTfjsNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE);
    return tf.findBackendFactory("tensorflow") !== null;
  } catch {
    return false;
  }
}

/** The folder (ending in "/") of the .wasm binaries in node_modules (the browser sets its own). */
function nodeWasmDir(): string {
  const require = createRequire(import.meta.url);
  const wasmFile = require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm");
  return dirname(wasmFile) + "/";
}

/** Switch tfjs to one backend by name; false when it cannot start here. */
async function trySetBackend(name: string): Promise<boolean> {
  if (name === "tensorflow" && !(await loadTfjsNode())) return false;
  if (name === "wasm") return trySetWasm();
  return setBackend(name);
}

async function setBackend(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** The most threads our matrix product may use (its pool of workers is made this big). */
const MAX_WASM_THREADS = 4;

/**
 * Threads for the wasm backend's matrix products: NANOLM_WASM_THREADS, else the cores here (at
 * most MAX_WASM_THREADS). The pool spins briefly and then sleeps (engine-c/src/threads.c), and the
 * caller takes over chunks a descheduled worker has not started, so a busy machine costs little.
 */
export function defaultWasmThreads(): number {
  const asked = Number(process.env.NANOLM_WASM_THREADS);
  const cores = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_WASM_THREADS) : cores;
}

/** Our matrix product, loaded once with the wasm backend (null until then, or if it failed). */
let gemm: WasmGemm | null = null;

/**
 * Start the wasm backend: tfjs's single-threaded SIMD build, with our kernels (kernels.ts) and
 * our threaded matrix product (kernels/gemm.ts), which does the bulk of a training step's work.
 * If the product cannot load, the backend runs with its own (patched) products.
 */
async function trySetWasm(): Promise<boolean> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  registerWasmKernels(); // before the backend starts, so the kernels' setup runs with it
  if (!gemm) {
    try {
      gemm = await WasmGemm.create(MAX_WASM_THREADS, defaultWasmThreads());
    } catch (error) {
      console.warn(`nano-gemm did not load (${(error as Error).message}); using tfjs's matmul`);
    }
  }
  useWasmGemm(gemm);
  if (tf.findBackend("wasm")) return setBackend("wasm"); // started before
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // XNNPACK's threads: our product has its own
  try {
    wasm.setWasmPaths(nodeWasmDir());
  } catch {
    // set before (tfjs accepts paths once); the same binaries
  }
  return setBackend("wasm");
}

/** Threads of the wasm backend's matrix products when it runs with ours, else null. */
export function wasmThreads(): number | null {
  return tf.getBackend() === "wasm" && gemm ? gemm.threads : null;
}

/** Set the threads of the wasm backend's matrix products (1..MAX_WASM_THREADS). */
export function setWasmThreads(threads: number): void {
  if (!gemm) throw new Error("the wasm backend runs without nano-gemm: no threads to set");
  gemm.setThreads(threads);
}

/**
 * Start the preferred backend (`prefer`: "tensorflow"/"node", "wasm" or "cpu"), or the first of
 * BACKENDS that works, and return its name. A preferred backend that cannot start is an error.
 */
export async function initBackend(prefer?: string): Promise<string> {
  // PROD silences tfjs's "install tfjs-node" banner and its debug checks
  tf.env().set("PROD", true);
  if (prefer !== undefined) {
    const name = prefer === "node" || prefer === "tfjs-node" ? "tensorflow" : prefer;
    if (!(BACKENDS as readonly string[]).includes(name)) {
      throw new Error(`unknown backend "${prefer}" (choose tensorflow, wasm or cpu)`);
    }
    if (!(await trySetBackend(name))) {
      throw new Error(
        name === "tensorflow"
          ? "the tensorflow backend needs @tensorflow/tfjs-node, which is not installed here"
          : `the ${name} backend could not start here`,
      );
    }
    return name;
  }
  for (const name of BACKENDS) if (await trySetBackend(name)) return name;
  throw new Error("no TensorFlow.js backend could start");
}
