// Runs after `npm install`: builds the native C engine so `./bin/nanolm` works at once.
// A missing C compiler is not fatal: the CLI explains how to build later, and the
// WebAssembly engine (committed, prebuilt) works without one.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (existsSync(join(root, "engine-c", "Makefile"))) {
  const make = spawnSync("make", ["-s", "-C", join(root, "engine-c"), "native"], {
    stdio: "inherit",
  });
  if (make.status !== 0) {
    console.warn(
      "nanolm: could not build the native engine (needs make and a C11 compiler).\n" +
        "        `./bin/nanolm run --engine wasm …` still works; build later with `npm run build:native`.",
    );
  }
}

// `nanolm scheme` and `nanolm repl` start from a V8 snapshot of a ready interpreter; bin/nanolm
// also rebuilds it on demand, so a failure here is not fatal.
try {
  const { buildSchemeSnapshot } = await import("./build-interpreter.mjs");
  if (existsSync(join(root, "interpreter", "src", "interpreter.ts"))) await buildSchemeSnapshot();
} catch (e) {
  console.warn(
    `nanolm: could not build the Scheme start-up snapshot (${e.message}); bin/nanolm will retry.`,
  );
}
