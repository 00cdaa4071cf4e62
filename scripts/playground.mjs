#!/usr/bin/env node
// `npm start`: build the playground when its sources are newer than the last build, serve it
// with `vite preview` (the COOP/COEP headers the WebAssembly engine's threads need come from
// playground/vite.config.ts's `preview` section), print the URL and keep serving until Ctrl-C.
// The browser tests and the benchmark (playground/e2e/server.ts) use the same two functions.
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const playgroundRoot = join(repoRoot, "playground");
export const playgroundConfig = join(playgroundRoot, "vite.config.ts");

/** What the bundle is made of: a change to any of these makes the build stale. */
const INPUTS = [
  "playground/index.html",
  "playground/vite.config.ts",
  "playground/vite.shared.ts",
  "playground/src",
  "playground/public",
  "interpreter/src",
  "scheme-lib",
  "engine-c/ts",
  "engine-c/wasm",
  "models",
  "package-lock.json",
];

/** Newest modification time (ms) under a file or folder; 0 if it does not exist. */
export function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let latest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "build" || entry === "test" || entry === "bench")
      continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

/** The build folder vite.config.ts names (playground/dist by default). */
async function outDir() {
  const { resolveConfig } = await import("vite");
  const config = await resolveConfig(
    { configFile: playgroundConfig, root: playgroundRoot, logLevel: "silent" },
    "build",
    "production",
  );
  return resolve(config.root, config.build.outDir);
}

/**
 * Build the playground unless the last build is newer than every source it is made of.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ outDir: string, built: boolean, seconds: number }>}
 */
export async function ensureBuilt(options = {}) {
  const log = options.log ?? (() => {});
  if (!existsSync(playgroundConfig)) throw new Error(`no ${playgroundConfig}: nothing to build`);
  const out = await outDir();
  const index = join(out, "index.html");
  const stale =
    options.force ||
    !existsSync(index) ||
    INPUTS.some((p) => newest(join(repoRoot, p)) > statSync(index).mtimeMs);
  if (!stale) return { outDir: out, built: false, seconds: 0 };
  log(`building the playground into ${out} …`);
  const started = performance.now();
  const { build } = await import("vite");
  // Vite empties the output folder; the course (built into dist/course by scripts/docs.mjs) is
  // not the playground's to delete, so it waits beside it and comes back.
  const course = join(out, "course");
  const aside = join(dirname(out), `.course-aside-${process.pid}`);
  const keepCourse = existsSync(course);
  if (keepCourse) renameSync(course, aside);
  try {
    await build({ configFile: playgroundConfig, root: playgroundRoot, logLevel: "warn" });
  } finally {
    if (keepCourse) renameSync(aside, course);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`built in ${seconds.toFixed(1)} s`);
  return { outDir: out, built: true, seconds };
}

/** A TCP port nothing listens on right now. */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Serve the built playground with `vite preview`.
 * @param {{ host?: string, port?: number, strictPort?: boolean }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startPreview(options = {}) {
  const { preview } = await import("vite");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const server = await preview({
    configFile: playgroundConfig,
    root: playgroundRoot,
    logLevel: "warn",
    preview: { host, port, strictPort: options.strictPort ?? false, open: false },
  });
  const address = server.httpServer.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return { url: `http://${host}:${actual}/`, close: () => server.close() };
}

/**
 * `npm start` / `npm run docs`: serve playground/dist on `--host`/`--port` (from the command
 * line `args`) until Ctrl-C or SIGTERM, printing `banner(url)` once it listens.
 * @param {string[]} args
 * @param {number} defaultPort
 * @param {(url: string) => string} banner
 */
export async function serveUntilStopped(args, defaultPort, banner) {
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const server = await startPreview({
    host: option("--host") ?? "127.0.0.1",
    port: Number(option("--port") ?? defaultPort),
  });
  console.log(banner(server.url));
  const stop = async () => {
    setTimeout(() => process.exit(0), 2000).unref(); // open keep-alive connections
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "usage: npm start [-- --port N] [--host H] [--rebuild]\n" +
        "Builds the playground (and the course it links to) if needed and serves it (vite preview)\n" +
        "until Ctrl-C.",
    );
    return;
  }
  // The playground and the course it links to (scripts/docs.mjs builds both when stale).
  const { ensureSiteBuilt } = await import("./docs.mjs");
  await ensureSiteBuilt({ force: args.includes("--rebuild"), log: (line) => console.log(line) });
  await serveUntilStopped(args, 5174, (url) => `NanoLM playground: ${url}   (Ctrl-C to stop)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`nanolm playground: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
