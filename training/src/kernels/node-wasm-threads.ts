// node-wasm-threads.ts — start the tfjs wasm backend's threaded SIMD build (XNNPACK with a
// pthreadpool) under Node, where tfjs 4.22 turns threads off (tfjs#3830). Node-only: it reads the
// package's files and writes a worker script to the temp folder. Three things stand in the way,
// each patched here only for the duration of the backend's start:
//   1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false in Node: we set the flag.
//   2. Emscripten's pthread workers come from a Blob URL, which Node's Worker cannot load, and
//      the worker is sent the main glue as a Blob it tries to read synchronously. We serve the
//      worker (the package's own worker source) from a file, with a wrapper that reads the Blob
//      asynchronously and evaluates it with the bundle's module variables it refers to.
//   3. The backend caps its pool at navigator.hardwareConcurrency / 2 (≥ 1), which is
//      os.cpus().length / 2 in Node: 1 on a 2-core machine. os.cpus is stretched while it starts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs";

/**
 * Runs after the emscripten worker's own code (the worker sees `self`, `require` and `onmessage`
 * as globals, set up by that code). Buffers messages while the glue Blob is read.
 */
const WORKER_WRAPPER = `
;(function () {
  var path = require("path");
  // free variables of the bundled factory (rollup's names for its Node imports)
  Object.assign(globalThis, {
    require$$0: require("fs"), require$$1: path, require$$3: require("perf_hooks"),
    require$$4: require("os"), commonjsGlobal: globalThis,
  });
  var handle = self.onmessage;
  var queue = null;
  self.onmessage = function (e) {
    if (queue) { queue.push(e); return; }
    var d = e.data;
    if (d && d.cmd === "load" && typeof d.urlOrBlob !== "string") {
      queue = [];
      d.urlOrBlob.text().then(function (text) {
        (0, eval)(text);
        var importScripts = self.importScripts;
        self.importScripts = function () {};
        d.urlOrBlob = "";
        try { handle(e); } finally { self.importScripts = importScripts; }
        var waiting = queue; queue = null;
        waiting.forEach(function (m) { self.onmessage(m); });
      });
      return;
    }
    handle(e);
  };
})();
`;

const THREADED = "tfjs-backend-wasm-threaded-simd.wasm";
const BINARIES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", THREADED] as const;
/** `i32.const 1000000`: pthreadpool's spin count before a thread sleeps (3 sites: the pool's
 * wait for its workers, a worker's wait for work, and the caller's wait in parallelize). */
const SPIN_CONST = [0x41, 0xc0, 0x84, 0x3d];

/** Workers emscripten starts (and loads) with the runtime, in tfjs 4.22's build. */
const PTHREAD_POOL_SIZE = 8;

let tempDir: string | null = null;
/** A folder for this process's patched files, removed when the process exits. */
function temp(): string {
  if (tempDir) return tempDir;
  const dir = mkdtempSync(join(os.tmpdir(), "nanolm-wasm-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return (tempDir = dir);
}

/**
 * A copy of the threaded binary whose threads spin `spins` times (not 1 000 000) before they
 * block. On a busy machine a spinning thread takes the core its partner needs. The original path
 * when the binary does not hold exactly the expected sites.
 */
function patchSpinCount(original: string, spins: number): string {
  const bytes = readFileSync(original);
  const sites: number[] = [];
  for (let i = bytes.indexOf(SPIN_CONST[0]); i >= 0; i = bytes.indexOf(SPIN_CONST[0], i + 1)) {
    if (SPIN_CONST.every((b, k) => bytes[i + k] === b)) sites.push(i);
  }
  if (sites.length !== 3 || spins < 0 || spins >= 1 << 21) return original;
  // the same 3-byte LEB128 width, so nothing else moves
  const leb = [(spins & 0x7f) | 0x80, ((spins >> 7) & 0x7f) | 0x80, (spins >> 14) & 0x7f];
  for (const i of sites) bytes.set(leb, i + 1);
  const file = join(temp(), THREADED);
  writeFileSync(file, bytes);
  return file;
}

let workerFile: string | null = null;

/** Write the pthread worker script once per process; its path. */
function writeWorkerFile(): string {
  if (workerFile) return workerFile;
  const require = createRequire(import.meta.url);
  const bundle = readFileSync(require.resolve("@tensorflow/tfjs-backend-wasm"), "utf8");
  const match = /var wasmWorkerContents = ("(?:[^"\\]|\\.)*");/.exec(bundle);
  if (!match) throw new Error("tfjs-backend-wasm: worker source not found in its bundle");
  // as tfjs does for its Blob: the source holds "\n" escapes that must stay escapes
  const source = (JSON.parse(match[1]) as string).replace(/\n/g, "\\n");
  const file = join(temp(), "pthread-worker.cjs");
  writeFileSync(file, source + WORKER_WRAPPER);
  return (workerFile = file);
}

/** The backend package's functions we call. */
interface WasmPackage {
  setThreadsCount(n: number): void;
  setWasmPaths(paths: string | Record<string, string>): void;
}

/**
 * Patch what the threaded build needs for `threads` XNNPACK threads (the caller counts as one)
 * that spin `spins` times before they sleep, point tfjs at the binaries in `distDir` (a folder
 * ending in "/"), set its flag, and return the function that undoes the patches: call it once
 * tf.setBackend("wasm") has settled.
 */
export function prepareNodeWasmThreads(
  tfEnv: tf.Environment,
  wasm: WasmPackage,
  distDir: string,
  threads: number,
  spins: number,
): () => void {
  const file = writeWorkerFile();
  const paths: Record<string, string> = {};
  for (const name of BINARIES) paths[name] = distDir + name;
  paths[THREADED] = patchSpinCount(paths[THREADED], spins);
  wasm.setWasmPaths(paths);
  tfEnv.set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  // the only Blob URL made while the backend starts is the pthread worker's
  URL.createObjectURL = (obj: Blob) => (obj instanceof Blob ? file : createObjectURL(obj));
  const cpus = os.cpus;
  os.cpus = () => {
    const list = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => list[i % list.length]);
  };
  return () => {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    // the runtime starts once its pool of 8 workers has loaded; more threads load files later
    if (threads <= PTHREAD_POOL_SIZE && tempDir) {
      rmSync(tempDir, { recursive: true, force: true });
      tempDir = workerFile = null;
    }
  };
}

/**
 * Let the process exit while XNNPACK's threads wait for work: emscripten keeps a running pthread's
 * worker referenced, and the pool's threads never end. Call after the backend has started.
 */
export function unrefPthreadWorkers(module: unknown): void {
  const pthread = (module as { PThread?: { runningWorkers?: { unref(): void }[] } }).PThread;
  for (const worker of pthread?.runningWorkers ?? []) worker.unref();
}

/** Threads to ask for: NANOLM_WASM_THREADS, else the cores available (at most 4). */
export function defaultWasmThreads(): number {
  // One thread unless asked: on this project's 2-core machines the second XNNPACK thread was
  // within measurement noise (bench/README.md), and the threaded start-up patches tfjs at run
  // time (see above), which a default should not depend on until it has proved itself.
  const asked = Number(process.env.NANOLM_WASM_THREADS);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, os.availableParallelism());
  return 1;
}

/** Spins before a waiting thread sleeps: NANOLM_WASM_SPINS, else 2000 (≈ tens of µs). */
export function defaultWasmSpins(): number {
  const asked = Number(process.env.NANOLM_WASM_SPINS);
  return Number.isInteger(asked) && asked >= 0 ? asked : 2000;
}
