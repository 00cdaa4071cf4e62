// ab-wasm.ts — is this working tree's WebAssembly engine faster than another commit's? Both run
// in one Node process, taking turns every few tokens, so the host's swings (tens of per cent
// from minute to minute on a shared 2-core VM) fall on both alike; separate processes also get
// different physical pages, which alone moved decode by ~10 % here.
//
//   npx tsx engine-c/bench/ab-wasm.ts [--baseline REV] [--format q8_0|f32] [--threads N]
//        [--rounds N] [--prompt N] [--model PATH]
//
// The baseline is REV's committed engine (engine-c/wasm/, which CI keeps equal to its sources),
// checked out into a temporary git worktree; "ours" is engine-c/wasm/ in this working tree, so
// run `npm run build:wasm` after changing the C sources. Each round resets both engines,
// prefills the same prompt (128 tokens unless --prompt) and decodes 64 greedy tokens, 16 at a time in alternating
// order. Prints each side's median decode speed and the median of the per-round ratios, with
// their spread. The model defaults to bench-engine.ts's generated Nano-168M shape.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { Engine as EngineClass } from "../ts/engine.ts";
import { positiveInt } from "./options.ts";

const engineDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(engineDir, "..");

const USAGE = `usage: ab-wasm.ts [--baseline REV] [--format q8_0|f32] [--threads N] [--rounds N] [--prompt N]
                  [--model PATH]
  --baseline REV  the commit to compare against (default HEAD)
  --format        which generated benchmark model (default q8_0)
  --threads N     engine threads (default 2)
  --rounds N      rounds of prefill + 64 decoded tokens per engine (default 16)
  --prompt N      prompt tokens before the decoded ones (default 128; longer prompts weigh
                  attention more)
  --model PATH    any Nano .bin instead of the generated benchmark model`;

const DECODE_TOKENS = 64;
const TURN_TOKENS = 16;

function fail(message: string): never {
  console.error(`ab-wasm: ${message}`);
  process.exit(1);
}

function parseArgs(argv: string[]) {
  const o = { baseline: "HEAD", format: "q8_0", threads: 2, rounds: 16, prompt: 128, model: "" };
  const int = (s: string | undefined, name: string) => positiveInt(s, name, fail);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--baseline") o.baseline = argv[++i] ?? fail("--baseline needs a revision");
    else if (a === "--format") o.format = argv[++i] ?? "";
    else if (a === "--threads") o.threads = int(argv[++i], a);
    else if (a === "--rounds") o.rounds = int(argv[++i], a);
    else if (a === "--prompt") o.prompt = int(argv[++i], a);
    else if (a === "--model") o.model = argv[++i] ?? fail("--model needs a path");
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${a}\n${USAGE}`);
  }
  if (o.format !== "q8_0" && o.format !== "f32") fail("--format takes q8_0 or f32");
  return o;
}

function git(args: string[]): string {
  const r = spawnSync("git", args, { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) fail(`git ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Newest modification time of the C sources, to catch a working tree whose .wasm is stale. */
function newestSource(): number {
  const src = join(engineDir, "src");
  return Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

interface Side {
  name: string;
  engine: EngineClass;
  tokS: number[];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const model = o.model || join(engineDir, `build/bench/nano-168m-${o.format}.bin`);
  if (!existsSync(model))
    fail(`no model at ${model}: run \`npm run bench:engine\` once to generate it, or pass --model`);
  const ourWasm = join(engineDir, "wasm/nano-engine.wasm");
  if (newestSource() > statSync(ourWasm).mtimeMs)
    console.warn("ab-wasm: engine-c/src is newer than engine-c/wasm: run `npm run build:wasm`?");

  const rev = git(["rev-parse", "--short", o.baseline]);
  const worktree = mkdtempSync(join(tmpdir(), "nanolm-ab-"));
  git(["worktree", "add", "--detach", "--force", worktree, rev]);
  try {
    const bytes = new Uint8Array(readFileSync(model));
    const sides: Side[] = [];
    for (const [name, dir] of [
      [`baseline ${rev}`, worktree],
      ["this tree", repoRoot],
    ] as const) {
      const url = pathToFileURL(join(dir, "engine-c/ts/engine.ts")).href;
      const { Engine } = (await import(url)) as { Engine: typeof EngineClass };
      const engine = await Engine.create({ threads: o.threads });
      const { blockSize } = engine.load(bytes).config;
      if (o.prompt + DECODE_TOKENS > blockSize) {
        engine.dispose();
        throw new Error(
          `--prompt ${o.prompt} plus ${DECODE_TOKENS} decoded tokens exceed the model's block_size ${blockSize}`,
        );
      }
      sides.push({ name, engine, tokS: [] });
    }
    const prompt = Array.from({ length: o.prompt }, (_, i) => 7 + i);
    console.log(
      `${model}, ${o.threads} thread(s): ${o.rounds} rounds of ${o.prompt} prompt + ` +
        `${DECODE_TOKENS} decoded tokens, ${TURN_TOKENS} per turn`,
    );
    for (let round = 0; round < o.rounds; round++) {
      const order = round % 2 ? [...sides].reverse() : sides;
      const logits = new Map<Side, Float32Array>();
      const ms = new Map<Side, number>();
      for (const s of order) {
        s.engine.reset();
        logits.set(s, s.engine.prefill(prompt));
        ms.set(s, 0);
      }
      for (let done = 0; done < DECODE_TOKENS; done += TURN_TOKENS)
        for (const s of order) {
          let l = logits.get(s)!;
          const t0 = performance.now();
          for (let i = 0; i < TURN_TOKENS; i++) l = s.engine.step(argmax(l));
          ms.set(s, ms.get(s)! + performance.now() - t0);
          logits.set(s, l);
        }
      for (const s of sides) s.tokS.push(DECODE_TOKENS / (ms.get(s)! / 1000));
    }
    for (const s of sides)
      console.log(
        `${s.name.padEnd(18)} decode median ${median(s.tokS).toFixed(1)} tok/s ` +
          `(best ${Math.max(...s.tokS).toFixed(1)})`,
      );
    const ratios = sides[1].tokS.map((v, i) => v / sides[0].tokS[i]);
    const sorted = [...ratios].sort((a, b) => a - b);
    const q = (f: number) => sorted[Math.round(f * (sorted.length - 1))];
    console.log(
      `this tree / baseline: median ${median(ratios).toFixed(3)} ` +
        `(rounds' quartiles ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)}, ` +
        `range ${sorted[0].toFixed(3)}–${sorted[sorted.length - 1].toFixed(3)})`,
    );
    for (const s of sides) s.engine.dispose();
  } finally {
    rmSync(worktree, { recursive: true, force: true });
    git(["worktree", "prune"]);
  }
}

// An error (a bad option found late, or the engine's) ends the run with its message, after the
// temporary worktree is gone.
await main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
