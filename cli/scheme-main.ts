// Entry point of the bundled Scheme CLI (build/interpreter/scheme-cli.mjs): `scheme` and `repl`
// without loading tsx, so a program starts in well under 0.2 s.
import { schemeCommand, replCommand, SchemeUsageError } from "./scheme.ts";

const [command, ...rest] = process.argv.slice(2);
try {
  process.exitCode = await (command === "repl" ? replCommand(rest) : schemeCommand(rest));
} catch (e) {
  if (e instanceof SchemeUsageError) {
    process.stderr.write(`nanolm: error: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`nanolm: error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
