#!/usr/bin/env node
// `npm run docs`: build the playground and the course when their sources are newer than the last
// build, serve playground/dist with `vite preview` (the playground's config, which sends the
// COOP/COEP headers the WebAssembly engine's threads need) and print the course's URL.
// `npm run build:docs` (this script with --build-only) builds the course alone. The course's
// browser tests (docs/e2e/) use the same functions.
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, newest, repoRoot, serveUntilStopped, startPreview } from "./playground.mjs";

export const docsRoot = join(repoRoot, "docs");
export const docsConfig = join(docsRoot, "vite.config.ts");
/** Where the course is built: inside the playground's build, served at /course/. */
export const courseOutDir = join(repoRoot, "playground", "dist", "course");

/** What the course's bundle is made of (the playground's sources it imports included). */
const INPUTS = [
  "docs/content",
  "docs/AUTHORING.md",
  "docs/vite.config.ts",
  "playground/vite.shared.ts",
  "docs/site",
  "docs/src",
  "docs/lib",
  "playground/src",
  "interpreter/src",
  "scheme-lib",
  "engine-c/ts",
  "engine-c/wasm",
  "training/src",
  "models",
  "package-lock.json",
];

/**
 * Build the course into playground/dist/course/ unless the last build is newer than every source.
 * Only that folder is replaced; the playground's files around it are left alone.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ outDir: string, built: boolean, seconds: number }>}
 */
export async function ensureCourseBuilt(options = {}) {
  const log = options.log ?? (() => {});
  const index = join(courseOutDir, "index.html");
  const stale =
    options.force ||
    !existsSync(index) ||
    INPUTS.some((p) => newest(join(repoRoot, p)) > statSync(index).mtimeMs);
  if (!stale) return { outDir: courseOutDir, built: false, seconds: 0 };
  log(`building the course into ${courseOutDir} …`);
  const started = performance.now();
  const { build } = await import("vite");
  // Built beside the served folder and swapped in at once: a server already serving the course
  // (another test run, a classroom) never sees a half-written or missing folder.
  const staging = join(dirname(courseOutDir), `.course-${process.pid}-${Date.now()}`);
  try {
    await build({
      configFile: docsConfig,
      root: docsRoot,
      logLevel: "warn",
      build: { outDir: staging, emptyOutDir: true },
    });
    // Stamped with the build's start: a chapter saved during the build makes it stale again.
    const startedAt = new Date(Date.now() - (performance.now() - started));
    utimesSync(join(staging, "index.html"), startedAt, startedAt);
    swapIn(staging, courseOutDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  log(`built in ${seconds.toFixed(1)} s`);
  return { outDir: courseOutDir, built: true, seconds };
}

/** How long a replaced build's assets stay servable (pages loaded just before a swap load their
 *  scripts, workers and models within seconds). */
const OLD_ASSETS_MS = 10 * 60 * 1000;

/** Replace `target` by the finished build `fresh`, keeping the last build's recent assets. */
function swapIn(fresh, target) {
  const old = `${fresh}.old`;
  if (existsSync(target)) {
    renameSync(target, old);
    const oldAssets = join(old, "assets");
    const newAssets = join(fresh, "assets");
    if (existsSync(oldAssets) && existsSync(newAssets))
      for (const name of readdirSync(oldAssets)) {
        const from = join(oldAssets, name);
        const to = join(newAssets, name);
        if (!existsSync(to) && Date.now() - statSync(from).mtimeMs < OLD_ASSETS_MS)
          renameSync(from, to);
      }
  }
  renameSync(fresh, target);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Build what is stale: the playground first (its build empties playground/dist, course included),
 * then the course.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 */
export async function ensureSiteBuilt(options = {}) {
  const playground = await ensureBuilt(options);
  const course = await ensureCourseBuilt({ ...options, force: options.force || playground.built });
  return { playground, course, seconds: playground.seconds + course.seconds };
}

/**
 * Build what is stale and serve playground/dist (the playground at /, the course at /course/).
 * @param {{ host?: string, port?: number, strictPort?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, courseUrl: string, buildSeconds: number, close: () => Promise<void> }>}
 */
export async function startCourse(options = {}) {
  const { seconds } = await ensureSiteBuilt({ log: options.log });
  const server = await startPreview(options);
  return {
    url: server.url,
    courseUrl: `${server.url}course/`,
    buildSeconds: seconds,
    close: server.close,
  };
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "usage: npm run docs [-- --port N] [--host H] [--rebuild]\n" +
        "       npm run build:docs            (build the course only)\n" +
        "Builds the playground and the course if needed and serves both (vite preview) until Ctrl-C.",
    );
    return;
  }
  const log = (line) => console.log(line);
  const force = args.includes("--rebuild");
  if (args.includes("--build-only")) {
    await ensureCourseBuilt({ force: true, log });
    return;
  }
  await ensureSiteBuilt({ force, log });
  await serveUntilStopped(
    args,
    5175,
    (url) => `NanoLM course: ${url}course/   (playground: ${url}; Ctrl-C to stop)`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`nanolm docs: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
