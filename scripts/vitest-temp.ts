// Vitest's global setup: one temporary directory for the whole run, removed when it ends.
//
// The tests make their folders with mkdtemp in os.tmpdir() (generated models, checkpoints, the
// CLI's outputs: tens of MiB a run), and few of them remove what they made. Pointing TMPDIR
// here before the test processes start puts all of it, and whatever the programs the tests
// run write to TMPDIR, in one place that goes when the run does. NANOLM_KEEP_TEMP=1 keeps it
// for a look after a failure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "nanolm-vitest-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.NANOLM_KEEP_TEMP) console.log(`vitest: the tests' temporary files: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
