// Shared pieces of the nanolm CLI: argument parsing, errors, and where things live on disk.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Set by scripts/build-interpreter.mjs in the start-up snapshot's bundle, where import.meta.url
 *  does not name this file. */
declare const __NANOLM_ROOT__: string | undefined;

/** The repository root (this file lives in <root>/cli). */
export const repoRoot =
  typeof __NANOLM_ROOT__ === "string"
    ? __NANOLM_ROOT__
    : resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A user-facing error: printed as `nanolm: error: …` with this exit code (2 = usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Where the planners' shared folder is (tests and demos read the real Nano models from it). */
export function sharedDir(): string {
  return process.env.NANOLM_SHARED ?? resolve(repoRoot, "..", "shared");
}

/** Path of a real Nano model from the shared folder, or undefined when it is absent. */
export function sharedModel(name: string): string | undefined {
  const path = join(sharedDir(), "nano-models", name);
  return existsSync(path) ? path : undefined;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parse `argv` strictly against `options`; unknown flags and stray arguments are usage errors. */
export function parseFlags<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
  allowPositionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${usage}`, 2);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    process.stdout.write(usage + "\n");
    process.exit(0);
  }
  if (parsed.positionals.length > allowPositionals) {
    throw new CliError(
      `unexpected argument '${parsed.positionals[allowPositionals]}'\n\n${usage}`,
      2,
    );
  }
  return parsed;
}

/** Parse a numeric flag, checking it is finite and within [min, max] (and an integer if asked). */
export function numberFlag(
  name: string,
  raw: string | undefined,
  { min = -Infinity, max = Infinity, integer = false } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new CliError(`--${name} expects ${integer ? "an integer" : "a number"}, got '${raw}'`, 2);
  }
  if (value < min || value > max) {
    throw new CliError(`--${name} must be between ${min} and ${max}, got ${raw}`, 2);
  }
  return value;
}

/** Require a flag to be present. */
export function required<T>(name: string, value: T | undefined, usage: string): T {
  if (value === undefined) throw new CliError(`--${name} is required\n\n${usage}`, 2);
  return value;
}

/** Check an input file exists before an engine sees it, for a clear message. */
export function existingFile(path: string): string {
  if (!existsSync(path)) throw new CliError(`no such file: ${path}`);
  return path;
}
