// A Nano `.bin` model as the starting point of a training run: SFT or LoRA straight from a bundled
// model (`"init": {"from": "../../models/nano-pico.bin"}`), without the checkpoint it was trained
// from. The inverse of export.ts: the file's (out, in) matrices become tfjs's (in, out), Q8_0 is
// dequantized, and the tokenizer section becomes the tokenizer JSON the data must be encoded with.
import { readFileSync } from "node:fs";
import { dequantize, readModel, type NanoConfig, type Tensor } from "../../engine-c/ts/format.ts";
import { ropeTables } from "../../engine-c/ts/synthetic.ts";
import type { StoredTensor } from "./checkpoint.ts";
import type { ModelConfig } from "./config.ts";
import type { TokenizerJson } from "./tokenizer.ts";

/** What a run needs from its base: every parameter in tfjs layout, and the tokenizer. */
export interface BaseModel {
  params: Map<string, StoredTensor>;
  tokenizer: TokenizerJson;
}

/** True for a path the trainer reads as a Nano model file rather than a checkpoint. */
export function isModelFile(path: string): boolean {
  return path.toLowerCase().endsWith(".bin");
}

/** The tokenizer section of a `.bin` model as NanoLM's tokenizer JSON. */
export function tokenizerOfModelFile(path: string): TokenizerJson {
  const model = readModel(readModelBytes(path));
  return { version: 1, tokens: model.vocab.map((v) => ({ text: v.text, special: v.isSpecial })) };
}

function readModelBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`cannot read model ${path}: ${(e as Error).message}`);
  }
}

/**
 * Read a `.bin` model (F32 or Q8_0) as a training run's base. `expected` is the run's model
 * section: the file must have exactly that shape, so a mismatch is named here, field by field,
 * rather than surfacing as a tensor-shape error.
 */
export function readBaseModel(path: string, expected: ModelConfig): BaseModel {
  let file;
  try {
    file = readModel(readModelBytes(path));
  } catch (e) {
    throw new Error(`${path} is not a model NanoLM can start from: ${(e as Error).message}`);
  }
  const c: NanoConfig = file.config;
  const mismatches: string[] = [];
  const compare = (name: string, inFile: number | boolean, inConfig: number | boolean) => {
    if (inFile !== inConfig)
      mismatches.push(`${name} is ${inFile} in the file, ${inConfig} in the config`);
  };
  compare("blockSize", c.blockSize, expected.blockSize);
  compare("vocabSize", c.vocabSize, expected.vocabSize);
  compare("nLayer", c.nLayer, expected.nLayer);
  compare("nEmbd", c.nEmbd, expected.nEmbd);
  compare("nHead", c.nHead, expected.nHead);
  compare("nKvHead", c.nKvHead, expected.nKvHead);
  compare("nHidden", c.nHidden, expected.nHidden);
  compare("tiedEmbeddings", c.isSharedClassifier, expected.tiedEmbeddings);
  if (mismatches.length > 0) {
    throw new Error(`${path} does not match the config's model section: ${mismatches.join("; ")}`);
  }
  // The trainer computes RoPE itself (theta 10000); a file with other tables is another model.
  const rope = ropeTables(c.blockSize, c.headDim);
  const w = file.weights;
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  if (maxDiff(w.freqsCos.data, rope.cos) > 1e-5 || maxDiff(w.freqsSin.data, rope.sin) > 1e-5) {
    throw new Error(
      `${path} stores RoPE tables other than NanoLM's (theta 10000); it cannot be trained here`,
    );
  }

  const params = new Map<string, StoredTensor>();
  const vector = (name: string, data: Float32Array) =>
    params.set(name, { shape: [data.length], data: data.slice() });
  // The file's (out, in) rows → tfjs's (in, out).
  const matrix = (name: string, t: Tensor) => {
    const data = dequantize(t);
    const out = new Float32Array(data.length);
    for (let r = 0; r < t.rows; r++)
      for (let col = 0; col < t.cols; col++) out[col * t.rows + r] = data[r * t.cols + col];
    params.set(name, { shape: [t.cols, t.rows], data: out });
  };
  params.set("tok_embeddings", {
    shape: [c.vocabSize, c.nEmbd],
    data: dequantize(w.tokEmbeddings).slice(),
  });
  for (let l = 0; l < c.nLayer; l++) {
    const p = `layers.${l}.`;
    vector(p + "attention_norm", w.attentionNorm[l]);
    matrix(p + "wq", w.wq[l]);
    matrix(p + "wk", w.wk[l]);
    matrix(p + "wv", w.wv[l]);
    matrix(p + "wo", w.wo[l]);
    vector(p + "ffn_norm", w.ffnNorm[l]);
    matrix(p + "w1", w.w1[l]);
    matrix(p + "w2", w.w2[l]);
    matrix(p + "w3", w.w3[l]);
  }
  vector("norm", w.norm);
  if (w.output) matrix("output", w.output);
  return {
    params,
    tokenizer: {
      version: 1,
      tokens: file.vocab.map((v) => ({ text: v.text, special: v.isSpecial })),
    },
  };
}
