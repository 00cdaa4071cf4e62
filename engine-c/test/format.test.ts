// Tests of engine-c/ts/format.ts (the .bin reader, writer and quantizer) and synthetic.ts, against
// the real Nano models when they are present and against made-up files for every error path.
import { describe, expect, it } from "vitest";
import {
  dequantize,
  describeLora,
  describeModel,
  fileKind,
  formatLoraDescription,
  fitGroupSize,
  formatModelDescription,
  HEADER_BYTES,
  parameterCount,
  QUANT_Q8_0,
  quantizeModel,
  quantizeQ8_0,
  readLora,
  readModel,
  roundHalfToEven,
  writeLora,
  writeModel,
  NanoFormatError,
  type NanoModelFile,
} from "../ts/format.ts";
import {
  BENCHMARK_168M,
  makeSyntheticLora,
  makeSyntheticModel,
  ropeTables,
  type SyntheticConfig,
} from "../ts/synthetic.ts";
import { modelBytes, sharedModel } from "./helpers.ts";

// ---- the real models (skipped, visibly, when the shared folder is absent) ----------------------

function realModel(name: string): Uint8Array | undefined {
  const path = sharedModel(name);
  return path ? modelBytes(path) : undefined;
}
const psychoBytes = realModel("psycho-230k.bin");
const sortBytes = realModel("sort-6.bin");

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe.skipIf(!psychoBytes || !sortBytes)("the real models", () => {
  it("round-trips both files byte for byte", () => {
    for (const bytes of [psychoBytes!, sortBytes!]) {
      expect(same(writeModel(readModel(bytes)), bytes)).toBe(true);
    }
  });

  it("reads psycho-230k's header, config and tokenizer as the format page says", () => {
    const m = readModel(psychoBytes!);
    expect(m.header).toEqual({
      majorVersion: 2025,
      minorVersion: 12,
      modelType: 0,
      configLength: 32,
      quantType: 0,
      groupSize: 0,
    });
    expect(m.config).toEqual({
      blockSize: 512,
      vocabSize: 4096,
      nLayer: 8,
      nEmbd: 32,
      nHead: 4,
      nKvHead: 2,
      nHidden: 96,
      isSharedClassifier: true,
      headDim: 8,
    });
    expect(m.vocab.slice(0, 7).map((t) => t.text)).toEqual([
      "<|padding|>",
      "<|unknown|>",
      "<|bos|>",
      "<|eos|>",
      "<|instruct_mark|>",
      "<|response_mark|>",
      "<|BD4SUR|>",
    ]);
    expect(m.vocab.filter((t) => t.isSpecial).length).toBe(12);
    expect(m.weights.output).toBeUndefined();
  });

  it("counts parameters as the format page's table does", () => {
    const psycho = describeModel(readModel(psychoBytes!));
    const sort = describeModel(readModel(sortBytes!));
    expect(psycho.parameterCount).toBe(229_920);
    expect(sort.parameterCount).toBe(11_936);
    expect(psycho.fileBytes).toBe(986_052);
    expect(sort.fileBytes).toBe(49_452);
    expect(psycho.tokenizer.specialTokens.length).toBe(12);
    expect(sort.tokenizer.specialTokens.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(psycho.tokenizer.longestToken.codePoints).toBe(17);
    const text = formatModelDescription(psycho);
    expect(text).toContain("229,920");
    expect(text).toContain("block_size 512");
  });

  it("quantizes to Q8_0 with the exporter's rules, and the result round-trips", () => {
    const f = readModel(psychoBytes!);
    const q = quantizeModel(f); // 128 halves to 32 = n_embd
    expect(q.header).toMatchObject({ quantType: QUANT_Q8_0, groupSize: 32, configLength: 32 });
    expect(q.vocab).toBe(f.vocab);
    const bytes = writeModel(q);
    // header + the same tokenizer section + norms f32 + (int8 + scales) per matrix + RoPE f32
    expect(bytes.length).toBe(326_596);
    expect(
      same(
        bytes.subarray(HEADER_BYTES, HEADER_BYTES + 49_732),
        psychoBytes!.subarray(256, 256 + 49_732),
      ),
    ).toBe(true);
    const back = readModel(bytes);
    expect(same(writeModel(back), bytes)).toBe(true);
    // Every group of every matrix, recomputed independently in float32 with ties to even.
    const pairs = [
      [f.weights.tokEmbeddings, q.weights.tokEmbeddings],
      ...f.weights.w2.map((t, l) => [t, q.weights.w2[l]]),
    ] as const;
    for (const [src, dst] of pairs) {
      if (src.type !== "f32" || dst.type !== "q8_0") throw new Error("unexpected types");
      for (let g = 0; g < dst.scales.length; g++) {
        const group = Array.from(src.data.subarray(g * 32, g * 32 + 32));
        const max = Math.max(...group.map(Math.abs));
        const scale = Math.fround(max / 127);
        expect(dst.scales[g]).toBe(scale);
        group.forEach((w, i) => {
          const x = Math.fround(w / scale);
          const fl = Math.floor(x);
          const even = x - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(x);
          expect(dst.values[g * 32 + i]).toBe(even + 0); // + 0: int8 has no -0
        });
      }
    }
  });

  it("RoPE tables computed like the original trainer match the stored ones to 1 ulp", () => {
    const m = readModel(psychoBytes!);
    const { cos, sin } = ropeTables(512, 8);
    for (let i = 0; i < cos.length; i++) {
      expect(Math.abs(cos[i] - m.weights.freqsCos.data[i])).toBeLessThanOrEqual(6e-8);
      expect(Math.abs(sin[i] - m.weights.freqsSin.data[i])).toBeLessThanOrEqual(6e-8);
    }
  });
});

// ---- made-up files ------------------------------------------------------------------------------

const tiny: SyntheticConfig = {
  blockSize: 8,
  vocabSize: 20,
  nLayer: 2,
  nEmbd: 16,
  nHead: 4,
  nKvHead: 2,
  nHidden: 32,
};

function tinyBytes(overrides: Partial<SyntheticConfig> = {}, quant: "f32" | "q8_0" = "f32") {
  return writeModel(makeSyntheticModel({ config: { ...tiny, ...overrides }, quant, seed: 3 }));
}

// Copy `bytes`, let `edit` poke at it through a DataView, and return the copy.
function patched(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

function expectFormatError(bytes: Uint8Array, message: string | RegExp) {
  expect(() => readModel(bytes)).toThrowError(NanoFormatError);
  expect(() => readModel(bytes)).toThrowError(message);
}

// Header offsets (§1).
const OFF = { modelType: 16, blockSize: 24, vocab: 28, nLayer: 32, nEmbd: 36, nHead: 40 } as const;
const OFF2 = { nKvHead: 44, nHidden: 48, shared: 52, headDim: 56, quant: 60, group: 64 } as const;

describe("round trips of made-up models", () => {
  it("F32 and Q8_0, shared and unshared classifier", () => {
    for (const quant of ["f32", "q8_0"] as const) {
      for (const isSharedClassifier of [true, false]) {
        const m = makeSyntheticModel({ config: { ...tiny, isSharedClassifier }, quant, seed: 9 });
        const bytes = writeModel(m);
        const back = readModel(bytes);
        expect(back.config).toEqual(m.config);
        expect(back.header).toEqual(m.header);
        expect(same(writeModel(back), bytes)).toBe(true);
        expect(back.weights.output !== undefined).toBe(!isSharedClassifier);
      }
    }
  });

  it("reads `output` after the RoPE tables (§3 Our rule)", () => {
    const m = makeSyntheticModel({ config: { ...tiny, isSharedClassifier: false }, seed: 1 });
    const bytes = writeModel(m);
    const out = m.weights.output!;
    if (out.type !== "f32") throw new Error("expected f32");
    // The last vocab·n_embd floats of the file are the output matrix.
    const tail = new Float32Array(bytes.slice(bytes.length - 4 * out.data.length).buffer);
    expect(tail).toEqual(out.data);
  });

  it("is deterministic in the seed, and direct Q8_0 equals quantizeModel of the F32 model", () => {
    const a = writeModel(makeSyntheticModel({ config: tiny, seed: 5 }));
    const b = writeModel(makeSyntheticModel({ config: tiny, seed: 5 }));
    const c = writeModel(makeSyntheticModel({ config: tiny, seed: 6 }));
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
    const f = makeSyntheticModel({ config: tiny, seed: 5 });
    const q = makeSyntheticModel({ config: tiny, seed: 5, quant: "q8_0", groupSize: 8 });
    expect(same(writeModel(quantizeModel(f, 8)), writeModel(q))).toBe(true);
  });

  it("accepts the newest exporter's config length (36) and keeps it", () => {
    const bytes = patched(tinyBytes(), (dv) => dv.setInt32(20, 36, true));
    const m = readModel(bytes);
    expect(m.header.configLength).toBe(36);
    expect(same(writeModel(m), bytes)).toBe(true);
  });

  it("describes the 168M benchmark shape", () => {
    const c = { ...BENCHMARK_168M, isSharedClassifier: true, headDim: 48 };
    expect(parameterCount(c)).toBe(168_334_080);
  });
});

describe("validation: every bad file is a one-line NanoFormatError", () => {
  const good = tinyBytes();

  it("truncated files", () => {
    expectFormatError(good.slice(0, 100), "file is 100 bytes, shorter than the 256-byte header");
    expectFormatError(good.slice(0, 260), "tokenizer section overruns the file");
    expectFormatError(
      good.slice(0, good.length - 1),
      /file is \d+ bytes but its header implies \d+ bytes/,
    );
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expectFormatError(
      longer,
      `file is ${good.length + 4} bytes but its header implies ${good.length} bytes`,
    );
  });

  it("wrong magic, model type and quant type", () => {
    expectFormatError(
      patched(good, (dv) => dv.setUint32(0, 0x12345678, true)),
      /magic is 0x12345678/,
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.modelType, 10, true)),
      "this is a LoRA module",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.modelType, 3, true)),
      "model type 3 is not supported",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.quant, 1, true)),
      "quant type 0x01 (F16) is not supported",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.quant, 0x42, true)),
      "(Q4_K)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.quant, 7, true)),
      "quant type 0x07 is not supported",
    );
  });

  it("zero, negative and absurd dimensions", () => {
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.nEmbd, 0, true)),
      "n_embd (0) must be between 1 and 65536",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.nLayer, -1, true)),
      "n_layer (-1) must be between 1 and 1024",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.vocab, 0x7fffffff, true)),
      "vocab_size (2147483647) must be between 6 and 2097152",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.blockSize, 1 << 21, true)),
      "block_size (2097152)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.nHidden, 0, true)),
      "n_hidden (0)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.nKvHead, 0, true)),
      "n_kv_head (0)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.nHead, 5000, true)),
      "n_head (5000)",
    );
    // A huge but in-bounds shape is refused by the length check, before anything is allocated.
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.nLayer, 1024, true)),
      /header implies/,
    );
  });

  it("inconsistent head counts and head_dim", () => {
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF.nHead, 3, true)),
      "n_embd (16) is not divisible by n_head (3)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.nKvHead, 3, true)),
      "n_head (4) is not divisible by n_kv_head (3)",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.headDim, 5, true)),
      "head_dim (5) is not n_embd / n_head",
    );
    const odd = patched(tinyBytes({ nEmbd: 12, nHead: 2 }), (dv) => {
      dv.setInt32(OFF.nHead, 4, true); // head_dim 12 / 4 = 3
      dv.setInt32(OFF2.headDim, 3, true);
    });
    expectFormatError(odd, "head_dim (3) must be even");
  });

  it("is_shared_classifier and group size", () => {
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.shared, 2, true)),
      "is_shared_classifier (2) must be 0 or 1",
    );
    expectFormatError(
      patched(good, (dv) => dv.setInt32(OFF2.group, 64, true)),
      "group size (64) must be 0 for an F32 model",
    );
    const q = tinyBytes({}, "q8_0");
    expect(readModel(q).header.groupSize).toBe(16);
    expectFormatError(
      patched(q, (dv) => dv.setInt32(OFF2.group, 0, true)),
      "group size (0) must be positive",
    );
    expectFormatError(
      patched(q, (dv) => dv.setInt32(OFF2.group, 32, true)),
      "group size (32) does not divide n_embd (16)",
    );
    const wide = tinyBytes({ nEmbd: 64, nHidden: 48 }, "q8_0"); // group size 16
    expectFormatError(
      patched(wide, (dv) => dv.setInt32(OFF2.group, 32, true)),
      "group size (32) does not divide n_hidden (48)",
    );
  });

  it("tokenizer section errors", () => {
    expectFormatError(
      patched(good, (dv) => dv.setUint32(256, 0xfffffff0, true)),
      "tokenizer section overruns the file",
    );
    expectFormatError(
      patched(good, (dv) => dv.setUint32(260, 19, true)),
      "tokenizer has 19 tokens but vocab_size is 20",
    );
    expectFormatError(
      patched(good, (dv) => dv.setUint32(256, 6, true)),
      /tokenizer section length \(6\) is invalid/,
    );
    // The first token is <|padding|>: its length byte at 264, id at 268, code points from 272.
    expectFormatError(
      patched(good, (_, b) => (b[264] = 0)),
      "token 0 has length 0",
    );
    expectFormatError(
      patched(good, (_, b) => (b[264] = 200)),
      "token 0 overruns the tokenizer section",
    );
    expectFormatError(
      patched(good, (_, b) => (b[265] = 5)),
      "token 0: is_special (5) must be 0 or 1",
    );
    expectFormatError(
      patched(good, (dv) => dv.setUint32(268, 4, true)),
      "token 0 has id 4",
    );
    expectFormatError(
      patched(good, (dv) => dv.setUint32(272, 0xd800, true)),
      "token 0: code point 0xD800 is not a valid Unicode scalar value",
    );
    expectFormatError(
      patched(good, (dv) => dv.setUint32(272, 0x110000, true)),
      "code point 0x110000",
    );
    // Four spare bytes at the end of the section (file length kept consistent).
    const sectionEnd = 256 + new DataView(good.buffer).getUint32(256, true);
    const spare = new Uint8Array(good.length + 4);
    spare.set(good.subarray(0, sectionEnd));
    spare.set(good.subarray(sectionEnd), sectionEnd + 4);
    new DataView(spare.buffer).setUint32(256, sectionEnd - 256 + 4, true);
    expectFormatError(
      spare,
      `tokenizer section is ${sectionEnd - 256 + 4} bytes but its tokens end after ${sectionEnd - 256}`,
    );
  });

  it("accepts a Node Buffer, whose slice() is a view into a larger pool", () => {
    const q = tinyBytes({}, "q8_0");
    const pool = Buffer.alloc(q.length + 64, 0x55);
    Buffer.from(q).copy(pool, 32);
    const m = readModel(pool.subarray(32, 32 + q.length));
    expect(same(writeModel(m), q)).toBe(true);
    const t = m.weights.wq[0];
    expect(t.type === "q8_0" && t.values.length).toBe(16 * 16);
  });

  it("accepts ArrayBuffer input and unaligned views", () => {
    const buf = new Uint8Array(good.length + 1);
    buf.set(good, 1);
    expect(same(writeModel(readModel(buf.subarray(1))), good)).toBe(true);
    expect(readModel(good.slice().buffer).config.nEmbd).toBe(16);
  });

  it("writeModel refuses inconsistent models", () => {
    const m = makeSyntheticModel({ config: tiny, seed: 1 });
    const broken: NanoModelFile = { ...m, weights: { ...m.weights, wq: m.weights.wq.slice(1) } };
    expect(() => writeModel(broken)).toThrowError("wq has 1 layers, not 2");
    const badShape: NanoModelFile = {
      ...m,
      weights: { ...m.weights, w2: [m.weights.w1[0], m.weights.w2[1]] },
    };
    expect(() => writeModel(badShape)).toThrowError("w2[0] is (32, 16) but should be (16, 32)");
    const vocab = m.vocab.map((t) => (t.id === 9 ? { ...t, text: "zz" } : t));
    expect(() => writeModel({ ...m, vocab })).toThrowError(
      "token 9: text does not match its code points",
    );
  });
});

describe("Q8_0 quantization rules", () => {
  it("scale = float32(max|w| / 127), ties round to even", () => {
    // max 127 gives scale 1 exactly, so w / scale = w and every .5 is a tie.
    const { values, scales } = quantizeQ8_0(
      new Float32Array([127, 2.5, 3.5, -2.5, 0.5, -1.5, 1.5, -0.5]),
      8,
    );
    expect(scales[0]).toBe(1);
    expect(Array.from(values)).toEqual([127, 2, 4, -2, 0, -2, 2, 0]);
    const w = new Float32Array([0.1, -0.3, 0.2, 0.05]);
    const q = quantizeQ8_0(w, 4);
    expect(q.scales[0]).toBe(Math.fround(Math.fround(0.3) / 127));
    expect(q.values[1]).toBe(-127);
  });

  it("roundHalfToEven", () => {
    const cases = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6, 126.5, -126.5];
    expect(cases.map((x) => roundHalfToEven(x) + 0)).toEqual([
      0, 2, 2, 0, -2, -2, 2, 3, -3, 126, -126,
    ]);
  });

  it("an all-zero group has scale 0 and values 0, and dequantizes to zeros", () => {
    const { values, scales } = quantizeQ8_0(new Float32Array([0, 0, 0, 0, 1, -1, 0.5, 0]), 4);
    expect(Array.from(scales)).toEqual([0, Math.fround(1 / 127)]);
    expect(Array.from(values)).toEqual([0, 0, 0, 0, 127, -127, 64, 0]);
    const t = { type: "q8_0" as const, rows: 2, cols: 4, values, scales, groupSize: 4 };
    expect(Array.from(dequantize(t)).slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(dequantize(t)[4]).toBeCloseTo(1, 6);
  });

  it("halves the group size until it fits every row", () => {
    const shape = (nEmbd: number, nHidden: number) => ({
      ...tiny,
      nEmbd,
      nHidden,
      headDim: 4,
      isSharedClassifier: true,
    });
    expect(fitGroupSize(shape(768, 2048))).toBe(128);
    expect(fitGroupSize(shape(32, 96))).toBe(32); // psycho-230k
    expect(fitGroupSize(shape(48, 96))).toBe(16);
    expect(fitGroupSize(shape(32, 16))).toBe(16); // sort-6: the original stops at 32 (see fitGroupSize)
    expect(fitGroupSize(shape(30, 90), 64)).toBe(2);
    expect(() => fitGroupSize(shape(32, 96), 0)).toThrowError(NanoFormatError);
  });

  it("quantizeModel refuses a model that is already Q8_0", () => {
    const q = makeSyntheticModel({ config: tiny, seed: 1, quant: "q8_0" });
    expect(() => quantizeModel(q)).toThrowError("model is not F32");
  });
});

describe("LoRA modules", () => {
  const base = makeSyntheticModel({ config: tiny, seed: 2 });

  it("round-trip byte for byte and check against their base", () => {
    const lora = makeSyntheticLora(base.config, 4, 8, 11);
    const bytes = writeLora(lora);
    // 256 + 4·n_layer·rank·(in+out summed over wq, wk, wv, wo) = 256 + 4·2·4·(32 + 24 + 24 + 32)
    expect(bytes.length).toBe(256 + 4 * 2 * 4 * (32 + 24 + 24 + 32));
    const back = readLora(bytes, base);
    expect(back.rank).toBe(4);
    expect(back.alpha).toBe(8);
    expect(back.wkB[1].data).toEqual(lora.wkB[1].data);
    expect(same(writeLora(back), bytes)).toBe(true);
  });

  it("are told apart from models and described", () => {
    const lora = makeSyntheticLora(base.config, 4, 8, 11);
    expect(fileKind(writeLora(lora))).toBe("lora");
    expect(fileKind(writeModel(base))).toBe("model");
    expect(() => fileKind(new Uint8Array(300))).toThrowError(/magic is 0x00 0x00/);
    const d = describeLora(lora);
    expect(d).toMatchObject({
      rank: 4,
      alpha: 8,
      scale: 2,
      parameterCount: 2 * 4 * (32 + 24 + 24 + 32),
    });
    expect(formatLoraDescription(d)).toContain("rank 4, alpha 8");
  });

  it("errors: another base model, wrong length, a model instead of a module", () => {
    const other = makeSyntheticLora({ ...base.config, nEmbd: 32, headDim: 8 }, 4, 8);
    const bytes = writeLora(other);
    expect(() => readLora(bytes, base)).toThrowError(
      "LoRA module was made for another base model: n_embd 32, this model has 16",
    );
    try {
      readLora(bytes, base.config);
    } catch (e) {
      expect((e as NanoFormatError).code).toBe("mismatch");
    }
    const good = writeLora(makeSyntheticLora(base.config, 4, 8));
    expect(() => readLora(good.slice(0, good.length - 4))).toThrowError(/header implies/);
    expect(() => readLora(writeModel(base))).toThrowError(
      "this is a model (model type 0), not a LoRA module",
    );
    expect(() => readLora(patched(good, (dv) => dv.setInt32(24, 0, true)))).toThrowError(
      "lora_rank (0) must be between",
    );
    expect(() => readModel(good)).toThrowError("this is a LoRA module");
  });
});
