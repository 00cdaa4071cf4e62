// Bundles the Scheme CLI (cli/scheme-main.ts and the interpreter) into one ES module with esbuild,
// so `nanolm scheme` starts without compiling TypeScript on the fly. bin/nanolm calls
// `ensureSchemeBundle()` and rebuilds when any source is newer than the bundle.
import { cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "build", "interpreter");
export const schemeBundle = join(outDir, "scheme-cli.mjs");
const sources = [
  join(root, "interpreter", "src"),
  join(root, "cli", "scheme.ts"),
  join(root, "cli", "scheme-main.ts"),
];

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export async function buildSchemeBundle() {
  // Imported only when a rebuild is needed: it is the slowest part of start-up otherwise.
  const { buildSync } = await import("esbuild");
  buildSync({
    entryPoints: [join(root, "cli", "scheme-main.ts")],
    outfile: schemeBundle,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    logLevel: "error",
    // Some dependencies (chevrotain's lodash) expect require() to exist in an ES module.
    banner: {
      js: "import { createRequire as __nanolmRequire } from 'node:module'; const require = __nanolmRequire(import.meta.url);",
    },
  });
  // The prelude (Scheme sources) is read at start-up relative to the module's URL.
  cpSync(
    join(root, "interpreter", "src", "runtime", "prelude"),
    join(outDir, "runtime", "prelude"),
    {
      recursive: true,
    },
  );
}

/** Rebuild the bundle if it is missing or older than any of its sources; return its path. */
export async function ensureSchemeBundle() {
  const built = existsSync(schemeBundle) ? statSync(schemeBundle).mtimeMs : -1;
  if (built < 0 || sources.some((s) => existsSync(s) && newestMtime(s) > built))
    await buildSchemeBundle();
  return schemeBundle;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildSchemeBundle();
  console.log(`built ${schemeBundle}`);
}
