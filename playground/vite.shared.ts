// What the playground's and the course's Vite configs share: both pages run the WebAssembly engine
// with threads and bundle the Scheme worker.
import type { Plugin } from "vite";

/* Threads (SharedArrayBuffer) are granted only to cross-origin-isolated pages: every server that
 * serves the playground or the course sends these. */
export const crossOriginIsolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/* Emscripten's glue starts its pthread workers as classic workers, but Vite bundles a worker as an
 * ES module (worker.format "es", which the Scheme worker needs too): make them module workers.
 * Both of our Emscripten modules: the engine, and the trainer's nano-gemm (docs' train-sort). */
const EMSCRIPTEN_GLUE: Record<string, string> = {
  "/engine-c/wasm/nano-engine.mjs": 'new Worker(new URL("nano-engine.worker.js",import.meta.url))',
  "/training/gemm/nano-gemm.mjs": 'new Worker(new URL("nano-gemm.worker.js",import.meta.url))',
};
export const nanoEngineModuleWorkers: Plugin = {
  name: "nano-engine-module-workers",
  enforce: "pre",
  transform(code, id) {
    const glue = Object.keys(EMSCRIPTEN_GLUE).find((suffix) => id.endsWith(suffix));
    const workerNew = glue && EMSCRIPTEN_GLUE[glue];
    if (!workerNew || !code.includes(workerNew)) return null;
    return code.replace(workerNew, workerNew.slice(0, -1) + ',{type:"module"})');
  },
};
