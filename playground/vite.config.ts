// vite.config.ts — the playground's dev/preview server and build. The WebAssembly engine uses
// threads (SharedArrayBuffer), which browsers grant only to cross-origin-isolated pages: both
// servers send COOP/COEP. The root is playground/; the engine and models are read from the repo.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";
import { crossOriginIsolation, nanoEngineModuleWorkers } from "./vite.shared.ts";

const playgroundRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

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
