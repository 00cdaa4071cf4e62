// Builds the Scheme CLI's start-up snapshot: esbuild bundles cli/scheme-snapshot.ts (and the whole
// interpreter) into one CommonJS file, then `node --build-snapshot` runs it — building the
// interpreter and compiling the prelude — and saves the heap to build/interpreter/scheme.blob.
// bin/nanolm starts `scheme` and `repl` from that blob. Run by postinstall, by `npm run
// build:scheme`, and by bin/nanolm.mjs whenever a source is newer than the blob.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "build", "interpreter");
export const schemeBlob = join(outDir, "scheme.blob");
const bundle = join(outDir, "scheme-snapshot.cjs");
const sources = [join(root, "interpreter", "src"), join(root, "cli")];

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * chevrotain (and its lodash-es) are ES modules without a `sideEffects: false` declaration, so
 * esbuild keeps all of them although the reader uses only the lexer. Declaring them pure lets it
 * drop the parser half: a smaller heap to deserialize at every start.
 */
const lexerOnly = {
  name: "lexer-only",
  setup(build) {
    const deps = /^(chevrotain|lodash-es|@chevrotain\/)/;
    const inDeps = /node_modules[\\/](chevrotain|lodash-es|@chevrotain)/;
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.inner) return undefined;
      if (!deps.test(args.path) && !inDeps.test(args.importer)) return undefined;
      const resolved = await build.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: { inner: true },
      });
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * chevrotain's lexer maps each char code to a bucket through a 65536-element array it fills at
 * start (`i > 255 ? 255 + ~~(i / 255) : i`): half a megabyte of heap that every start would
 * deserialize, for a value cheaper to compute than to load. The bundle computes it instead; the
 * lexer's results are the same. Returns null for a lexer.js this does not recognize (another
 * chevrotain version): the bundle then keeps the array (a bigger snapshot, nothing worse).
 */
export function withComputedCharBuckets(source) {
  const lookup = ": charCodeToOptimizedIdxMap[charCode];";
  const fill = /if \(isEmpty\(charCodeToOptimizedIdxMap\)\) \{/;
  if (!source.includes(lookup) || !fill.test(source)) return null;
  return source.replace(lookup, ": 255 + ~~(charCode / 255);").replace(fill, "if (false) {");
}

const computedCharBuckets = {
  name: "computed-char-buckets",
  setup(build) {
    build.onLoad({ filter: /chevrotain[\\/]lib[\\/]src[\\/]scan[\\/]lexer\.js$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const contents = withComputedCharBuckets(await readFile(args.path, "utf8"));
      return contents === null ? undefined : { contents, loader: "js" };
    });
  },
};

export async function buildSchemeSnapshot() {
  const { build } = await import("esbuild");
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "cli", "scheme-snapshot.ts")],
    outfile: bundle,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    logLevel: "error",
    // Minified (names kept, for stack traces): less source to keep in the snapshot.
    minify: true,
    keepNames: true,
    plugins: [lexerOnly, computedCharBuckets],
    // Only `--engine scheme` runs from the snapshot: the other engines stay out of it.
    external: ["./run-wasm.ts", "./native.ts"],
    define: {
      __NANOLM_ROOT__: JSON.stringify(root),
      // The prelude is read (at snapshot-build time) relative to interpreter/src/node.ts.
      "import.meta.url": JSON.stringify(
        "file://" + join(root, "interpreter", "src", "node.ts").replaceAll("\\", "/"),
      ),
    },
  });
  // Build into a temporary name and rename, so a concurrent run never sees half a blob.
  const tmp = `${schemeBlob}.${process.pid}.tmp`;
  const r = spawnSync(process.execPath, ["--snapshot-blob", tmp, "--build-snapshot", bundle], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`node --build-snapshot failed (status ${r.status})`);
  renameSync(tmp, schemeBlob);
}

/** Rebuild the snapshot if it is missing or older than any source; return its path. */
export async function ensureSchemeSnapshot() {
  const built = existsSync(schemeBlob) ? statSync(schemeBlob).mtimeMs : -1;
  if (built < 0 || sources.some((s) => existsSync(s) && newestMtime(s) > built))
    await buildSchemeSnapshot();
  return schemeBlob;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildSchemeSnapshot();
  console.log(`built ${schemeBlob}`);
}
