// The CLI contract (README.md): golden outputs on the real Nano models, native ⇄ WASM agreement,
// and a clear error (never a crash, also under ASan + UBSan) for every kind of bad input.
import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  asanEngine,
  nanolmBin,
  PSYCHO_GREEDY_PREFIX,
  PSYCHO_PROMPT,
  PSYCHO_PROMPT_IDS,
  run,
  sanitizerEnv,
  sharedModel,
  tempDir,
} from "./helpers.ts";

const psycho = sharedModel("psycho-230k.bin");
const sort6 = sharedModel("sort-6.bin");

interface RunJson {
  prompt_ids: number[];
  output_ids: number[];
  text: string;
  stats: { prefill_tokens_per_s: number; decode_tokens_per_s: number };
}

function nanolmJson<T>(args: string[]): T {
  const r = run(nanolmBin, args);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe("every subcommand answers --help", () => {
  for (const cmd of ["run", "seq2seq", "inspect", "quantize", "demo"]) {
    it(cmd, () => {
      const r = run(nanolmBin, [cmd, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: nanolm/);
    });
  }
  it("unknown commands and flags are usage errors on stderr", () => {
    const a = run(nanolmBin, ["frobnicate"]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/unknown command 'frobnicate'/);
    const b = run(nanolmBin, ["run", "--model", "x", "--prompt", "y", "--bogus"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--bogus/);
  });
});

describe.skipIf(!psycho)("psycho-230k golden (greedy 64 tokens)", () => {
  const greedy = ["--model", psycho!, "--prompt", PSYCHO_PROMPT, "--temperature", "0"];
  const args = ["run", ...greedy, "--max-new-tokens", "64", "--json", "--ignore-eos"];

  it("native matches the original engine's ids and the JSON contract", () => {
    const out = nanolmJson<RunJson>([...args, "--engine", "native"]);
    expect(Object.keys(out).sort()).toEqual(["output_ids", "prompt_ids", "stats", "text"]);
    expect(out.prompt_ids).toEqual(PSYCHO_PROMPT_IDS);
    expect(out.output_ids.slice(0, 6)).toEqual(PSYCHO_GREEDY_PREFIX);
    expect(out.output_ids).toHaveLength(64);
    expect(out.text.startsWith("一切个体的普遍")).toBe(true);
    expect(out.stats.decode_tokens_per_s).toBeGreaterThan(0);
    expect(out.stats.prefill_tokens_per_s).toBeGreaterThan(0);
  });

  it("WASM gives the same 64 ids as native, at 1 and 2 threads", () => {
    const native = nanolmJson<RunJson>([...args, "--engine", "native"]);
    for (const threads of ["1", "2"]) {
      const wasm = nanolmJson<RunJson>([...args, "--engine", "wasm", "--threads", threads]);
      expect(wasm.output_ids).toEqual(native.output_ids);
      expect(wasm.text).toBe(native.text);
    }
  });

  it("a seeded sampled run is the same text on native and WASM, and the seed matters", () => {
    const sampled = ["run", "--model", psycho!, "--prompt", PSYCHO_PROMPT, "--json"];
    const knobs = [
      "--temperature",
      "0.9",
      "--top-k",
      "40",
      "--top-p",
      "0.9",
      "--repetition-penalty",
      "1.1",
      "--max-new-tokens",
      "48",
    ];
    const a = nanolmJson<RunJson>([...sampled, ...knobs, "--seed", "7", "--engine", "native"]);
    const b = nanolmJson<RunJson>([...sampled, ...knobs, "--seed", "7", "--engine", "wasm"]);
    const c = nanolmJson<RunJson>([...sampled, ...knobs, "--seed", "8", "--engine", "native"]);
    expect(b.output_ids).toEqual(a.output_ids);
    expect(c.output_ids).not.toEqual(a.output_ids);
  });

  it("streams plain text without --json", () => {
    const r = run(nanolmBin, ["run", ...greedy, "--max-new-tokens", "7"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("一切个体的普遍");
  });

  it("a Q8_0 copy made by `nanolm quantize` runs identically on native and WASM", () => {
    const dir = tempDir();
    const q8 = join(dir, "psycho-q8.bin");
    const q = run(nanolmBin, ["quantize", psycho!, q8]);
    expect(q.status).toBe(0);
    const qargs = [
      "run",
      "--model",
      q8,
      "--prompt",
      PSYCHO_PROMPT,
      "--temperature",
      "0",
      "--max-new-tokens",
      "64",
      "--json",
      "--ignore-eos",
    ];
    const native = nanolmJson<RunJson>([...qargs, "--engine", "native"]);
    const wasm = nanolmJson<RunJson>([...qargs, "--engine", "wasm"]);
    expect(native.output_ids).toHaveLength(64);
    expect(wasm.output_ids).toEqual(native.output_ids);
    // Quantization perturbs the logits only slightly: the first tokens agree with F32.
    expect(native.output_ids.slice(0, 3)).toEqual(PSYCHO_GREEDY_PREFIX.slice(0, 3));
  });
});

describe.skipIf(!sort6)("sort-6 (non-causal seq2seq)", () => {
  const cases: [string, string][] = [
    ["654321", "123456"],
    ["102938", "012389"],
    ["114515", "111455"],
  ];
  for (const engine of ["native", "wasm"]) {
    for (const [input, sorted] of cases) {
      it(`${engine}: ${input} → ${sorted}`, () => {
        const out = nanolmJson<{ input_ids: number[]; output_ids: number[]; text: string }>([
          "seq2seq",
          "--model",
          sort6!,
          "--input",
          input,
          "--json",
          "--engine",
          engine,
        ]);
        expect(out.text).toBe(sorted);
        expect(out.input_ids).toHaveLength(6);
        expect(out.output_ids).toHaveLength(6);
      });
    }
  }
});

/** A copy of `src` with little-endian i32 fields patched: [byte offset, value]. */
function patched(src: Uint8Array, fields: [number, number][]): Uint8Array {
  const copy = src.slice();
  const view = new DataView(copy.buffer);
  for (const [offset, value] of fields) view.setInt32(offset, value, true);
  return copy;
}

describe.skipIf(!sort6 || !psycho)(
  "bad input: a clear error, exit 1, nothing crashes (ASan + UBSan)",
  () => {
    let dir = "";
    let sort6Bytes: Uint8Array;
    beforeAll(() => {
      dir = tempDir();
      sort6Bytes = new Uint8Array(readFileSync(sort6!));
    });

    // Config fields live at byte 24 + 4·i (NANO-FORMAT.md §1).
    const BLOCK = 24,
      VOCAB = 28,
      LAYERS = 32,
      EMBD = 36,
      HEADS = 40,
      KV = 44;
    const badModels: [string, () => Uint8Array, RegExp][] = [
      [
        "truncated file",
        () => sort6Bytes.slice(0, sort6Bytes.length - 100),
        /bytes|length|truncat/i,
      ],
      ["header only", () => sort6Bytes.slice(0, 100), /256|header|truncat|short/i],
      ["empty file", () => new Uint8Array(0), /256|header|truncat|short|empty/i],
      ["wrong magic", () => patched(sort6Bytes, [[0, 0x12345678]]), /magic/i],
      ["zero n_layer", () => patched(sort6Bytes, [[LAYERS, 0]]), /n_layer/],
      ["zero vocab_size", () => patched(sort6Bytes, [[VOCAB, 0]]), /vocab/],
      ["negative block_size", () => patched(sort6Bytes, [[BLOCK, -6]]), /block_size/],
      ["absurd n_embd", () => patched(sort6Bytes, [[EMBD, 0x7fffffff]]), /n_embd/],
      ["absurd block_size", () => patched(sort6Bytes, [[BLOCK, 1 << 30]]), /block_size/],
      [
        "n_embd not divisible by n_head",
        () => patched(sort6Bytes, [[HEADS, 3]]),
        /divisible|n_head/,
      ],
      [
        "n_head not divisible by n_kv_head",
        () => patched(sort6Bytes, [[KV, 3]]),
        /divisible|n_kv_head/,
      ],
      ["unsupported quant type", () => patched(sort6Bytes, [[60, 0x42]]), /quant|Q4_K/i],
      [
        "tokenizer section overruns the file",
        () => patched(sort6Bytes, [[256, 0x7ffffff0]]),
        /tokenizer/i,
      ],
      ["LoRA module given as a model", () => patched(sort6Bytes, [[16, 10]]), /LoRA/],
    ];

    for (const [what, make, message] of badModels) {
      it(what, () => {
        const path = join(dir, what.replace(/\W+/g, "-") + ".bin");
        writeFileSync(path, make());
        for (const engine of [asanEngine]) {
          const r = run(
            engine,
            ["run", "--model", path, "--prompt", "1", "--temperature", "0"],
            sanitizerEnv,
          );
          expect(r.stderr).toMatch(message);
          expect(r.stderr).toMatch(/^nanolm: error: /);
          expect(r.stderr).not.toMatch(/Sanitizer|runtime error/);
          expect(r.status).toBe(1);
        }
        const w = run(nanolmBin, ["run", "--engine", "wasm", "--model", path, "--prompt", "1"]);
        expect(w.status).toBe(1);
        expect(w.stderr).toMatch(message);
        expect(w.stderr).not.toMatch(/\n\s+at /); // no stack trace
      });
    }

    it("a prompt longer than block_size", () => {
      for (const engine of ["native", "wasm"]) {
        const r = run(nanolmBin, [
          "run",
          "--engine",
          engine,
          "--model",
          sort6!,
          "--prompt",
          "12345678",
          "--temperature",
          "0",
        ]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/block_size/);
      }
      const a = run(asanEngine, ["run", "--model", sort6!, "--prompt", "12345678"], sanitizerEnv);
      expect(a.status).toBe(1);
      expect(a.stderr).not.toMatch(/Sanitizer|runtime error/);
    });

    it("a seq2seq input of the wrong length", () => {
      const r = run(nanolmBin, ["seq2seq", "--model", sort6!, "--input", "123"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/block_size|exactly 6/);
    });

    it("a LoRA module made for another base model", () => {
      // psycho-230k's shape (n_embd 32, n_hidden 96) but with n_hidden 64: must be refused.
      const rank = 2,
        nLayer = 8,
        nEmbd = 32,
        nHead = 4,
        nKv = 2,
        headDim = 8;
      const kvDim = nKv * headDim;
      const floats =
        nLayer * (rank * nEmbd + nEmbd * rank) * 2 + nLayer * (rank * nEmbd + kvDim * rank) * 2;
      const bytes = new Uint8Array(256 + floats * 4);
      const v = new DataView(bytes.buffer);
      [0x42443453, 0x55524c4d, 2025, 12, 10, 32, rank, 4, nLayer, nEmbd, nHead, nKv, 64, 0].forEach(
        (x, i) => v.setInt32(i * 4, x, true),
      );
      const lora = join(dir, "other-base.lora.bin");
      writeFileSync(lora, bytes);
      const args = [
        "run",
        "--model",
        psycho!,
        "--prompt",
        PSYCHO_PROMPT,
        "--lora",
        lora,
        "--temperature",
        "0",
      ];
      const a = run(asanEngine, args, sanitizerEnv);
      expect(a.status).toBe(1);
      expect(a.stderr).toMatch(/another base model|n_hidden/);
      expect(a.stderr).not.toMatch(/Sanitizer|runtime error/);
      const w = run(nanolmBin, [...args, "--engine", "wasm"]);
      expect(w.status).toBe(1);
      expect(w.stderr).toMatch(/another base model|n_hidden/);
    });

    it("a missing model file", () => {
      const r = run(nanolmBin, ["run", "--model", join(dir, "nope.bin"), "--prompt", "x"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no such file/);
    });
  },
);
