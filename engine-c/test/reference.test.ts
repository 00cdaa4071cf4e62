// Tests of engine-c/ts/reference.ts, the oracle forward pass: the original Nano goldens on the real
// models, and properties that pin down KV caching, LoRA, GQA, Q8_0 and non-causal attention.
import { describe, expect, it } from "vitest";
import {
  quantizeModel,
  readModel,
  writeModel,
  type F32Tensor,
  type LoraFile,
  type NanoModelFile,
} from "../ts/format.ts";
import {
  argmax,
  forwardSequence,
  greedyDecode,
  matVec,
  quantizeActivation,
  ReferenceSession,
  roundHalfAwayFromZero,
  seq2seq,
  tensorRow,
} from "../ts/reference.ts";
import { makeSyntheticLora, makeSyntheticModel, type SyntheticConfig } from "../ts/synthetic.ts";
import { Tokenizer } from "../ts/tokenizer.ts";
import { modelBytes, PSYCHO_GREEDY_PREFIX, PSYCHO_PROMPT_IDS, sharedModel } from "./helpers.ts";

function realModel(name: string): NanoModelFile | undefined {
  const path = sharedModel(name);
  return path ? readModel(modelBytes(path)) : undefined;
}
const psycho = realModel("psycho-230k.bin");
const sort6 = realModel("sort-6.bin");

const GOLDEN_PROMPT = PSYCHO_PROMPT_IDS; // 人类的本质是
const GOLDEN_START = PSYCHO_GREEDY_PREFIX; // 一切个体的普

function sortWith(model: NanoModelFile, digits: string): string {
  const tok = Tokenizer.fromModel(model);
  return tok.decode(seq2seq(model, tok.encode(digits)));
}

describe.skipIf(!psycho || !sort6)("the original Nano goldens", () => {
  it("psycho-230k: greedy from 人类的本质是 starts with the golden ids, top logit 188 ≈ 5.6438", () => {
    const { ids, firstLogits } = greedyDecode(psycho!, GOLDEN_PROMPT, 6);
    expect(ids).toEqual(GOLDEN_START);
    expect(argmax(firstLogits)).toBe(188);
    expect(Math.abs(firstLogits[188] - 5.6438)).toBeLessThan(1e-3);
  });

  it("sort-6 sorts six digits with bidirectional attention", () => {
    expect(sortWith(sort6!, "654321")).toBe("123456");
    expect(sortWith(sort6!, "102938")).toBe("012389");
    expect(sortWith(sort6!, "114515")).toBe("111455");
  });

  it("Q8_0 versions of both models keep these answers", () => {
    const { ids, firstLogits } = greedyDecode(quantizeModel(psycho!), GOLDEN_PROMPT, 6);
    expect(ids).toEqual(GOLDEN_START);
    expect(Math.abs(firstLogits[188] - 5.6438)).toBeLessThan(0.1); // 8-bit activations and weights
    const q = quantizeModel(sort6!);
    expect(sortWith(q, "654321")).toBe("123456");
    expect(sortWith(q, "102938")).toBe("012389");
  });
});

// ---- properties on made-up models ---------------------------------------------------------------

const gqa: SyntheticConfig = {
  blockSize: 12,
  vocabSize: 40,
  nLayer: 2,
  nEmbd: 32,
  nHead: 4,
  nKvHead: 2,
  nHidden: 64,
};
const f32Model = makeSyntheticModel({ config: gqa, seed: 21 });
const q8Model = makeSyntheticModel({ config: gqa, seed: 21, quant: "q8_0", groupSize: 16 });
const tokens = [7, 12, 30, 8, 8, 39, 2, 17];

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

const stepAll = (model: NanoModelFile, ids: number[], lora: LoraFile | null = null) => {
  const s = new ReferenceSession(model, { lora });
  return ids.map((t) => s.step(t));
};

describe("the KV-cache session", () => {
  it("equals the whole-sequence pass position by position (F32, Q8_0, with LoRA)", () => {
    const lora = makeSyntheticLora(f32Model.config, 4, 8, 5);
    for (const [model, l] of [
      [f32Model, null],
      [q8Model, null],
      [f32Model, lora],
      [q8Model, lora],
    ] as const) {
      const stepped = stepAll(model, tokens, l);
      const whole = forwardSequence(model, tokens, { lora: l });
      stepped.forEach((logits, t) => expectClose(logits, whole[t], 1e-12));
    }
  });

  it("refuses positions past block_size and ids outside the vocabulary", () => {
    const s = new ReferenceSession(f32Model);
    expect(() => s.step(40)).toThrowError(RangeError);
    for (let i = 0; i < gqa.blockSize; i++) s.step(9);
    expect(() => s.step(9)).toThrowError("position 12 is past the block size 12");
    s.reset();
    expect(s.pos).toBe(0);
    expectClose(s.step(tokens[0]), stepAll(f32Model, tokens.slice(0, 1))[0], 0);
  });

  it("observes attention weights (rows sum to 1) and the residual stream", () => {
    const s = new ReferenceSession(f32Model, { observe: true });
    for (const t of tokens.slice(0, 4)) s.step(t);
    expect(s.attention.length).toBe(gqa.nLayer);
    for (const layer of s.attention) {
      expect(layer.length).toBe(gqa.nHead);
      for (const row of layer) {
        expect(row.length).toBe(4);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
    expect(s.residual.length).toBe(gqa.nLayer + 1);
    expectClose(s.residual[0], tensorRow(f32Model.weights.tokEmbeddings, tokens[3]), 0);
  });
});

describe("LoRA", () => {
  // Fold (alpha/rank)·B·A into a copy of the F32 weights: the plain model must then agree.
  function merge(model: NanoModelFile, lora: LoraFile): NanoModelFile {
    const scale = Math.fround(lora.alpha / lora.rank);
    const fold = (w: F32Tensor, a: F32Tensor, b: F32Tensor): F32Tensor => {
      const data = new Float32Array(w.data);
      for (let i = 0; i < w.rows; i++) {
        for (let j = 0; j < w.cols; j++) {
          let s = 0;
          for (let r = 0; r < lora.rank; r++)
            s += b.data[i * lora.rank + r] * a.data[r * w.cols + j];
          data[i * w.cols + j] += scale * s;
        }
      }
      return { ...w, data };
    };
    const W = model.weights;
    const proj = (name: "wq" | "wk" | "wv" | "wo") =>
      W[name].map((w, l) => fold(w as F32Tensor, lora[`${name}A`][l], lora[`${name}B`][l]));
    return {
      ...model,
      weights: { ...W, wq: proj("wq"), wk: proj("wk"), wv: proj("wv"), wo: proj("wo") },
    };
  }

  it("W·x + (alpha/rank)·B·(A·x) equals running the merged weights", () => {
    const lora = makeSyntheticLora(f32Model.config, 4, 16, 9);
    // Make the adapter large enough to matter.
    for (const key of ["wqB", "wkB", "wvB", "woB"] as const) {
      for (const t of lora[key]) t.data.forEach((v, i) => (t.data[i] = v * 20));
    }
    const withLora = stepAll(f32Model, tokens, lora);
    const merged = stepAll(merge(f32Model, lora), tokens);
    const base = stepAll(f32Model, tokens);
    // float32 rounding of the merged weights is the only difference
    withLora.forEach((logits, t) => expectClose(logits, merged[t], 1e-5));
    expect(Math.abs(withLora[3][5] - base[3][5])).toBeGreaterThan(1e-3);
  });

  it("can be attached and detached, and refuses a module for another base", () => {
    const lora = makeSyntheticLora(f32Model.config, 2, 2, 1);
    const s = new ReferenceSession(f32Model, { lora });
    s.setLora(null);
    expectClose(s.step(tokens[0]), stepAll(f32Model, tokens.slice(0, 1))[0], 0);
    const other = makeSyntheticLora({ ...f32Model.config, nHidden: 32 }, 2, 2);
    expect(() => s.setLora(other)).toThrowError(
      "LoRA module was made for another base model: n_hidden 32, this model has 64",
    );
  });
});

describe("attention variants", () => {
  it("non-causal positions see later tokens, causal ones do not", () => {
    const changed = [...tokens.slice(0, -1), 3];
    const causalA = forwardSequence(f32Model, tokens);
    const causalB = forwardSequence(f32Model, changed);
    expectClose(causalA[0], causalB[0], 0);
    const bidiA = forwardSequence(f32Model, tokens, { causal: false });
    const bidiB = forwardSequence(f32Model, changed, { causal: false });
    expect(Math.abs(bidiA[0][5] - bidiB[0][5])).toBeGreaterThan(1e-9);
    // With one layer the last position sees the same keys and values either way (with more
    // layers the earlier positions' keys differ, as they saw later tokens).
    const oneLayer = makeSyntheticModel({ config: { ...gqa, nLayer: 1 }, seed: 4 });
    const last = tokens.length - 1;
    expectClose(
      forwardSequence(oneLayer, tokens, { causal: false })[last],
      forwardSequence(oneLayer, tokens)[last],
      1e-12,
    );
  });

  it("GQA with one KV head per query head equals repeating the KV heads", () => {
    // Duplicate each KV head's rows in wk and wv so that n_kv_head = n_head gives the same model.
    const c = { ...f32Model.config, nKvHead: 4 };
    const hd = c.headDim;
    const repeat = (w: F32Tensor): F32Tensor => {
      const data = new Float32Array(4 * hd * c.nEmbd);
      for (let h = 0; h < 4; h++) {
        const src = w.data.subarray(
          Math.floor(h / 2) * hd * c.nEmbd,
          (Math.floor(h / 2) + 1) * hd * c.nEmbd,
        );
        data.set(src, h * hd * c.nEmbd);
      }
      return { type: "f32", rows: 4 * hd, cols: c.nEmbd, data };
    };
    const W = f32Model.weights;
    const mha: NanoModelFile = {
      ...f32Model,
      config: c,
      weights: {
        ...W,
        wk: W.wk.map((w) => repeat(w as F32Tensor)),
        wv: W.wv.map((w) => repeat(w as F32Tensor)),
      },
    };
    stepAll(mha, tokens).forEach((logits, t) =>
      expectClose(logits, stepAll(f32Model, tokens)[t], 1e-12),
    );
  });

  it("an unshared classifier reads `output` (here a copy of the embeddings, through the file)", () => {
    const W = f32Model.weights;
    const emb = W.tokEmbeddings as F32Tensor;
    const unshared: NanoModelFile = {
      ...f32Model,
      config: { ...f32Model.config, isSharedClassifier: false },
      weights: { ...W, output: { ...emb, data: emb.data.slice() } },
    };
    const reread = readModel(writeModel(unshared));
    expectClose(stepAll(reread, tokens)[2], stepAll(f32Model, tokens)[2], 0);
  });
});

describe("Q8_0 arithmetic as the original engine does it", () => {
  it("quantizes activations with ties away from zero", () => {
    const { values, scales } = quantizeActivation([127, 2.5, -2.5, 0.5, 0, 0, 0, 0], 4);
    expect(Array.from(scales)).toEqual([1, 0]);
    expect(Array.from(values)).toEqual([127, 3, -3, 1, 0, 0, 0, 0]);
    expect([0.5, -0.5, 1.5, -1.5, 2.49].map((x) => roundHalfAwayFromZero(x) + 0)).toEqual([
      1, -1, 2, -2, 2,
    ]);
  });

  it("sums int8 products per group, then multiplies by both scales", () => {
    const w = {
      type: "q8_0" as const,
      rows: 1,
      cols: 8,
      values: new Int8Array([1, 2, 3, 4, -1, -2, -3, -4]),
      scales: new Float32Array([0.5, 0.25]),
      groupSize: 4,
    };
    // x groups: [127, 0, 0, 0] (scale 1) and [0, 0, 0, 254] (scale 2, codes 127)
    const out = matVec(w, new Float64Array([127, 0, 0, 0, 0, 0, 0, 254]));
    expect(out[0]).toBe(127 * 1 * 0.5 * 1 + -4 * 127 * 0.25 * 2);
  });

  it("stays close to the F32 pass on the dequantized weights", () => {
    const q = quantizeModel(f32Model, 16);
    const qLogits = stepAll(q, tokens);
    const dq = stepAll(readModel(writeModel(q)), tokens);
    qLogits.forEach((l, t) => expectClose(l, dq[t], 0)); // the file round trip changes nothing
    const f = stepAll(f32Model, tokens);
    qLogits.forEach((l, t) => expectClose(l, f[t], 0.02));
  });
});
