// `npm run bench:scheme`: times the Scheme benchmarks in this folder with NanoLM and with every
// other Scheme installed here (Guile 3, Chez, chibi), checks that they all print the same thing,
// and prints a table of wall seconds (start-up included) and ratios. The last line is one JSON
// object with every figure, for scripts.
//
//   tsx interpreter/bench/bench-scheme.ts [--runs N] [--only fib,tak,...]
//
// Fairness: each figure is the best of N runs (default 3) of a fresh process. Guile runs with
// auto-compilation, as it normally does, after one untimed warm-up run that fills its compiled-code
// cache, so we compare against compiled Guile rather than its slower interpreter. Chez compiles
// every program as it loads it (`--script`), which is included in its time. The programs have no
// `(import ...)` line because Chez 9.5 has no R7RS libraries; NanoLM and Guile provide the
// standard procedures without one.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, "..", "..");
const nanolmBin = join(repoRoot, "bin", "nanolm");

/** The benchmarks and the target for NanoLM on each, in wall seconds. */
const BENCHMARKS: { name: string; targetSeconds: number }[] = [
  { name: "fib", targetSeconds: 0.3 },
  { name: "tak", targetSeconds: 0.15 },
  { name: "matvec", targetSeconds: 0.7 },
  { name: "softmax", targetSeconds: 0.3 },
  { name: "string", targetSeconds: 0.3 },
  { name: "recursion", targetSeconds: 1.0 },
  { name: "startup", targetSeconds: 0.2 },
];

/** With the debugger attached the target is this many times the plain target. */
const DEBUG_SLOWDOWN_ALLOWED = 5;

interface Runner {
  key: string;
  label: string;
  command: (file: string) => string[];
  /** Run once, untimed, before timing (to fill a compiled-code cache). */
  warmUp?: boolean;
}

interface Measurement {
  seconds: number | null;
  output: string | null;
  error?: string;
}

function which(program: string): boolean {
  return spawnSync("which", [program], { encoding: "utf8" }).status === 0;
}

function runOnce(command: string[]): {
  seconds: number;
  ok: boolean;
  stdout: string;
  stderr: string;
} {
  const started = performance.now();
  const r = spawnSync(command[0], command.slice(1), {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    ok: r.status === 0,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? String(r.error ?? ""),
  };
}

/** A runner is usable when it runs the start-up benchmark successfully. */
function works(runner: Runner): boolean {
  const r = runOnce(runner.command(join(benchDir, "startup.scm")));
  if (!r.ok) console.error(`(${runner.label} skipped: ${firstErrorLine(r.stderr)})`);
  return r.ok;
}

/** The line of a failed run's stderr that best says why (Node ends with its version line). */
function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("Node.js v"));
  return lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? "failed";
}

function availableRunners(): Runner[] {
  const runners: Runner[] = [];
  if (existsSync(nanolmBin)) {
    runners.push({
      key: "nanolm",
      label: "NanoLM",
      command: (f) => [nanolmBin, "scheme", f],
      warmUp: true,
    });
    runners.push({
      key: "nanolmDebug",
      label: "NanoLM+dbg",
      command: (f) => [nanolmBin, "scheme", "--debug-bench", f],
      warmUp: true,
    });
  }
  if (which("guile"))
    runners.push({ key: "guile", label: "Guile", command: (f) => ["guile", f], warmUp: true });
  const chez = ["chezscheme", "scheme"].find(which);
  if (chez) runners.push({ key: "chez", label: "Chez", command: (f) => [chez, "--script", f] });
  if (which("chibi-scheme"))
    runners.push({ key: "chibi", label: "chibi", command: (f) => ["chibi-scheme", f] });
  return runners.filter(works);
}

function measure(runner: Runner, file: string, runs: number): Measurement {
  const command = runner.command(file);
  if (runner.warmUp) runOnce(command);
  let best: Measurement = { seconds: null, output: null };
  for (let i = 0; i < runs; i++) {
    const r = runOnce(command);
    if (!r.ok)
      return {
        seconds: null,
        output: null,
        error: firstErrorLine(r.stderr),
      };
    if (best.seconds === null || r.seconds < best.seconds)
      best = { seconds: r.seconds, output: r.stdout.trim() };
  }
  return best;
}

function parseArgs(argv: string[]): { runs: number; only: Set<string> | null } {
  let runs = 3;
  let only: Set<string> | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === "--only") only = new Set(argv[++i].split(","));
  }
  return { runs, only };
}

const seconds = (x: number | null | undefined): string => (x == null ? "–" : x.toFixed(3));
const times = (x: number | null): string => (x == null ? "–" : `${x.toFixed(1)}×`);
const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null || b == null || b === 0 ? null : a / b;

function main(): void {
  const { runs, only } = parseArgs(process.argv.slice(2));
  const runners = availableRunners();
  const benchmarks = BENCHMARKS.filter((b) => !only || only.has(b.name));
  console.log(
    `runners: ${runners.map((r) => r.label).join(", ") || "none"}; best of ${runs} runs, wall seconds`,
  );

  const results: Record<string, Record<string, unknown>> = {};
  const mismatches: string[] = [];
  for (const bench of benchmarks) {
    const file = join(benchDir, `${bench.name}.scm`);
    const row: Record<string, unknown> = { target: bench.targetSeconds };
    let reference: { label: string; output: string } | null = null;
    for (const runner of runners) {
      const m = measure(runner, file, runs);
      row[runner.key] = m.seconds;
      if (m.error) {
        row[`${runner.key}Error`] = m.error;
        mismatches.push(`${bench.name}: ${runner.label} failed: ${m.error}`);
      } else if (m.output !== null) {
        if (reference === null) reference = { label: runner.label, output: m.output };
        else if (m.output !== reference.output)
          mismatches.push(
            `${bench.name}: ${runner.label} printed ${JSON.stringify(m.output)}, ${reference.label} ${JSON.stringify(reference.output)}`,
          );
      }
    }
    row.output = reference?.output ?? null;
    row.nanolmOverGuile = ratio(row.nanolm as number, row.guile as number);
    row.nanolmOverChez = ratio(row.nanolm as number, row.chez as number);
    row.debugOverPlain = ratio(row.nanolmDebug as number, row.nanolm as number);
    row.meetsTarget = row.nanolm == null ? null : (row.nanolm as number) <= bench.targetSeconds;
    row.debugMeetsTarget =
      row.nanolmDebug == null
        ? null
        : (row.nanolmDebug as number) <= bench.targetSeconds * DEBUG_SLOWDOWN_ALLOWED;
    results[bench.name] = row;
  }

  printTable(results);
  for (const line of mismatches) console.log(`MISMATCH ${line}`);
  console.log(JSON.stringify({ runs, runners: runners.map((r) => r.key), results, mismatches }));
  if (mismatches.length > 0) process.exitCode = 1;
}

function printTable(results: Record<string, Record<string, unknown>>): void {
  const header = [
    "benchmark",
    "NanoLM s",
    "target s",
    "met",
    "NanoLM+dbg s",
    "dbg/plain",
    "Guile s",
    "Chez s",
    "chibi s",
    "NanoLM/Guile",
    "NanoLM/Chez",
  ];
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    seconds(r.nanolm as number),
    seconds(r.target as number),
    r.meetsTarget == null ? "–" : r.meetsTarget ? "yes" : "NO",
    seconds(r.nanolmDebug as number),
    times(r.debugOverPlain as number | null),
    seconds(r.guile as number),
    seconds(r.chez as number),
    seconds(r.chibi as number),
    times(r.nanolmOverGuile as number | null),
    times(r.nanolmOverChez as number | null),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

main();
