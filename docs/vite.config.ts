// vite.config.ts — the course's build and dev server. The pages are generated from the Markdown
// chapters (docs/site/pages.ts) and served/built as virtual HTML entries; they run the
// playground's Scheme worker, Monaco and the WebAssembly engine, so this mirrors
// playground/vite.config.ts (module workers, COOP/COEP for the engine's threads, *.bin assets).
// The build goes to playground/dist/course/, so the playground's preview server serves both.
import { defineConfig, type Plugin, type ViteDevServer } from "vite";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { coursePages, courseInputs } from "./site/pages.ts";
import { crossOriginIsolation, nanoEngineModuleWorkers } from "../playground/vite.shared.ts";

const docsRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
/** Only this folder is emptied by a build: never the playground's own files around it. */
export const courseOutDir = resolve(repoRoot, "playground/dist/course");

/** The generated pages as absolute ids under docs/ ("…/docs/en/00-tour.html"). */
function pageMap(): Map<string, string> {
  return new Map(coursePages(docsRoot).map((p) => [join(docsRoot, p.path), p.html]));
}

/* Each page is an HTML entry that exists only here: Vite's HTML pipeline takes it from `load`,
 * bundles its script and writes it under the same relative path. The dev server answers page
 * URLs from the same map and reloads when a chapter changes. */
function coursePagesPlugin(): Plugin {
  let pages = pageMap();
  return {
    name: "nanolm-course-pages",
    enforce: "pre",
    resolveId(id) {
      return pages.has(id) ? id : null;
    },
    load(id) {
      return pages.get(id) ?? null;
    },
    configureServer(server: ViteDevServer) {
      const inputs = courseInputs(docsRoot);
      server.watcher.add(inputs);
      server.watcher.on("change", (file) => {
        if (inputs.some((dir) => file.startsWith(dir))) {
          pages = pageMap();
          server.ws.send({ type: "full-reload" });
        }
      });
      server.middlewares.use(async (req, res, next) => {
        const url = (req.url ?? "/").split("?")[0];
        const path = url.endsWith("/") ? `${url}index.html` : url;
        const html = pages.get(join(docsRoot, decodeURIComponent(path)));
        if (!html) return next();
        res.setHeader("Content-Type", "text/html; charset=utf-8");
        for (const [k, v] of Object.entries(crossOriginIsolation)) res.setHeader(k, v);
        res.end(await server.transformIndexHtml(url, html));
      });
    },
  };
}

export default defineConfig({
  plugins: [nanoEngineModuleWorkers, coursePagesPlugin()],
  root: docsRoot,
  base: "./",
  publicDir: false,
  server: { headers: crossOriginIsolation, fs: { allow: [repoRoot] } },
  preview: { headers: crossOriginIsolation },
  worker: { format: "es" },
  // Model files are bundled as assets (imported with ?url), never inlined.
  assetsInclude: ["**/*.bin"],
  build: {
    outDir: courseOutDir,
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 8192,
    rolldownOptions: { input: [...pageMap().keys()] },
  },
});
