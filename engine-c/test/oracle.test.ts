// The C engine against an oracle: the plain float64 forward pass of ts/reference.ts. Logits,
// attention weights and the residual stream must agree at every step — on the real psycho-230k
// model and on synthetic models that exercise what the real ones do not (unshared classifier,
// n_kv_head = n_head, LoRA, Q8_0 with group size 128).
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readModel, writeLora, writeModel, type NanoModelFile } from "../ts/format.ts";
import { ReferenceSession } from "../ts/reference.ts";
import { makeSyntheticLora, makeSyntheticModel } from "../ts/synthetic.ts";
import {
  modelBytes,
  nativeEngine,
  PSYCHO_PROMPT_IDS,
  run,
  sanitizerEnv,
  asanEngine,
  CUT_SHAPE,
  edgeShapeModel,
  EDGE_SHAPES,
  sharedModel,
  tempDir,
} from "./helpers.ts";

interface DumpStep {
  pos: number;
  token: number;
  logits: number[];
  attention?: number[][][];
  residual?: number[][];
}

/** Run `nanolm-engine dump` and parse its steps. */
function dump(engine: string, args: string[], env: Record<string, string> = {}): DumpStep[] {
  const r = run(engine, ["dump", ...args], {
    ...(engine === asanEngine ? sanitizerEnv : {}),
    ...env,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { steps: DumpStep[] }).steps;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Step the reference through the tokens the engine ran and compare every step. */
function compareWithReference(
  model: NanoModelFile,
  steps: DumpStep[],
  options: { lora?: ReturnType<typeof makeSyntheticLora>; tolerance: number },
): void {
  const ref = new ReferenceSession(model, { lora: options.lora, observe: true });
  for (const step of steps) {
    const logits = ref.step(step.token);
    expect(maxAbsDiff(step.logits, logits)).toBeLessThan(options.tolerance);
    if (step.attention) {
      for (let l = 0; l < ref.attention.length; l++) {
        for (let h = 0; h < ref.attention[l].length; h++) {
          expect(maxAbsDiff(step.attention[l][h], ref.attention[l][h])).toBeLessThan(1e-5);
        }
      }
    }
    if (step.residual) {
      for (let i = 0; i < ref.residual.length; i++) {
        expect(maxAbsDiff(step.residual[i], ref.residual[i])).toBeLessThan(options.tolerance);
      }
    }
  }
}

const psycho = sharedModel("psycho-230k.bin");

describe.skipIf(!psycho)("psycho-230k: native engine ⇄ float64 reference", () => {
  it("logits within 1e-4 at every one of 6 prompt + 40 greedy steps; attention and residual too", () => {
    const steps = dump(nativeEngine, [
      "--model",
      psycho!,
      "--ids",
      PSYCHO_PROMPT_IDS.join(","),
      "--steps",
      "40",
      "--observe",
    ]);
    expect(steps).toHaveLength(46);
    compareWithReference(readModel(modelBytes(psycho!)), steps, { tolerance: 1e-4 });
  });

  it("the first step's top logit is id 188 at 5.6438 (NANO-FORMAT.md §7)", () => {
    const steps = dump(nativeEngine, ["--model", psycho!, "--ids", PSYCHO_PROMPT_IDS.join(",")]);
    const last = steps[steps.length - 1].logits;
    const top = last.indexOf(Math.max(...last));
    expect(top).toBe(188);
    expect(last[top]).toBeCloseTo(5.6438, 3);
  });

  it("with a LoRA module (native and the ASan build)", () => {
    const model = readModel(modelBytes(psycho!));
    const lora = makeSyntheticLora(model.config, 4, 8, 3);
    const path = join(tempDir(), "psycho.lora.bin");
    writeFileSync(path, writeLora(lora));
    for (const engine of [nativeEngine, asanEngine]) {
      const steps = dump(engine, [
        "--model",
        psycho!,
        "--ids",
        PSYCHO_PROMPT_IDS.join(","),
        "--steps",
        "10",
        "--lora",
        path,
      ]);
      compareWithReference(model, steps, { lora, tolerance: 1e-4 });
    }
  });
});

describe("synthetic shapes: native engine ⇄ float64 reference", () => {
  const dir = tempDir();
  const shapes = [
    { name: "unshared classifier, n_kv_head = n_head", isSharedClassifier: false, nKvHead: 4 },
    { name: "grouped-query attention, shared classifier", isSharedClassifier: true, nKvHead: 2 },
  ];
  for (const shape of shapes) {
    for (const quant of ["f32", "q8_0"] as const) {
      it(`${shape.name}, ${quant}, with and without LoRA`, () => {
        const model = makeSyntheticModel({
          config: {
            blockSize: 32,
            vocabSize: 300,
            nLayer: 2,
            nEmbd: 128,
            nHead: 4,
            nKvHead: shape.nKvHead,
            nHidden: 256,
            isSharedClassifier: shape.isSharedClassifier,
          },
          quant,
          groupSize: 128,
          seed: 11,
        });
        const path = join(dir, `${shape.nKvHead}-${quant}.bin`);
        writeFileSync(path, writeModel(model));
        const ids = "20,30,40,50,60,70";
        // Q8_0 activations round to int8: the float64 reference can land on the other side of a
        // rounding tie now and then, so Q8_0 gets a looser bound than F32.
        const tolerance = quant === "f32" ? 1e-5 : 2e-3;
        compareWithReference(
          model,
          dump(nativeEngine, ["--model", path, "--ids", ids, "--steps", "8", "--observe"]),
          { tolerance },
        );
        const lora = makeSyntheticLora(model.config, 8, 16, 5);
        const loraPath = join(dir, `${shape.nKvHead}-${quant}.lora.bin`);
        writeFileSync(loraPath, writeLora(lora));
        compareWithReference(
          model,
          dump(nativeEngine, ["--model", path, "--ids", ids, "--steps", "8", "--lora", loraPath]),
          { lora, tolerance },
        );
      });
    }
  }

  it("prefill gives the same logits, bit for bit, as stepping token by token", () => {
    const model = makeSyntheticModel({
      config: {
        blockSize: 64,
        vocabSize: 300,
        nLayer: 2,
        nEmbd: 128,
        nHead: 4,
        nKvHead: 2,
        nHidden: 256,
      },
      quant: "q8_0",
      seed: 4,
    });
    const path = join(dir, "prefill.bin");
    writeFileSync(path, writeModel(model));
    const ids = Array.from({ length: 40 }, (_, i) => 7 + ((i * 37) % 290)).join(",");
    const stepped = dump(nativeEngine, ["--model", path, "--ids", ids]);
    const prefilled = dump(nativeEngine, ["--model", path, "--ids", ids, "--prefill"]);
    expect(prefilled[prefilled.length - 1].logits).toEqual(stepped[stepped.length - 1].logits);
    const twoThreads = dump(nativeEngine, ["--model", path, "--ids", ids, "--threads", "2"]);
    expect(twoThreads.map((s) => s.logits)).toEqual(stepped.map((s) => s.logits));
  });
});

// With two threads, a job cut in two halves moves its cut toward equal finishing times
// (forward.c run_halves), so where a matrix is cut depends on timing. Matrices big enough to be
// split (over 64 KiB) must still give the 1-thread bits wherever the cut lands, in the native
// build (cuts at 16-row tiles) and the ASan one (4-row tiles, and sanitizers on the cut).
describe("two threads cut matrices by measured speed: the same bits as one", () => {
  const dir = tempDir();
  for (const quant of ["f32", "q8_0"] as const) {
    it(quant, () => {
      const model = makeSyntheticModel({
        config: CUT_SHAPE,
        quant,
        seed: 11,
      });
      const path = join(dir, `halves-${quant}.bin`);
      writeFileSync(path, writeModel(model));
      const ids = Array.from({ length: 24 }, (_, i) => 7 + ((i * 53) % 290)).join(",");
      const args = ["--model", path, "--ids", ids, "--steps", "16"];
      const one = dump(nativeEngine, [...args, "--threads", "1"]);
      expect(dump(nativeEngine, [...args, "--threads", "2"])).toEqual(one);
      expect(dump(nativeEngine, [...args, "--threads", "2", "--prefill"])).toEqual(
        dump(nativeEngine, [...args, "--threads", "1", "--prefill"]),
      );
      expect(dump(asanEngine, [...args, "--threads", "2"])).toEqual(one);
    });
  }

  /** A CUT_SHAPE model written to `name`.bin, its dump arguments (20 prompt ids, 8 steps, plus
   * `extra`), and the 1-thread dumps, stepped and prefilled, that 2-thread runs must equal. */
  function cutShapeRuns(name: string, quant: "f32" | "q8_0", seed: number, extra: string[]) {
    const path = join(dir, `${name}.bin`);
    writeFileSync(path, writeModel(makeSyntheticModel({ config: CUT_SHAPE, quant, seed })));
    const ids = Array.from({ length: 20 }, (_, i) => 7 + ((i * 41) % 290)).join(",");
    const args = ["--model", path, "--ids", ids, "--steps", "8", ...extra];
    const one = dump(nativeEngine, [...args, "--threads", "1"]);
    const prefilled = dump(nativeEngine, [...args, "--threads", "1", "--prefill"]);
    return { args, one, prefilled };
  }

  // The fused Q/K/V-and-attention job may cut inside a head's rows (forward.c
  // qkv_attention_chunk): that head's attention waits for both halves. NANO_TEST_CUT pins every
  // cut; head_dim 64 is 4 units of 16 rows, so 0.2 and 0.62 cut inside heads 0 and 1 (units 2
  // and 5 of 8), 0.45 between them.
  it("at fixed cuts, inside a head's rows too (both formats, native and ASan, observed)", () => {
    for (const quant of ["f32", "q8_0"] as const) {
      const { args, one, prefilled } = cutShapeRuns(`cuts-${quant}`, quant, 12, ["--observe"]);
      for (const cut of ["0.2", "0.45", "0.62"]) {
        const env = { NANO_TEST_CUT: cut };
        expect(dump(nativeEngine, [...args, "--threads", "2"], env)).toEqual(one);
        expect(dump(nativeEngine, [...args, "--threads", "2", "--prefill"], env)).toEqual(
          prefilled,
        );
      }
      expect(dump(asanEngine, [...args, "--threads", "2"], { NANO_TEST_CUT: "0.62" })).toEqual(one);
    }
  });

  // Natively, the rows around the cut go to whichever half gets there first, a block at a time,
  // the bottom half's from below and the top half's from above (forward.c run_split), so which
  // rows each takes depends on timing. NANO_TEST_HALVES runs the halves in turn, so that one of
  // them takes the whole middle: the classifier's 300 rows end inside a 16-row tile, and blocks
  // taken from the top must still start on one.
  it("whichever half takes the rows around the cut (both formats, native and ASan)", () => {
    for (const quant of ["f32", "q8_0"] as const) {
      const { args, one, prefilled } = cutShapeRuns(`middle-${quant}`, quant, 13, []);
      for (const order of ["top-first", "bottom-first"]) {
        const env = { NANO_TEST_HALVES: order };
        expect(dump(nativeEngine, [...args, "--threads", "2"], env)).toEqual(one);
        expect(dump(nativeEngine, [...args, "--threads", "2", "--prefill"], env)).toEqual(
          prefilled,
        );
        expect(dump(asanEngine, [...args, "--threads", "2"], env)).toEqual(one);
      }
    }
  });
});

// The kernels' prefetch ahead of their loads is on or off per session, as its first 4 to 16
// decode steps measure (forward.c nano_step): a hint that must never change a bit, on either
// setting, or while the steps alternate it.
describe("the kernels' prefetch, on, off or being measured: the same bits", () => {
  const dir = tempDir();
  for (const quant of ["f32", "q8_0"] as const) {
    it(quant, () => {
      const path = join(dir, `prefetch-${quant}.bin`);
      writeFileSync(path, writeModel(makeSyntheticModel({ config: CUT_SHAPE, quant, seed: 14 })));
      const ids = Array.from({ length: 12 }, (_, i) => 7 + ((i * 37) % 290)).join(",");
      const args = ["--model", path, "--ids", ids, "--steps", "24"];
      for (const threads of ["1", "2"]) {
        const measured = dump(nativeEngine, [...args, "--threads", threads]);
        for (const setting of ["on", "off"])
          expect(
            dump(nativeEngine, [...args, "--threads", threads], { NANO_TEST_PREFETCH: setting }),
          ).toEqual(measured);
      }
      expect(dump(asanEngine, args, { NANO_TEST_PREFETCH: "off" })).toEqual(
        dump(asanEngine, args, { NANO_TEST_PREFETCH: "on" }),
      );
    });
  }

  it("is reported by the benchmark once measured (-1 before)", () => {
    const path = join(dir, "prefetch-bench.bin");
    writeFileSync(
      path,
      writeModel(makeSyntheticModel({ config: CUT_SHAPE, quant: "q8_0", seed: 15 })),
    );
    const bench = (decode: number, env: Record<string, string> = {}) => {
      const r = run(
        nativeEngine,
        ["bench", "--model", path, "--prefill-tokens", "8", "--decode-tokens", String(decode)],
        env,
      );
      expect(r.status).toBe(0);
      return (JSON.parse(r.stdout) as { prefetch_ahead: number }).prefetch_ahead;
    };
    expect(bench(3)).toBe(-1); // a clear winner ends the measuring after 4 steps at the earliest
    expect([0, 1]).toContain(bench(20)); // and it ends after 16 at the latest
    expect(bench(4, { NANO_TEST_PREFETCH: "off" })).toBe(0);
    expect(bench(4, { NANO_TEST_PREFETCH: "on" })).toBe(1);
  });
});

// bench --profile: where the decode steps' time went, per token. Only its structure and the
// nesting of its intervals can be checked (jobs run inside steps, chunks inside jobs, attention
// inside steps), not the figures themselves.
describe("nanolm-engine bench --profile", () => {
  const dir = tempDir();
  const path = join(dir, "profile.bin");
  writeFileSync(
    path,
    writeModel(makeSyntheticModel({ config: CUT_SHAPE, quant: "q8_0", seed: 16 })),
  );
  type Profile = {
    jobs_per_token: number;
    us_per_token: Record<"decode" | "steps" | "jobs" | "alone" | "start_lag" | "end_gap", number> &
      Record<"busy" | "attention", number[]>;
  };
  const bench = (engine: string, threads: number, profile: boolean) => {
    const args = ["bench", "--model", path, "--threads", String(threads), "--prefill-tokens", "8"];
    args.push("--decode-tokens", "12", ...(profile ? ["--profile"] : []));
    const r = run(engine, args, engine === asanEngine ? sanitizerEnv : {});
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as { decode_tokens_per_s: number; profile?: Profile };
  };
  // each figure is printed rounded to 0.1 µs
  const atMost = (a: number, b: number) => expect(a).toBeLessThanOrEqual(b + 0.2);

  for (const threads of [1, 2]) {
    it(`${threads} thread${threads > 1 ? "s" : ""}: intervals nest, one entry per thread`, () => {
      for (const engine of [nativeEngine, asanEngine]) {
        const p = bench(engine, threads, true).profile!;
        const us = p.us_per_token;
        expect(p.jobs_per_token).toBeGreaterThan(0);
        expect(us.busy).toHaveLength(threads);
        expect(us.attention).toHaveLength(threads);
        for (const v of [us.jobs, us.alone, us.start_lag, us.end_gap, ...us.busy, ...us.attention])
          expect(v).toBeGreaterThanOrEqual(0);
        expect(us.steps).toBeGreaterThan(0);
        atMost(us.steps, us.decode);
        atMost(us.jobs, us.steps);
        expect(Math.abs(us.alone - (us.steps - us.jobs))).toBeLessThanOrEqual(0.2);
        for (const busy of us.busy) atMost(busy, us.jobs);
        for (const attention of us.attention) atMost(attention, us.steps);
        expect(us.attention.reduce((a, b) => a + b)).toBeGreaterThan(0);
        if (threads === 1) expect([us.start_lag, us.end_gap]).toEqual([0, 0]);
        else expect(us.busy[0] + us.busy[1]).toBeGreaterThan(0);
      }
    });
  }

  it("is absent without --profile", () => {
    const r = bench(nativeEngine, 2, false);
    expect(r.decode_tokens_per_s).toBeGreaterThan(0);
    expect(r.profile).toBeUndefined();
  });
});

// The benchmark's roofline probe; with 2 threads it also times a handoff between two threads,
// before and after its reads (where a VM's host put the cores: bench-engine.ts byPlacement).
describe("nanolm-engine bandwidth", () => {
  const probe = (engine: string, threads: number) => {
    const r = run(engine, [
      "bandwidth",
      "--threads",
      String(threads),
      "--mib",
      "8",
      "--passes",
      "3",
    ]);
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as {
      read_gb_per_s: number;
      pass_gb_per_s: number[];
      handoff_ns?: number[];
    };
  };
  it("reads at some positive rate, and times the handoff only with 2+ threads", () => {
    for (const engine of [nativeEngine, asanEngine]) {
      const one = probe(engine, 1);
      expect(one.read_gb_per_s).toBeGreaterThan(0);
      // every pass's figure, the best of them the one reported
      expect(one.pass_gb_per_s).toHaveLength(3);
      for (const g of one.pass_gb_per_s) expect(g).toBeGreaterThan(0);
      expect(Math.max(...one.pass_gb_per_s)).toBe(one.read_gb_per_s);
      expect(one.handoff_ns).toBeUndefined();
      const two = probe(engine, 2);
      expect(two.read_gb_per_s).toBeGreaterThan(0);
      expect(two.handoff_ns).toHaveLength(2);
      for (const ns of two.handoff_ns!) expect(ns).toBeGreaterThan(0);
    }
  });
});

// Every build computes the same bits (kernels.c): the native build's AVX-512 kernels — Q8_0
// matrices repacked at load time into 16-row tiles, prefill and decode, 1 and 3 threads — and
// the ASan build's plain C, on shapes at the edges of those layouts (helpers.ts EDGE_SHAPES),
// with chunk boundaries of 3 threads inside the matrices.
describe("synthetic shapes: the native and ASan builds agree bit for bit", () => {
  const dir = tempDir();
  for (const [i, shape] of EDGE_SHAPES.entries()) {
    for (const quant of ["f32", "q8_0"] as const) {
      it(`n_embd ${shape.nEmbd}, n_hidden ${shape.nHidden}, ${quant}`, () => {
        const path = join(dir, `${i}-${quant}.bin`);
        writeFileSync(path, edgeShapeModel(i, quant));
        const args = ["--model", path, "--ids", "9,20,31,42,53,64,75", "--steps", "12"];
        const asan = dump(asanEngine, [...args, "--observe"]);
        expect(dump(nativeEngine, [...args, "--observe"])).toEqual(asan);
        expect(dump(nativeEngine, [...args, "--observe", "--threads", "3"])).toEqual(asan);
        // a prompt run as one prefill, then steps: the same ids
        const generate = ["run", "--model", path, "--prompt", "abcdefghij", "--json"];
        generate.push("--temperature", "0", "--max-new-tokens", "8", "--ignore-eos");
        const r = run(nativeEngine, generate);
        const a = run(asanEngine, generate, sanitizerEnv);
        expect(r.status).toBe(0);
        expect(a.stderr).toBe("");
        const ids = (s: string) => (JSON.parse(s) as { output_ids: number[] }).output_ids;
        expect(ids(r.stdout)).toEqual(ids(a.stdout));
      });
    }
  }
});
