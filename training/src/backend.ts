// backend.ts — pick the fastest TensorFlow.js backend that works here: tfjs-node (native
// TensorFlow, an optional dependency that may not have installed), else wasm (with our kernel
// fixes, kernels.ts, and in Node its threaded build, kernels/node-wasm-threads.ts), else the
// pure-JS cpu backend. It prints nothing; callers print the name.
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { registerWasmKernels } from "./kernels.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  defaultWasmSpins,
  defaultWasmThreads,
  prepareNodeWasmThreads,
  unrefPthreadWorkers,
} from "./kernels/node-wasm-threads.ts";

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

/**
 * Start the wasm backend, with XNNPACK threads when more than one is asked for
 * (NANOLM_WASM_THREADS, default 1): the threaded SIMD build, which tfjs
 * disables in Node (kernels/node-wasm-threads.ts). Falls back to the single-threaded build.
 */
async function trySetWasm(): Promise<boolean> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  registerWasmKernels(); // before the backend starts, so the kernels' setup runs with it
  if (tf.findBackend("wasm")) return setBackend("wasm"); // started before
  const dir = nodeWasmDir();
  const threads = defaultWasmThreads();
  if (threads > 1) {
    const restore = prepareNodeWasmThreads(tf.env(), wasm, dir, threads, defaultWasmSpins());
    try {
      if (await setBackend("wasm")) {
        unrefPthreadWorkers((tf.backend() as BackendWasm).wasm);
        return true;
      }
    } finally {
      restore();
    }
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasm.setThreadsCount(1);
  }
  try {
    wasm.setWasmPaths(dir);
  } catch {
    // after a failed start tfjs refuses new paths; the map set above names the same binaries
  }
  return setBackend("wasm");
}

/** XNNPACK threads of the running wasm backend (1 for the single-threaded build), else null. */
export async function wasmThreads(): Promise<number | null> {
  if (tf.getBackend() !== "wasm") return null;
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  return wasm.getThreadsCount();
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
