// The native C engine as seen from the CLI: find (or build) `nanolm-engine` and hand it argv.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CliError, repoRoot } from "./common.ts";

/** Path of the optimized native engine binary built by `npm run build:native`. */
export const nativeEnginePath = join(repoRoot, "engine-c", "build", "native", "nanolm-engine");

/** Return the native binary, building it first if a fresh checkout has not built it yet. */
export function ensureNativeEngine(): string {
  if (!existsSync(nativeEnginePath)) {
    process.stderr.write("nanolm: building the native engine (first use)…\n");
    const make = spawnSync("make", ["-s", "-C", join(repoRoot, "engine-c"), "native"], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (make.status !== 0 || !existsSync(nativeEnginePath)) {
      throw new CliError(
        "the native engine could not be built (needs make and a C11 compiler); " +
          "use --engine wasm, or fix the build and run `npm run build:native`",
      );
    }
  }
  return nativeEnginePath;
}

/** Run the native engine with these arguments, streaming its output; returns its exit code. */
export function runNative(args: string[]): number {
  const result = spawnSync(ensureNativeEngine(), args, { stdio: "inherit" });
  if (result.error)
    throw new CliError(`could not start the native engine: ${result.error.message}`);
  if (result.signal) throw new CliError(`the native engine was killed by ${result.signal}`);
  return result.status ?? 1;
}
