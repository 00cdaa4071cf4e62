#!/usr/bin/env node
// NanoLM's one command-line tool (bin/nanolm is the shell front that starts this). Commands load
// the TypeScript CLI through tsx, so `npm install` alone is enough; they live in ../cli/.
// `scheme` and `repl` normally start from a V8 start-up snapshot (bin/nanolm runs it directly);
// this file gets them only when the snapshot is missing or stale: it rebuilds it and reruns.
import { spawnSync } from "node:child_process";

const command = process.argv[2];
if ((command === "scheme" || command === "repl") && !process.env.NANOLM_NO_SNAPSHOT) {
  const { ensureSchemeSnapshot } = await import("../scripts/build-interpreter.mjs");
  let blob;
  try {
    blob = await ensureSchemeSnapshot();
  } catch (e) {
    process.stderr.write(
      `nanolm: warning: no start-up snapshot (${e.message}); running from source\n`,
    );
  }
  if (blob) {
    const args = ["--snapshot-blob", blob, ...process.argv.slice(2)];
    const r = spawnSync(process.execPath, args, { stdio: "inherit" });
    process.exit(r.status ?? 1);
  }
}
const { register } = await import("tsx/esm/api");
register();
await import("../cli/main.ts");
