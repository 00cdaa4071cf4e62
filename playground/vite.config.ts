// vite.config.ts — the playground's dev/preview server and build. The WebAssembly engine uses
// threads (SharedArrayBuffer), which browsers grant only to cross-origin-isolated pages: both
// servers send COOP/COEP. The root is playground/; the engine and models are read from the repo.
import { defineConfig, type Plugin } from "vite";
import { fileURLToPath } from "node:url";

const playgroundRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

const crossOriginIsolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/* Emscripten's glue starts its pthread workers as classic workers, but Vite bundles a worker as an
 * ES module (worker.format "es", which the Scheme worker needs too): make them module workers. */
const WORKER_NEW = 'new Worker(new URL("nano-engine.worker.js",import.meta.url))';
const nanoEngineModuleWorkers: Plugin = {
  name: "nano-engine-module-workers",
  enforce: "pre",
  transform(code, id) {
    if (!id.endsWith("/engine-c/wasm/nano-engine.mjs") || !code.includes(WORKER_NEW)) return null;
    return code.replace(WORKER_NEW, WORKER_NEW.slice(0, -1) + ',{type:"module"})');
  },
};

export default defineConfig({
  plugins: [nanoEngineModuleWorkers],
  root: playgroundRoot,
  base: "./",
  server: { headers: crossOriginIsolation, fs: { allow: [repoRoot] } },
  preview: { headers: crossOriginIsolation },
  // The decoder worker (src/wasm-worker.ts) starts the engine's pthread workers too: the same
  // rewrite applies inside worker bundles, whose plugins Vite keeps apart.
  worker: { format: "es", plugins: () => [nanoEngineModuleWorkers] },
  // Model files are bundled as assets (imported with ?url), never inlined.
  assetsInclude: ["**/*.bin"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 8192,
  },
});
