// Stand-in for interpreter/test/helpers.ts that runs each case through Guile 3 (R7RS mode), so the
// expectations of the conformance tests can be checked against a real Scheme.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const printLastValue = fileURLToPath(new URL("./print-last-value.scm", import.meta.url));
const caseDir = join(tmpdir(), "nanolm-guile-cases");
mkdirSync(caseDir, { recursive: true });
const VALUE_MARK = "\x1e"; // print-last-value.scm writes this before the value

let caseCount = 0;

function runGuile(source: string, mode: "eval" | "run"): { out: string; ok: boolean; err: string } {
  const file = join(caseDir, `case-${process.pid}-${caseCount++}.scm`);
  writeFileSync(file, source);
  const args = ["--r7rs", "--no-auto-compile", printLastValue, file, mode];
  const r = spawnSync("guile", args, { encoding: "utf8", timeout: 120_000 });
  rmSync(file, { force: true });
  return { out: r.stdout ?? "", ok: r.status === 0, err: r.stderr ?? "" };
}

export function evalScheme(source: string): string {
  const r = runGuile(source, "eval");
  if (!r.ok) throw new Error("guile failed: " + r.err.slice(-600));
  return r.out.slice(r.out.lastIndexOf(VALUE_MARK) + 1);
}

export function runScheme(source: string): string {
  const r = runGuile(source, "run");
  if (!r.ok) throw new Error("guile failed: " + r.err.slice(-600));
  return r.out;
}

export function schemeFailure(source: string): {
  message: string;
  report: string;
  payload: unknown;
} {
  const r = runGuile(source, "run");
  if (r.ok) throw new Error("expected the program to fail, but it succeeded");
  return { message: r.err, report: r.err, payload: null };
}
