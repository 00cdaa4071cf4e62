// Entry point of the Scheme CLI's start-up snapshot (build/interpreter/scheme.blob).
//
// `node --build-snapshot` runs this file once: it builds a whole interpreter — builtins, expander,
// and the compiled prelude — and V8 saves the heap. `bin/nanolm scheme|repl` then starts Node
// from that heap (`node --snapshot-blob …`), so a program begins running ~0.1 s sooner than if
// every start re-read, re-expanded and re-compiled the prelude. `run` and `seq2seq` with
// `--engine scheme` start here too: the Scheme engine then needs no TypeScript compiled at start.
import * as v8 from "node:v8";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { consoleInterpreter, replCommand, schemeCommand, SchemeUsageError } from "./scheme.ts";
import { CliError } from "./common.ts";
import { runCommand, seq2seqCommand } from "./run.ts";
import { useSchemeInterpreter } from "./run-scheme.ts";
import { resetClock } from "../interpreter/src/runtime/system.ts";

/** The repository the snapshot was built from (set by scripts/build-interpreter.mjs). */
declare const __NANOLM_ROOT__: string;

const prebuilt = consoleInterpreter([], ["nanolm"]);

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when a source file changed after the snapshot was built (a developer edited it). */
function snapshotIsStale(blob: string): boolean {
  const sources = [join(__NANOLM_ROOT__, "interpreter", "src"), join(__NANOLM_ROOT__, "cli")];
  if (!existsSync(blob) || !sources.every(existsSync)) return false;
  const built = statSync(blob).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

async function main(argv: string[]): Promise<number> {
  const blob = join(__NANOLM_ROOT__, "build", "interpreter", "scheme.blob");
  if (snapshotIsStale(blob)) {
    // Rebuild and rerun through the ordinary entry point, which knows how.
    const { spawnSync } = process.getBuiltinModule("node:child_process");
    const r = spawnSync(process.execPath, [join(__NANOLM_ROOT__, "bin", "nanolm.mjs"), ...argv], {
      stdio: "inherit",
    });
    return r.status ?? 1;
  }
  resetClock();
  const [command, ...rest] = argv;
  const reuse = (libPath: string[], commandLine: string[]) => {
    prebuilt.configure({ searchPath: libPath, commandLine });
    return prebuilt;
  };
  useSchemeInterpreter((libPath) => reuse(libPath, ["nanolm"]));
  try {
    // bin/nanolm sends `run` and `seq2seq` here only with --engine scheme.
    if (command === "run") return await runCommand(rest);
    if (command === "seq2seq") return await seq2seqCommand(rest);
    return await (command === "repl" ? replCommand(rest, reuse) : schemeCommand(rest, reuse));
  } catch (e) {
    if (e instanceof SchemeUsageError || e instanceof CliError) {
      process.stderr.write(`nanolm: error: ${e.message}\n`);
      return e instanceof CliError ? e.exitCode : 2;
    }
    process.stderr.write(`nanolm: error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // With --snapshot-blob there is no script argument: argv[1] is the command (scheme or repl).
  main(process.argv.slice(1)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + "\n");
      process.exitCode = 1;
    },
  );
});
