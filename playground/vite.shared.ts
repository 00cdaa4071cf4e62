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
 * ES module (worker.format "es", which the Scheme worker needs too): make them module workers. */
const WORKER_NEW = 'new Worker(new URL("nano-engine.worker.js",import.meta.url))';
export const nanoEngineModuleWorkers: Plugin = {
  name: "nano-engine-module-workers",
  enforce: "pre",
  transform(code, id) {
    if (!id.endsWith("/engine-c/wasm/nano-engine.mjs") || !code.includes(WORKER_NEW)) return null;
    return code.replace(WORKER_NEW, WORKER_NEW.slice(0, -1) + ',{type:"module"})');
  },
};
