// Tests of (nano format) against engine-c/ts/format.ts, the oracle it mirrors: the same files
// parse to the same config, tokens and tensors (every value), and the same bad files fail with the
// same message, prefixed "nano format: ". The real models are used where present (skipped visibly
// otherwise); everything else runs on synthetic models made by engine-c/ts/synthetic.ts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkLoraFits,
  dequantize,
  quantizeModel,
  readLora,
  readModel,
  writeLora,
  writeModel,
  type LoraFile,
  type NanoModelFile,
  type Tensor,
} from "../../engine-c/ts/format.ts";
import {
  makeSyntheticLora,
  makeSyntheticModel,
  type SyntheticConfig,
} from "../../engine-c/ts/synthetic.ts";
import {
  modelBytes,
  newScheme,
  schemeError,
  schemeString,
  schemeValue,
  sharedModel,
  tempDir,
  toScheme,
} from "./helpers.ts";

// ---- the model as plain data, from both parsers -------------------------------------------------

// Everything (nano format) exposes, as one list: header, config, tokens, flags, every tensor.
const SCHEME_SUMMARY = `
  (import (scheme base) (nano format) (test data))
  (define (matrix->list m)
    (list (matrix-rows m) (matrix-cols m) (matrix-type m) (matrix-values m) (matrix-scales m)
          (matrix-group-size m)))
  (define (summary m)
    (let ((h (model-header m)) (c (model-config m)))
      (list (list (header-major-version h) (header-minor-version h) (header-model-type h)
                  (header-config-length h) (header-quant-type h) (header-group-size h))
            (list (config-block-size c) (config-vocab-size c) (config-n-layer c) (config-n-embd c)
                  (config-n-head c) (config-n-kv-head c) (config-n-hidden c)
                  (config-shared-classifier? c) (config-head-dim c) (config-kv-dim c)
                  (config-quant c) (config-group-size c))
            (model-tokens m)
            (model-special-flags m)
            (model-attention-norm m)
            (model-ffn-norm m)
            (model-final-norm m)
            (matrix->list (model-embedding m))
            (vector-map matrix->list (model-wq m))
            (vector-map matrix->list (model-wk m))
            (vector-map matrix->list (model-wv m))
            (vector-map matrix->list (model-wo m))
            (vector-map matrix->list (model-w1 m))
            (vector-map matrix->list (model-w2 m))
            (vector-map matrix->list (model-w3 m))
            (model-freqs-cos m)
            (model-freqs-sin m)
            (eq? (model-classifier m) (model-embedding m))
            (matrix->list (model-classifier m)))))
`;

/** (nano format)'s view of a model file's bytes. */
function schemeSummary(bytes: Uint8Array): unknown {
  return schemeValue(`${SCHEME_SUMMARY} (summary (bytevector->model model-bytes))`, {
    "model-bytes": bytes,
  });
}

function tensorSummary(t: Tensor): unknown[] {
  return t.type === "f32"
    ? [t.rows, t.cols, "f32", t.data, false, 0]
    : [t.rows, t.cols, "q8_0", t.values, t.scales, t.groupSize];
}

/** engine-c/ts/format.ts's view of the same file, in SCHEME_SUMMARY's shape. */
function tsSummary(m: NanoModelFile): unknown {
  const { header: h, config: c, weights: w } = m;
  return [
    [h.majorVersion, h.minorVersion, h.modelType, h.configLength, h.quantType, h.groupSize],
    [
      c.blockSize,
      c.vocabSize,
      c.nLayer,
      c.nEmbd,
      c.nHead,
      c.nKvHead,
      c.nHidden,
      c.isSharedClassifier,
      c.headDim,
      c.nKvHead * c.headDim,
      h.quantType === 0x80 ? "q8_0" : "f32",
      h.groupSize,
    ],
    m.vocab.map((t) => t.text),
    m.vocab.map((t) => t.isSpecial),
    w.attentionNorm,
    w.ffnNorm,
    w.norm,
    tensorSummary(w.tokEmbeddings),
    w.wq.map(tensorSummary),
    w.wk.map(tensorSummary),
    w.wv.map(tensorSummary),
    w.wo.map(tensorSummary),
    w.w1.map(tensorSummary),
    w.w2.map(tensorSummary),
    w.w3.map(tensorSummary),
    w.freqsCos.data,
    w.freqsSin.data,
    w.output === undefined,
    tensorSummary(w.output ?? w.tokEmbeddings),
  ];
}

function expectSameParse(bytes: Uint8Array): void {
  expect(schemeSummary(bytes)).toEqual(tsSummary(readModel(bytes)));
}

// ---- the real models (skipped, visibly, when the shared folder is absent) ----------------------

const psychoPath = sharedModel("psycho-230k.bin");
const sortPath = sharedModel("sort-6.bin");

describe.skipIf(!psychoPath || !sortPath)("the real models (shared models needed)", () => {
  it("parse exactly as engine-c/ts/format.ts parses them, F32", () => {
    expectSameParse(modelBytes(psychoPath!));
    expectSameParse(modelBytes(sortPath!));
  });

  it("parse exactly as the TS parser does when quantized to Q8_0 by the TS quantizer", () => {
    for (const path of [psychoPath!, sortPath!]) {
      const q8 = writeModel(quantizeModel(readModel(modelBytes(path))));
      expectSameParse(q8);
    }
  });

  it("reads psycho-230k from its path, with the format page's facts", () => {
    const facts = schemeValue(`
      (import (scheme base) (nano format))
      (define m (read-model ${schemeString(psychoPath!)}))
      (define c (model-config m))
      (list (config-block-size c) (config-vocab-size c) (config-n-layer c) (config-n-embd c)
            (config-n-head c) (config-n-kv-head c) (config-n-hidden c) (config-head-dim c)
            (config-shared-classifier? c) (config-quant c)
            (vector-ref (model-tokens m) 3) (vector-ref (model-special-flags m) 11)
            (vector-ref (model-special-flags m) 12)
            (eq? (model-classifier m) (model-embedding m)))`);
    expect(facts).toEqual([
      512,
      4096,
      8,
      32,
      4,
      2,
      96,
      8,
      true,
      "f32",
      "<|eos|>",
      true,
      false,
      true,
    ]);
  });

  it("loads psycho-230k well under a second", () => {
    const { scheme } = newScheme({ "model-bytes": modelBytes(psychoPath!) });
    const start = performance.now();
    scheme.run(`(import (nano format) (test data)) (bytevector->model model-bytes)`, "t.scm");
    const seconds = (performance.now() - start) / 1000;
    console.log(`(nano format) parsed psycho-230k in ${seconds.toFixed(3)} s`);
    expect(seconds).toBeLessThan(1); // typically ~0.05 s
  });
});

// ---- synthetic models ---------------------------------------------------------------------------

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

// Copy `bytes` and let `edit` poke at the copy through a DataView.
function patched(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

describe("synthetic models parse exactly as the TS parser parses them", () => {
  it("F32 and Q8_0, shared and unshared classifier", () => {
    for (const quant of ["f32", "q8_0"] as const) {
      for (const isSharedClassifier of [true, false]) {
        const m = makeSyntheticModel({ config: { ...tiny, isSharedClassifier }, quant, seed: 9 });
        expectSameParse(writeModel(m));
      }
    }
  });

  it("other shapes: no GQA, one layer, a small Q8_0 group, config length 36", () => {
    expectSameParse(tinyBytes({ nKvHead: 4, nLayer: 1 }));
    expectSameParse(
      writeModel(makeSyntheticModel({ config: tiny, quant: "q8_0", groupSize: 4, seed: 2 })),
    );
    expectSameParse(patched(tinyBytes(), (dv) => dv.setInt32(20, 36, true)));
  });

  it("keeps the unshared classifier apart, read after the RoPE tables", () => {
    const m = makeSyntheticModel({ config: { ...tiny, isSharedClassifier: false }, seed: 4 });
    const out = m.weights.output!;
    if (out.type !== "f32") throw new Error("expected f32");
    const r = schemeValue(
      `(import (scheme base) (nano format) (test data))
       (define m (bytevector->model model-bytes))
       (list (eq? (model-classifier m) (model-embedding m))
             (matrix-values (model-classifier m)))`,
      { "model-bytes": writeModel(m) },
    );
    expect(r).toEqual([false, out.data]);
  });

  it("matrix-ref dequantizes Q8_0 weights as the TS dequantize does (up to float32 rounding)", () => {
    const m = makeSyntheticModel({ config: tiny, quant: "q8_0", seed: 5 });
    const w2 = m.weights.w2[1];
    const got = schemeValue(
      `(import (scheme base) (nano format) (test data))
       (define w2 (vector-ref (model-w2 (bytevector->model model-bytes)) 1))
       (let loop ((r 0) (c 0) (out '()))
         (cond ((= r (matrix-rows w2)) (reverse out))
               ((= c (matrix-cols w2)) (loop (+ r 1) 0 out))
               (else (loop r (+ c 1) (cons (matrix-ref w2 r c) out)))))`,
      { "model-bytes": writeModel(m) },
    );
    // matrix-ref gives the exact product int8 · scale; TS stores it rounded to float32.
    expect((got as number[]).map(Math.fround)).toEqual(Array.from(dequantize(w2)));
  });

  it("reads a model from a file path", () => {
    const path = join(tempDir(), "tiny.bin");
    const bytes = tinyBytes();
    writeFileSync(path, bytes);
    const r = schemeValue(`
      (import (scheme base) (nano format))
      (config-n-hidden (model-config (read-model ${schemeString(path)})))`);
    expect(r).toBe(32);
  });
});

// ---- bad files: the same message as the TS parser's ---------------------------------------------

// Run every bad file through one interpreter; each gives its error message (or "parsed").
const SCHEME_MESSAGES = `
  (import (scheme base) (nano format) (test data))
  (define (message-of thunk)
    (guard (e ((error-object? e) (error-object-message e)))
      (thunk)
      "parsed"))
  (map (lambda (bv) (message-of (lambda () (READ bv)))) files)
`;

function schemeMessages(files: Uint8Array[], reader: string): unknown {
  return schemeValue(SCHEME_MESSAGES.replace("READ", reader), { files: toScheme(files) });
}

function tsMessage(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    return "nano format: " + (e as Error).message;
  }
  return "parsed";
}

// Header offsets (§1).
const OFF = { modelType: 16, blockSize: 24, vocab: 28, nLayer: 32, nEmbd: 36, nHead: 40 } as const;
const OFF2 = { nKvHead: 44, nHidden: 48, shared: 52, headDim: 56, quant: 60, group: 64 } as const;

// Every way engine-c/test/format.test.ts breaks a model, each with (part of) the expected message.
function badModels(): [Uint8Array, string][] {
  const good = tinyBytes();
  const q = tinyBytes({}, "q8_0"); // group size 16
  const wide = tinyBytes({ nEmbd: 64, nHidden: 48 }, "q8_0");
  const longer = new Uint8Array(good.length + 4);
  longer.set(good);
  const sectionEnd = 256 + new DataView(good.buffer).getUint32(256, true);
  const spare = patched(new Uint8Array(good.length + 4), (dv, b) => {
    b.set(good.subarray(0, sectionEnd));
    b.set(good.subarray(sectionEnd), sectionEnd + 4);
    dv.setUint32(256, sectionEnd - 256 + 4, true);
  });
  const set = (bytes: Uint8Array, off: number, v: number) =>
    patched(bytes, (dv) => dv.setInt32(off, v, true));
  return [
    [good.slice(0, 100), "file is 100 bytes, shorter than the 256-byte header"],
    [good.slice(0, 260), "tokenizer section overruns the file"],
    [good.slice(0, good.length - 1), "but its header implies"],
    [longer, `file is ${good.length + 4} bytes but its header implies ${good.length} bytes`],
    [set(good, 0, 0x12345678), "not a Nano model file: magic is 0x12345678 0x55524C4D"],
    [set(good, OFF.modelType, 10), "this is a LoRA module (model type 10), not a model"],
    [set(good, OFF.modelType, 3), "model type 3 is not supported"],
    [set(good, OFF2.quant, 1), "quant type 0x01 (F16) is not supported"],
    [set(good, OFF2.quant, 0x42), "(Q4_K)"],
    [set(good, OFF2.quant, 7), "quant type 0x07 is not supported"],
    [set(good, OFF2.quant, -1), "quant type 0xFFFFFFFF is not supported"],
    [set(good, OFF.nEmbd, 0), "n_embd (0) must be between 1 and 65536"],
    [set(good, OFF.nLayer, -1), "n_layer (-1) must be between 1 and 1024"],
    [set(good, OFF.vocab, 0x7fffffff), "vocab_size (2147483647) must be between 6 and 2097152"],
    [set(good, OFF.vocab, 5), "vocab_size (5) must be between 6"],
    [set(good, OFF.blockSize, 1 << 21), "block_size (2097152)"],
    [set(good, OFF2.nHidden, 0), "n_hidden (0)"],
    [set(good, OFF2.nKvHead, 0), "n_kv_head (0)"],
    [set(good, OFF.nHead, 5000), "n_head (5000)"],
    [set(good, OFF.nLayer, 1024), "header implies"],
    [set(good, OFF.nHead, 3), "n_embd (16) is not divisible by n_head (3)"],
    [set(good, OFF2.nKvHead, 3), "n_head (4) is not divisible by n_kv_head (3)"],
    [set(good, OFF2.headDim, 5), "head_dim (5) is not n_embd / n_head (16 / 4 = 4)"],
    [
      patched(tinyBytes({ nEmbd: 12, nHead: 2 }), (dv) => {
        dv.setInt32(OFF.nHead, 4, true); // head_dim 12 / 4 = 3
        dv.setInt32(OFF2.headDim, 3, true);
      }),
      "head_dim (3) must be even",
    ],
    [set(good, OFF2.shared, 2), "is_shared_classifier (2) must be 0 or 1"],
    [set(good, OFF2.shared, 0), "header implies"],
    [set(good, OFF2.group, 64), "group size (64) must be 0 for an F32 model"],
    [set(q, OFF2.group, 0), "group size (0) must be positive for a Q8_0 model"],
    [set(q, OFF2.group, 32), "group size (32) does not divide n_embd (16)"],
    [set(q, OFF2.group, 8), "header implies"],
    [set(wide, OFF2.group, 32), "group size (32) does not divide n_hidden (48)"],
    [set(q, OFF2.quant, 0), "group size (16) must be 0 for an F32 model"],
    [
      patched(good, (dv) => dv.setUint32(256, 0xfffffff0, true)),
      "tokenizer section overruns the file",
    ],
    [
      patched(good, (dv) => dv.setUint32(260, 19, true)),
      "tokenizer has 19 tokens but vocab_size is 20",
    ],
    [patched(good, (dv) => dv.setUint32(256, 6, true)), "tokenizer section length (6) is invalid"],
    [patched(good, (dv) => dv.setUint32(256, 8, true)), "is too short for 20 tokens"],
    [patched(good, (_, b) => (b[264] = 0)), "token 0 has length 0"],
    [patched(good, (_, b) => (b[264] = 200)), "token 0 overruns the tokenizer section"],
    [patched(good, (_, b) => (b[265] = 5)), "token 0: is_special (5) must be 0 or 1"],
    [patched(good, (dv) => dv.setUint32(268, 4, true)), "token 0 has id 4"],
    [
      patched(good, (dv) => dv.setUint32(272, 0xd800, true)),
      "token 0: code point 0xD800 is not a valid Unicode scalar value",
    ],
    [patched(good, (dv) => dv.setUint32(272, 0x110000, true)), "code point 0x110000"],
    [spare, "tokenizer section is"],
  ];
}

describe("bad model files fail with the TS parser's message, prefixed 'nano format: '", () => {
  const cases = badModels();
  const messages = schemeMessages(
    cases.map(([bytes]) => bytes),
    "bytevector->model",
  ) as string[];

  it("gives one message per bad file, identical to engine-c/ts/format.ts's", () => {
    expect(messages).toEqual(cases.map(([bytes]) => tsMessage(() => readModel(bytes))));
  });

  it("says what is wrong in words a user can act on", () => {
    cases.forEach(([, expected], i) => {
      expect(messages[i]).toMatch(/^nano format: /);
      expect(messages[i]).toContain(expected);
    });
  });

  it("reports a missing file by name", () => {
    const msg = schemeError(`(import (nano format)) (read-model "/no/such/model.bin")`);
    expect(msg).toContain("/no/such/model.bin");
  });
});

// ---- LoRA modules ------------------------------------------------------------------------------

const SCHEME_LORA_SUMMARY = `
  (import (scheme base) (nano format) (test data))
  (define (matrix->list m) (list (matrix-rows m) (matrix-cols m) (matrix-values m)))
  (define l (bytevector->lora lora-bytes))
  (list (lora-rank l) (lora-alpha l) (lora-n-layer l) (lora-n-embd l) (lora-n-head l)
        (lora-n-kv-head l) (lora-n-hidden l)
        (map (lambda (p)
               (list (vector-map matrix->list (lora-a l p)) (vector-map matrix->list (lora-b l p))))
             '(wq wk wv wo)))
`;

function tsLoraSummary(l: LoraFile): unknown {
  const b = l.base;
  const ms = (ts: { rows: number; cols: number; data: Float32Array }[]) =>
    ts.map((t) => [t.rows, t.cols, t.data]);
  return [
    l.rank,
    l.alpha,
    b.nLayer,
    b.nEmbd,
    b.nHead,
    b.nKvHead,
    b.nHidden,
    [
      [ms(l.wqA), ms(l.wqB)],
      [ms(l.wkA), ms(l.wkB)],
      [ms(l.wvA), ms(l.wvB)],
      [ms(l.woA), ms(l.woB)],
    ],
  ];
}

describe("LoRA modules", () => {
  const base = makeSyntheticModel({ config: tiny, seed: 1 });
  const loraBytes = writeLora(makeSyntheticLora(base.config, 4, 8, 7));

  it("parse exactly as the TS parser parses them", () => {
    expect(schemeValue(SCHEME_LORA_SUMMARY, { "lora-bytes": loraBytes })).toEqual(
      tsLoraSummary(readLora(loraBytes)),
    );
  });

  it("check-lora-fits accepts the base model and names the first mismatch otherwise", () => {
    const other = makeSyntheticModel({ config: { ...tiny, nLayer: 3 }, seed: 1 });
    const check = (model: Uint8Array) =>
      schemeValue(
        `(import (scheme base) (nano format) (test data))
         (guard (e ((error-object? e) (error-object-message e)))
           (check-lora-fits (bytevector->lora lora-bytes) (bytevector->model model-bytes))
           (check-lora-fits (bytevector->lora lora-bytes)
                            (model-config (bytevector->model model-bytes)))
           "fits")`,
        { "lora-bytes": loraBytes, "model-bytes": model },
      );
    expect(check(writeModel(base))).toBe("fits");
    const lora = readLora(loraBytes);
    expect(check(writeModel(other))).toBe(tsMessage(() => checkLoraFits(lora.base, other)));
    expect(check(writeModel(other))).toBe(
      "nano format: LoRA module was made for another base model: n_layer 2, this model has 3",
    );
  });

  it("bad LoRA files fail with the TS parser's message", () => {
    const set = (off: number, v: number) => patched(loraBytes, (dv) => dv.setInt32(off, v, true));
    const cases: [Uint8Array, string][] = [
      [loraBytes.slice(0, 10), "shorter than the 256-byte header"],
      [set(0, 1), "not a Nano LoRA module: magic is 0x01"],
      [set(16, 0), "this is a model (model type 0), not a LoRA module"],
      [set(16, 3), "model type 3 is not a LoRA module (10)"],
      [set(24, 0), "lora_rank (0) must be between 1 and 65536"],
      [set(28, -2), "lora_alpha (-2) must be between 1 and 1048576"],
      [set(40, 3), "n_embd (16) is not divisible by n_head (3)"],
      [set(24, 5), "but its header implies"],
      [loraBytes.slice(0, loraBytes.length - 4), "but its header implies"],
      [tinyBytes(), "this is a model (model type 0), not a LoRA module"],
    ];
    const messages = schemeMessages(
      cases.map(([bytes]) => bytes),
      "bytevector->lora",
    ) as string[];
    expect(messages).toEqual(cases.map(([bytes]) => tsMessage(() => readLora(bytes))));
    cases.forEach(([, expected], i) => expect(messages[i]).toContain(expected));
  });

  it("lora-a names the projections it knows", () => {
    const msg = schemeError(
      `(import (nano format) (test data)) (lora-a (bytevector->lora lora-bytes) 'w1)`,
      { "lora-bytes": loraBytes },
    );
    expect(msg).toBe("nano format: a LoRA module adapts wq, wk, wv and wo, not w1");
  });
});
