// format.ts — the original Nano project's `.bin` model and LoRA formats (../shared/NANO-FORMAT.md):
// read with full validation, write byte for byte, quantize F32 → Q8_0 like the original exporter.
//
// Browser-safe: works on Uint8Array/ArrayBuffer only. Every number a header holds is checked before
// anything is sized by it, and a bad file is a NanoFormatError with a one-line message naming the
// field. The parsed model owns copies of its tensors (the input bytes can be dropped afterwards).

// ---- constants (NANO-FORMAT.md §1) ------------------------------------------------------------

/** The two magic words every Nano file starts with ("S4DB" "MLRU" on disk). */
export const NANO_MAGIC = [0x42443453, 0x55524c4d] as const;
/** Bytes in the fixed header (zero padded). */
export const HEADER_BYTES = 256;
/** Quant type field: plain float32 weights. */
export const QUANT_F32 = 0x00;
/** Quant type field: int8 values with one float32 scale per group. */
export const QUANT_Q8_0 = 0x80;
/** Model type field: a Nano language model. */
export const MODEL_TYPE_NANO = 0;
/** Model type field: a LoRA module (§5). */
export const MODEL_TYPE_LORA = 10;
/** Group size the original exporter starts from before halving it to fit. */
export const DEFAULT_GROUP_SIZE = 128;

/** Largest accepted value of each config field (the C loader uses the same bounds). */
export const LIMITS = {
  blockSize: 1 << 20,
  vocabSize: 1 << 21,
  nLayer: 1024,
  nEmbd: 1 << 16,
  nHead: 1024,
  nHidden: 1 << 18,
  loraRank: 1 << 16,
  loraAlpha: 1 << 20,
} as const;

/** The RMSNorm epsilon every Nano model uses (§6). */
export const RMS_NORM_EPS = 1e-5;

// ---- types --------------------------------------------------------------------------------------

/** A file that is not a valid Nano model or LoRA module; the message is one line meant for users. */
export class NanoFormatError extends Error {
  override name = "NanoFormatError";
  /** "mismatch": a LoRA module made for another base model; "format": anything else. */
  readonly code: "format" | "mismatch";
  constructor(message: string, code: "format" | "mismatch" = "format") {
    super(message);
    this.code = code;
  }
}

/** Header fields other than the config (§1). */
export interface NanoHeader {
  majorVersion: number;
  minorVersion: number;
  modelType: number;
  /** Stored and written back, never trusted: both 32 and 36 are followed by nine ints. */
  configLength: number;
  quantType: number;
  /** Q8_0 group length; 0 for F32. */
  groupSize: number;
}

/** The model's shape (§1 config block). */
export interface NanoConfig {
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nKvHead: number;
  nHidden: number;
  /** true: the classifier is tok_embeddings and there is no `output` tensor. */
  isSharedClassifier: boolean;
  /** n_embd / n_head. */
  headDim: number;
}

/** One tokenizer entry (§2). `codePoints` is what is written; `text` must be the same string. */
export interface VocabEntry {
  id: number;
  text: string;
  codePoints: number[];
  isSpecial: boolean;
}

/** A row-major float32 matrix (rows × cols). */
export interface F32Tensor {
  type: "f32";
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A row-major Q8_0 matrix: value[i] = values[i] * scales[floor(i / groupSize)] (§4). */
export interface Q8Tensor {
  type: "q8_0";
  rows: number;
  cols: number;
  values: Int8Array;
  scales: Float32Array;
  groupSize: number;
}

/** A weight matrix in either storage. */
export type Tensor = F32Tensor | Q8Tensor;

/** All parameters of a model, per layer where the file stacks them (§3, §4). */
export interface NanoWeights {
  /** [n_layer] each (n_embd) */
  attentionNorm: Float32Array[];
  /** [n_layer] each (n_embd) */
  ffnNorm: Float32Array[];
  /** (n_embd), the final norm */
  norm: Float32Array;
  /** (vocab_size, n_embd) */
  tokEmbeddings: Tensor;
  /** [n_layer] each (n_head·head_dim, n_embd) */
  wq: Tensor[];
  /** [n_layer] each (kv_dim, n_embd) */
  wk: Tensor[];
  /** [n_layer] each (kv_dim, n_embd) */
  wv: Tensor[];
  /** [n_layer] each (n_embd, n_head·head_dim) */
  wo: Tensor[];
  /** [n_layer] each (n_hidden, n_embd), gate */
  w1: Tensor[];
  /** [n_layer] each (n_embd, n_hidden), down */
  w2: Tensor[];
  /** [n_layer] each (n_hidden, n_embd), up */
  w3: Tensor[];
  /** (block_size, head_dim/2) */
  freqsCos: F32Tensor;
  /** (block_size, head_dim/2) */
  freqsSin: F32Tensor;
  /** (vocab_size, n_embd), present only when the classifier is not shared */
  output?: Tensor;
}

/** A whole `.bin` model file, parsed. */
export interface NanoModelFile {
  header: NanoHeader;
  config: NanoConfig;
  vocab: VocabEntry[];
  weights: NanoWeights;
}

/** The base-model dimensions a LoRA module records so it can be checked against its base (§5). */
export interface LoraBaseDims {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nKvHead: number;
  nHidden: number;
}

/** A LoRA module file (§5): per layer, A is (rank, in_features) and B is (out_features, rank). */
export interface LoraFile {
  header: { majorVersion: number; minorVersion: number; configLength: number };
  rank: number;
  alpha: number;
  base: LoraBaseDims;
  /** the eighth config int, written 0 by the original */
  reserved: number;
  wqA: F32Tensor[];
  wqB: F32Tensor[];
  wkA: F32Tensor[];
  wkB: F32Tensor[];
  wvA: F32Tensor[];
  wvB: F32Tensor[];
  woA: F32Tensor[];
  woB: F32Tensor[];
}

// ---- byte helpers -------------------------------------------------------------------------------

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Copy n little-endian float32s starting at byte `off` (any alignment) into a fresh array.
function readF32(bytes: Uint8Array, off: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(off, off + 4 * n));
  } else {
    const dv = dataView(bytes);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(off + 4 * i, true);
  }
  return out;
}

function writeF32(bytes: Uint8Array, off: number, data: Float32Array): number {
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), off);
  } else {
    const dv = dataView(bytes);
    for (let i = 0; i < data.length; i++) dv.setFloat32(off + 4 * i, data[i], true);
  }
  return off + 4 * data.length;
}

const hex = (n: number) => "0x" + (n >>> 0).toString(16).toUpperCase().padStart(2, "0");

// ---- shapes and sizes ---------------------------------------------------------------------------

/** kv_dim = n_kv_head · head_dim: the width of one position's keys (and values). */
export function kvDim(config: NanoConfig): number {
  return config.nKvHead * config.headDim;
}

// The quantizable matrices of one layer, in file order, with their (rows, cols).
function layerMatrixShapes(c: NanoConfig): Record<LayerMatrix, [number, number]> {
  const qDim = c.nHead * c.headDim;
  return {
    wq: [qDim, c.nEmbd],
    wk: [kvDim(c), c.nEmbd],
    wv: [kvDim(c), c.nEmbd],
    wo: [c.nEmbd, qDim],
    w1: [c.nHidden, c.nEmbd],
    w2: [c.nEmbd, c.nHidden],
    w3: [c.nHidden, c.nEmbd],
  };
}

type LayerMatrix = "wq" | "wk" | "wv" | "wo" | "w1" | "w2" | "w3";
const LAYER_MATRICES: LayerMatrix[] = ["wq", "wk", "wv", "wo", "w1", "w2", "w3"];

// Bytes one stored matrix of n elements takes.
function matrixBytes(n: number, quantType: number, groupSize: number): number {
  return quantType === QUANT_Q8_0 ? n + 4 * (n / groupSize) : 4 * n;
}

/** Bytes of the parameter section (everything after the tokenizer) for a valid config (§3, §4). */
export function parameterBytes(c: NanoConfig, quantType: number, groupSize: number): number {
  const L = c.nLayer;
  let bytes = 4 * (2 * L * c.nEmbd + c.nEmbd); // the three norms, always f32
  const matrices = c.isSharedClassifier ? 1 : 2; // tok_embeddings (+ output)
  bytes += matrices * matrixBytes(c.vocabSize * c.nEmbd, quantType, groupSize);
  for (const [rows, cols] of Object.values(layerMatrixShapes(c))) {
    bytes += L * matrixBytes(rows * cols, quantType, groupSize);
  }
  bytes += 2 * 4 * c.blockSize * (c.headDim / 2); // RoPE tables, always f32
  return bytes;
}

/** Number of parameters: the tied classifier counted once, RoPE tables not counted. */
export function parameterCount(c: NanoConfig): number {
  const L = c.nLayer;
  let n = 2 * L * c.nEmbd + c.nEmbd + c.vocabSize * c.nEmbd;
  for (const [rows, cols] of Object.values(layerMatrixShapes(c))) n += L * rows * cols;
  if (!c.isSharedClassifier) n += c.vocabSize * c.nEmbd;
  return n;
}

/** Bytes of the tokenizer section (§2), including its two leading u32 fields. */
export function tokenizerBytes(vocab: readonly VocabEntry[]): number {
  let n = 8;
  for (const t of vocab) n += 8 + 4 * t.codePoints.length;
  return n;
}

/** Bytes the whole file takes when written. */
export function modelFileBytes(model: NanoModelFile): number {
  const { header, config } = model;
  return (
    HEADER_BYTES +
    tokenizerBytes(model.vocab) +
    parameterBytes(config, header.quantType, header.groupSize)
  );
}

/** The group size the original exporter ends up with: halved until it divides every row (§4). */
export function fitGroupSize(config: NanoConfig, groupSize = DEFAULT_GROUP_SIZE): number {
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new NanoFormatError(`group size (${groupSize}) must be a positive integer`);
  }
  // The original halves only until n_embd is divisible; we also fit n_hidden (the rows of w2), as
  // otherwise groups straddle rows and the original engine's own matmul skips them. The two agree
  // whenever the original's file is usable (n_hidden divisible by the n_embd-fitted size).
  let gs = groupSize;
  while (config.nEmbd % gs !== 0 || config.nHidden % gs !== 0) gs = Math.floor(gs / 2);
  return gs;
}

// ---- validation ---------------------------------------------------------------------------------

function checkRange(name: string, value: number, max: number, min = 1): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NanoFormatError(`${name} (${value}) must be between ${min} and ${max}`);
  }
}

/** Ids 0–5 are the special tokens every Nano model has (padding … response mark). */
const MIN_VOCAB_SIZE = 6;

const QUANT_NAMES: Record<number, string> = {
  0x00: "F32",
  0x01: "F16",
  0x02: "BF16",
  0x42: "Q4_K",
};

/** The layer shape a model and its LoRA modules share: ranges and head divisibility. */
function validateLayerDims(d: LoraBaseDims): void {
  checkRange("n_layer", d.nLayer, LIMITS.nLayer);
  checkRange("n_embd", d.nEmbd, LIMITS.nEmbd);
  checkRange("n_head", d.nHead, LIMITS.nHead);
  checkRange("n_kv_head", d.nKvHead, LIMITS.nHead);
  checkRange("n_hidden", d.nHidden, LIMITS.nHidden);
  if (d.nEmbd % d.nHead !== 0) {
    throw new NanoFormatError(`n_embd (${d.nEmbd}) is not divisible by n_head (${d.nHead})`);
  }
  if (d.nHead % d.nKvHead !== 0) {
    throw new NanoFormatError(`n_head (${d.nHead}) is not divisible by n_kv_head (${d.nKvHead})`);
  }
}

/** Throw NanoFormatError unless the quant type, config and group size satisfy §1's "Our rule". */
export function validateConfig(c: NanoConfig, quantType: number, groupSize: number): void {
  if (quantType !== QUANT_F32 && quantType !== QUANT_Q8_0) {
    const known = QUANT_NAMES[quantType];
    throw new NanoFormatError(
      `quant type ${hex(quantType)}${known ? ` (${known})` : ""} is not supported: ` +
        `only F32 (0x00) and Q8_0 (0x80) are`,
    );
  }
  checkRange("block_size", c.blockSize, LIMITS.blockSize);
  checkRange("vocab_size", c.vocabSize, LIMITS.vocabSize, MIN_VOCAB_SIZE);
  validateLayerDims(c);
  if (c.headDim !== c.nEmbd / c.nHead) {
    throw new NanoFormatError(
      `head_dim (${c.headDim}) is not n_embd / n_head (${c.nEmbd} / ${c.nHead} = ${c.nEmbd / c.nHead})`,
    );
  }
  if (c.headDim % 2 !== 0) {
    throw new NanoFormatError(`head_dim (${c.headDim}) must be even: RoPE rotates pairs`);
  }
  if (quantType === QUANT_F32) {
    if (groupSize !== 0) {
      throw new NanoFormatError(`group size (${groupSize}) must be 0 for an F32 model`);
    }
    return;
  }
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new NanoFormatError(`group size (${groupSize}) must be positive for a Q8_0 model`);
  }
  // Every quantized row is n_embd long (n_head·head_dim = n_embd for wo) or n_hidden long (w2).
  for (const [name, len] of [
    ["n_embd", c.nEmbd],
    ["n_hidden", c.nHidden],
  ] as const) {
    if (len % groupSize !== 0) {
      throw new NanoFormatError(`group size (${groupSize}) does not divide ${name} (${len})`);
    }
  }
}

function checkCodePoint(cp: number, where: string): void {
  if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    throw new NanoFormatError(
      `${where}: code point ${hex(cp)} is not a valid Unicode scalar value`,
    );
  }
}

// ---- reading a model ----------------------------------------------------------------------------

function checkMagic(dv: DataView, len: number, what: string): void {
  if (len < HEADER_BYTES) {
    throw new NanoFormatError(`file is ${len} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  }
  const m0 = dv.getUint32(0, true);
  const m1 = dv.getUint32(4, true);
  if (m0 !== NANO_MAGIC[0] || m1 !== NANO_MAGIC[1]) {
    throw new NanoFormatError(
      `not a Nano ${what}: magic is ${hex(m0)} ${hex(m1)}, expected ${hex(NANO_MAGIC[0])} ${hex(NANO_MAGIC[1])}`,
    );
  }
}

/** Parse and validate a Nano model file (§1–4); throws NanoFormatError on any inconsistency. */
export function readModel(input: Uint8Array | ArrayBuffer): NanoModelFile {
  const bytes = asBytes(input);
  const { header, config, vocab, weightsOffset } = readModelHead(bytes);
  const weights = readWeights(bytes, weightsOffset, header, config);
  return { header, config, vocab, weights };
}

/** A model file's header, config and tokenizer, fully validated (the file's exact length
 *  included) but without copying its weights: what a caller needs to tokenize and describe a
 *  model it will not run itself, e.g. the playground's page for a 660 MB file. */
export interface ModelHead {
  header: NanoHeader;
  config: NanoConfig;
  vocab: VocabEntry[];
  /** Where the parameter section starts. */
  weightsOffset: number;
}

/** A model file's fixed 256-byte header, validated: everything that can be known before the rest
 *  of the file is read (the playground checks a dropped file with it before storing it). */
export function readModelHeader(input: Uint8Array | ArrayBuffer): {
  header: NanoHeader;
  config: NanoConfig;
} {
  const bytes = asBytes(input);
  const dv = dataView(bytes);
  checkMagic(dv, bytes.length, "model file");
  const i32 = (off: number) => dv.getInt32(off, true);

  const modelType = i32(16);
  if (modelType === MODEL_TYPE_LORA) {
    throw new NanoFormatError("this is a LoRA module (model type 10), not a model");
  }
  if (modelType !== MODEL_TYPE_NANO) {
    throw new NanoFormatError(
      `model type ${modelType} is not supported: only Nano models (0) are (Qwen2 = 2 and Qwen3 = 3 are not)`,
    );
  }
  const header: NanoHeader = {
    majorVersion: i32(8),
    minorVersion: i32(12),
    modelType,
    configLength: i32(20),
    quantType: i32(60),
    groupSize: i32(64),
  };
  const shared = i32(52);
  const config: NanoConfig = {
    blockSize: i32(24),
    vocabSize: i32(28),
    nLayer: i32(32),
    nEmbd: i32(36),
    nHead: i32(40),
    nKvHead: i32(44),
    nHidden: i32(48),
    isSharedClassifier: shared === 1,
    headDim: i32(56),
  };
  if (shared !== 0 && shared !== 1) {
    throw new NanoFormatError(`is_shared_classifier (${shared}) must be 0 or 1`);
  }
  validateConfig(config, header.quantType, header.groupSize);
  return { header, config };
}

/** Read and validate everything of a `.bin` model but its weights (see readModel). */
export function readModelHead(input: Uint8Array | ArrayBuffer): ModelHead {
  const bytes = asBytes(input);
  const dv = dataView(bytes);
  const len = bytes.length;
  const { header, config } = readModelHeader(bytes);

  // Tokenizer section bounds, then the whole file's length, before anything is allocated.
  const tokStart = HEADER_BYTES;
  if (len < tokStart + 8) {
    throw new NanoFormatError(
      `tokenizer section overruns the file: the file ends ${len - tokStart} bytes after the header`,
    );
  }
  const sectionBytes = dv.getUint32(tokStart, true);
  const nTokens = dv.getUint32(tokStart + 4, true);
  if (sectionBytes > len - tokStart) {
    throw new NanoFormatError(
      `tokenizer section overruns the file: it claims ${sectionBytes} bytes but only ${len - tokStart} remain`,
    );
  }
  if (sectionBytes < 8 || sectionBytes % 4 !== 0) {
    throw new NanoFormatError(`tokenizer section length (${sectionBytes}) is invalid`);
  }
  if (nTokens !== config.vocabSize) {
    throw new NanoFormatError(
      `tokenizer has ${nTokens} tokens but vocab_size is ${config.vocabSize}`,
    );
  }
  if (8 + 12 * nTokens > sectionBytes) {
    throw new NanoFormatError(
      `tokenizer section (${sectionBytes} bytes) is too short for ${nTokens} tokens`,
    );
  }
  const expected =
    HEADER_BYTES + sectionBytes + parameterBytes(config, header.quantType, header.groupSize);
  if (expected !== len) {
    throw new NanoFormatError(`file is ${len} bytes but its header implies ${expected} bytes`);
  }

  const sectionEnd = tokStart + sectionBytes;
  const vocab: VocabEntry[] = new Array(nTokens);
  let p = tokStart + 8;
  for (let i = 0; i < nTokens; i++) {
    if (p + 8 > sectionEnd) throw new NanoFormatError(`token ${i} overruns the tokenizer section`);
    const length = bytes[p];
    const special = bytes[p + 1];
    const id = dv.getUint32(p + 4, true);
    p += 8;
    if (length === 0) throw new NanoFormatError(`token ${i} has length 0`);
    if (special > 1)
      throw new NanoFormatError(`token ${i}: is_special (${special}) must be 0 or 1`);
    if (id !== i) throw new NanoFormatError(`token ${i} has id ${id}: ids must run 0, 1, 2, …`);
    if (p + 4 * length > sectionEnd) {
      throw new NanoFormatError(`token ${i} overruns the tokenizer section`);
    }
    const codePoints: number[] = new Array(length);
    for (let k = 0; k < length; k++, p += 4) {
      const cp = dv.getUint32(p, true);
      checkCodePoint(cp, `token ${i}`);
      codePoints[k] = cp;
    }
    vocab[i] = {
      id,
      text: String.fromCodePoint(...codePoints),
      codePoints,
      isSpecial: special === 1,
    };
  }
  if (p !== sectionEnd) {
    throw new NanoFormatError(
      `tokenizer section is ${sectionBytes} bytes but its tokens end after ${p - tokStart}`,
    );
  }

  return { header, config, vocab, weightsOffset: sectionEnd };
}

// Parse the parameter section at `off` (its length is already checked).
function readWeights(bytes: Uint8Array, off: number, h: NanoHeader, c: NanoConfig): NanoWeights {
  const L = c.nLayer;
  const quantized = h.quantType === QUANT_Q8_0;
  const vec = (n: number) => {
    const v = readF32(bytes, off, n);
    off += 4 * n;
    return v;
  };
  const matrix = (rows: number, cols: number): Tensor => {
    const n = rows * cols;
    if (!quantized) return { type: "f32", rows, cols, data: vec(n) };
    // Copy through subarray: a Node Buffer's slice() is a view, not a copy.
    const values = new Int8Array(n);
    new Uint8Array(values.buffer).set(bytes.subarray(off, off + n));
    off += n;
    const scales = vec(n / h.groupSize);
    return { type: "q8_0", rows, cols, values, scales, groupSize: h.groupSize };
  };
  const f32Matrix = (rows: number, cols: number): F32Tensor => ({
    type: "f32",
    rows,
    cols,
    data: vec(rows * cols),
  });
  const shapes = layerMatrixShapes(c);
  const perLayer = (name: LayerMatrix) =>
    Array.from({ length: L }, () => matrix(shapes[name][0], shapes[name][1]));

  const attentionNorm = Array.from({ length: L }, () => vec(c.nEmbd));
  const ffnNorm = Array.from({ length: L }, () => vec(c.nEmbd));
  const norm = vec(c.nEmbd);
  // F32 and Q8_0 store the matrices in the same order; Q8_0 puts each one's scales right after
  // its values (§4), which `matrix` handles.
  const tokEmbeddings = matrix(c.vocabSize, c.nEmbd);
  const layers = Object.fromEntries(LAYER_MATRICES.map((m) => [m, perLayer(m)])) as Record<
    LayerMatrix,
    Tensor[]
  >;
  const freqsCos = f32Matrix(c.blockSize, c.headDim / 2);
  const freqsSin = f32Matrix(c.blockSize, c.headDim / 2);
  // §3 "Our rule": `output` comes after the RoPE tables.
  const output = c.isSharedClassifier ? undefined : matrix(c.vocabSize, c.nEmbd);
  const weights: NanoWeights = {
    attentionNorm,
    ffnNorm,
    norm,
    tokEmbeddings,
    ...layers,
    freqsCos,
    freqsSin,
  };
  if (output) weights.output = output;
  return weights;
}

// ---- writing a model ----------------------------------------------------------------------------

function checkTensor(
  t: Tensor | undefined,
  name: string,
  rows: number,
  cols: number,
  h: NanoHeader,
): void {
  if (!t) throw new NanoFormatError(`${name} is missing`);
  if (t.rows !== rows || t.cols !== cols) {
    throw new NanoFormatError(`${name} is (${t.rows}, ${t.cols}) but should be (${rows}, ${cols})`);
  }
  const n = rows * cols;
  if (t.type === "f32") {
    if (h.quantType !== QUANT_F32) throw new NanoFormatError(`${name} is F32 in a Q8_0 model`);
    if (t.data.length !== n)
      throw new NanoFormatError(`${name} holds ${t.data.length} values, not ${n}`);
    return;
  }
  if (h.quantType !== QUANT_Q8_0) throw new NanoFormatError(`${name} is Q8_0 in an F32 model`);
  if (t.groupSize !== h.groupSize) {
    throw new NanoFormatError(`${name} has group size ${t.groupSize}, the header ${h.groupSize}`);
  }
  if (t.values.length !== n || t.scales.length !== n / t.groupSize) {
    throw new NanoFormatError(`${name} holds the wrong number of values or scales`);
  }
}

function checkVector(v: Float32Array | undefined, name: string, n: number): void {
  if (!v || v.length !== n) throw new NanoFormatError(`${name} must hold ${n} floats`);
}

/** Throw NanoFormatError unless `model` is complete and consistent (what writeModel requires). */
export function validateModel(model: NanoModelFile): void {
  const { header: h, config: c, vocab, weights: w } = model;
  if (h.modelType !== MODEL_TYPE_NANO) {
    throw new NanoFormatError(`model type must be ${MODEL_TYPE_NANO}, not ${h.modelType}`);
  }
  validateConfig(c, h.quantType, h.groupSize);
  if (vocab.length !== c.vocabSize) {
    throw new NanoFormatError(`vocab has ${vocab.length} tokens but vocab_size is ${c.vocabSize}`);
  }
  vocab.forEach((t, i) => {
    if (t.id !== i) throw new NanoFormatError(`token ${i} has id ${t.id}: ids must run 0, 1, 2, …`);
    const n = t.codePoints.length;
    if (n < 1 || n > 255)
      throw new NanoFormatError(`token ${i} has ${n} code points (1–255 allowed)`);
    for (const cp of t.codePoints) checkCodePoint(cp, `token ${i}`);
    if (String.fromCodePoint(...t.codePoints) !== t.text) {
      throw new NanoFormatError(`token ${i}: text does not match its code points`);
    }
  });
  const L = c.nLayer;
  for (const [name, list] of [
    ["attention_norm", w.attentionNorm],
    ["ffn_norm", w.ffnNorm],
  ] as const) {
    if (list.length !== L) throw new NanoFormatError(`${name} has ${list.length} layers, not ${L}`);
    list.forEach((v, l) => checkVector(v, `${name}[${l}]`, c.nEmbd));
  }
  checkVector(w.norm, "norm", c.nEmbd);
  checkTensor(w.tokEmbeddings, "tok_embeddings", c.vocabSize, c.nEmbd, h);
  const shapes = layerMatrixShapes(c);
  for (const m of LAYER_MATRICES) {
    const list = w[m];
    if (list.length !== L) throw new NanoFormatError(`${m} has ${list.length} layers, not ${L}`);
    list.forEach((t, l) => checkTensor(t, `${m}[${l}]`, shapes[m][0], shapes[m][1], h));
  }
  for (const [name, t] of [
    ["freqs_cos", w.freqsCos],
    ["freqs_sin", w.freqsSin],
  ] as const) {
    if (t?.type !== "f32") throw new NanoFormatError(`${name} must be F32`);
    checkTensor(t, name, c.blockSize, c.headDim / 2, { ...h, quantType: QUANT_F32 });
  }
  if (c.isSharedClassifier) {
    if (w.output) throw new NanoFormatError("output is present but the classifier is shared");
  } else {
    checkTensor(w.output, "output", c.vocabSize, c.nEmbd, h);
  }
}

/** Serialize a model to `.bin` bytes; readModel(writeModel(m)) round-trips, byte for byte. */
export function writeModel(model: NanoModelFile): Uint8Array {
  validateModel(model);
  const { header: h, config: c, vocab, weights: w } = model;
  const bytes = new Uint8Array(modelFileBytes(model));
  const dv = dataView(bytes);
  const header = [
    NANO_MAGIC[0],
    NANO_MAGIC[1],
    h.majorVersion,
    h.minorVersion,
    h.modelType,
    h.configLength,
    c.blockSize,
    c.vocabSize,
    c.nLayer,
    c.nEmbd,
    c.nHead,
    c.nKvHead,
    c.nHidden,
    c.isSharedClassifier ? 1 : 0,
    c.headDim,
    h.quantType,
    h.groupSize,
  ];
  header.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));

  let off = HEADER_BYTES;
  dv.setUint32(off, tokenizerBytes(vocab), true);
  dv.setUint32(off + 4, vocab.length, true);
  off += 8;
  for (const t of vocab) {
    bytes[off] = t.codePoints.length;
    bytes[off + 1] = t.isSpecial ? 1 : 0;
    bytes[off + 2] = 0xff; // reserved, as the original writes them
    bytes[off + 3] = 0xff;
    dv.setUint32(off + 4, t.id, true);
    off += 8;
    for (const cp of t.codePoints) {
      dv.setUint32(off, cp, true);
      off += 4;
    }
  }

  const tensor = (t: Tensor) => {
    if (t.type === "f32") {
      off = writeF32(bytes, off, t.data);
    } else {
      bytes.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.length), off);
      off = writeF32(bytes, off + t.values.length, t.scales);
    }
  };
  for (const v of w.attentionNorm) off = writeF32(bytes, off, v);
  for (const v of w.ffnNorm) off = writeF32(bytes, off, v);
  off = writeF32(bytes, off, w.norm);
  tensor(w.tokEmbeddings);
  for (const m of LAYER_MATRICES) for (const t of w[m]) tensor(t);
  tensor(w.freqsCos);
  tensor(w.freqsSin);
  if (w.output) tensor(w.output);
  if (off !== bytes.length) throw new Error(`internal: wrote ${off} of ${bytes.length} bytes`);
  return bytes;
}

// ---- Q8_0 quantization (§4) ---------------------------------------------------------------------

const f32 = Math.fround;

/** Round to the nearest integer, ties to even (torch.round, which the original exporter uses). */
export function roundHalfToEven(x: number): number {
  // Adding and subtracting 1.5·2^52 leaves no fraction bits, so the FPU's own rounding (to
  // nearest, ties to even) does the work; exact for |x| < 2^51.
  return x + 6755399441055744 - 6755399441055744;
}

/**
 * Quantize float32 values to Q8_0 exactly as the original exporter (torch, float32 throughout):
 * per group scale = f32(max|w| / 127); q = roundHalfToEven(f32(w / scale)). An all-zero group gets
 * scale 0 and values 0 (torch would divide by zero; the int8 cast of its NaN is 0 as well).
 */
export function quantizeQ8_0(
  data: Float32Array,
  groupSize: number,
): { values: Int8Array; scales: Float32Array } {
  if (data.length % groupSize !== 0) {
    throw new NanoFormatError(`${data.length} values do not split into groups of ${groupSize}`);
  }
  const values = new Int8Array(data.length);
  const scales = new Float32Array(data.length / groupSize);
  quantizeQ8_0Into(data, 0, data.length, groupSize, values, scales, 0);
  return { values, scales };
}

/** quantizeQ8_0 for data[start, start+n) into values[start…] and scales[scaleStart…] (no allocation). */
export function quantizeQ8_0Into(
  data: Float32Array,
  start: number,
  n: number,
  groupSize: number,
  values: Int8Array,
  scales: Float32Array,
  scaleStart: number,
): void {
  for (let g = 0; g * groupSize < n; g++) {
    const base = start + g * groupSize;
    let max = 0;
    for (let i = 0; i < groupSize; i++) {
      const a = Math.abs(data[base + i]);
      if (a > max) max = a;
    }
    const scale = f32(max / 127); // both operands are float32: this is the float32 quotient
    scales[scaleStart + g] = scale;
    if (scale === 0) {
      values.fill(0, base, base + groupSize);
      continue;
    }
    for (let i = 0; i < groupSize; i++) {
      values[base + i] = roundHalfToEven(f32(data[base + i] / scale));
    }
  }
}

/** The float32 values a Q8_0 tensor stands for (value × its group's scale, in float32). */
export function dequantize(t: Tensor): Float32Array {
  if (t.type === "f32") return t.data;
  const out = new Float32Array(t.values.length);
  const gs = t.groupSize;
  for (let i = 0; i < out.length; i++) out[i] = t.values[i] * t.scales[Math.floor(i / gs)];
  return out;
}

/** Quantize one F32 matrix to Q8_0 with the given group size. */
export function quantizeTensor(t: Tensor, groupSize: number): Q8Tensor {
  if (t.type === "q8_0") throw new NanoFormatError("tensor is already Q8_0");
  const { values, scales } = quantizeQ8_0(t.data, groupSize);
  return { type: "q8_0", rows: t.rows, cols: t.cols, values, scales, groupSize };
}

/**
 * F32 model → Q8_0 model, byte-identical to the original Nano exporter: the group size starts at
 * `groupSize` and is halved until it fits (fitGroupSize); norms, RoPE tables and the tokenizer are
 * shared with the input, not copied.
 */
export function quantizeModel(model: NanoModelFile, groupSize = DEFAULT_GROUP_SIZE): NanoModelFile {
  if (model.header.quantType !== QUANT_F32) throw new NanoFormatError("model is not F32");
  const gs = fitGroupSize(model.config, groupSize);
  const w = model.weights;
  const q = (t: Tensor) => quantizeTensor(t, gs);
  const weights: NanoWeights = {
    attentionNorm: w.attentionNorm,
    ffnNorm: w.ffnNorm,
    norm: w.norm,
    tokEmbeddings: q(w.tokEmbeddings),
    wq: w.wq.map(q),
    wk: w.wk.map(q),
    wv: w.wv.map(q),
    wo: w.wo.map(q),
    w1: w.w1.map(q),
    w2: w.w2.map(q),
    w3: w.w3.map(q),
    freqsCos: w.freqsCos,
    freqsSin: w.freqsSin,
  };
  if (w.output) weights.output = q(w.output);
  return {
    header: { ...model.header, quantType: QUANT_Q8_0, groupSize: gs },
    config: { ...model.config },
    vocab: model.vocab,
    weights,
  };
}

/** Q8_0 model → F32 model holding the dequantized values (for comparisons and inspection). */
export function dequantizeModel(model: NanoModelFile): NanoModelFile {
  if (model.header.quantType === QUANT_F32) return model;
  const w = model.weights;
  const d = (t: Tensor): F32Tensor => ({
    type: "f32",
    rows: t.rows,
    cols: t.cols,
    data: dequantize(t),
  });
  const weights: NanoWeights = {
    attentionNorm: w.attentionNorm,
    ffnNorm: w.ffnNorm,
    norm: w.norm,
    tokEmbeddings: d(w.tokEmbeddings),
    wq: w.wq.map(d),
    wk: w.wk.map(d),
    wv: w.wv.map(d),
    wo: w.wo.map(d),
    w1: w.w1.map(d),
    w2: w.w2.map(d),
    w3: w.w3.map(d),
    freqsCos: w.freqsCos,
    freqsSin: w.freqsSin,
  };
  if (w.output) weights.output = d(w.output);
  return {
    header: { ...model.header, quantType: QUANT_F32, groupSize: 0 },
    config: { ...model.config },
    vocab: model.vocab,
    weights,
  };
}

// ---- LoRA modules (§5) --------------------------------------------------------------------------

type LoraProjection = "wq" | "wk" | "wv" | "wo";
const LORA_PROJECTIONS: LoraProjection[] = ["wq", "wk", "wv", "wo"];

// (in_features, out_features) of each adapted projection.
function loraFeatures(b: LoraBaseDims): Record<LoraProjection, [number, number]> {
  const headDim = b.nEmbd / b.nHead;
  const kv = b.nKvHead * headDim;
  return { wq: [b.nEmbd, b.nEmbd], wk: [b.nEmbd, kv], wv: [b.nEmbd, kv], wo: [b.nEmbd, b.nEmbd] };
}

/** Bytes a LoRA module with these dimensions takes. */
export function loraFileBytes(rank: number, base: LoraBaseDims): number {
  let floats = 0;
  for (const [inF, outF] of Object.values(loraFeatures(base))) floats += rank * (inF + outF);
  return HEADER_BYTES + 4 * base.nLayer * floats;
}

function validateLoraDims(rank: number, alpha: number, b: LoraBaseDims): void {
  checkRange("lora_rank", rank, LIMITS.loraRank);
  checkRange("lora_alpha", alpha, LIMITS.loraAlpha);
  validateLayerDims(b);
}

/** Throw NanoFormatError (code "mismatch") unless the module's base dimensions match `base`. */
export function checkLoraFits(dims: LoraBaseDims, base: NanoConfig | NanoModelFile): void {
  const c = "config" in base ? base.config : base;
  for (const [name, key] of [
    ["n_layer", "nLayer"],
    ["n_embd", "nEmbd"],
    ["n_head", "nHead"],
    ["n_kv_head", "nKvHead"],
    ["n_hidden", "nHidden"],
  ] as const) {
    if (dims[key] !== c[key]) {
      throw new NanoFormatError(
        `LoRA module was made for another base model: ${name} ${dims[key]}, this model has ${c[key]}`,
        "mismatch",
      );
    }
  }
}

/** Parse and validate a LoRA module; with `base`, also check that it was made for that model. */
export function readLora(
  input: Uint8Array | ArrayBuffer,
  base?: NanoConfig | NanoModelFile,
): LoraFile {
  const bytes = asBytes(input);
  const dv = dataView(bytes);
  checkMagic(dv, bytes.length, "LoRA module");
  const i32 = (off: number) => dv.getInt32(off, true);
  const modelType = i32(16);
  if (modelType === MODEL_TYPE_NANO) {
    throw new NanoFormatError("this is a model (model type 0), not a LoRA module");
  }
  if (modelType !== MODEL_TYPE_LORA) {
    throw new NanoFormatError(`model type ${modelType} is not a LoRA module (10)`);
  }
  const rank = i32(24);
  const alpha = i32(28);
  const dims: LoraBaseDims = {
    nLayer: i32(32),
    nEmbd: i32(36),
    nHead: i32(40),
    nKvHead: i32(44),
    nHidden: i32(48),
  };
  validateLoraDims(rank, alpha, dims);
  if (base) checkLoraFits(dims, base);
  const expected = loraFileBytes(rank, dims);
  if (bytes.length !== expected) {
    throw new NanoFormatError(
      `file is ${bytes.length} bytes but its header implies ${expected} bytes`,
    );
  }

  let off = HEADER_BYTES;
  const features = loraFeatures(dims);
  const tensors = (rows: number, cols: number): F32Tensor[] =>
    Array.from({ length: dims.nLayer }, () => {
      const data = readF32(bytes, off, rows * cols);
      off += 4 * rows * cols;
      return { type: "f32", rows, cols, data };
    });
  const lora: Partial<LoraFile> = {
    header: { majorVersion: i32(8), minorVersion: i32(12), configLength: i32(20) },
    rank,
    alpha,
    base: dims,
    reserved: i32(52),
  };
  const parts = lora as Record<string, F32Tensor[]>;
  for (const p of LORA_PROJECTIONS) {
    const [inF, outF] = features[p];
    parts[`${p}A`] = tensors(rank, inF); // every layer's A, then every layer's B
    parts[`${p}B`] = tensors(outF, rank);
  }
  return lora as LoraFile;
}

/** Serialize a LoRA module; readLora(writeLora(l)) round-trips byte for byte. */
export function writeLora(lora: LoraFile): Uint8Array {
  const { rank, alpha, base } = lora;
  validateLoraDims(rank, alpha, base);
  const features = loraFeatures(base);
  for (const p of LORA_PROJECTIONS) {
    const [inF, outF] = features[p];
    for (const [suffix, rows, cols] of [
      ["A", rank, inF],
      ["B", outF, rank],
    ] as const) {
      const list = lora[`${p}${suffix}`];
      if (list.length !== base.nLayer) {
        throw new NanoFormatError(`${p}.lora_${suffix.toLowerCase()} has ${list.length} layers`);
      }
      for (const t of list) {
        if (t.rows !== rows || t.cols !== cols || t.data.length !== rows * cols) {
          throw new NanoFormatError(
            `${p}.lora_${suffix.toLowerCase()} is (${t.rows}, ${t.cols}) but should be (${rows}, ${cols})`,
          );
        }
      }
    }
  }
  const bytes = new Uint8Array(loraFileBytes(rank, base));
  const dv = dataView(bytes);
  const h = lora.header;
  [
    NANO_MAGIC[0],
    NANO_MAGIC[1],
    h.majorVersion,
    h.minorVersion,
    MODEL_TYPE_LORA,
    h.configLength,
    rank,
    alpha,
    base.nLayer,
    base.nEmbd,
    base.nHead,
    base.nKvHead,
    base.nHidden,
    lora.reserved,
  ].forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  let off = HEADER_BYTES;
  for (const p of LORA_PROJECTIONS) {
    for (const t of lora[`${p}A`]) off = writeF32(bytes, off, t.data);
    for (const t of lora[`${p}B`]) off = writeF32(bytes, off, t.data);
  }
  return bytes;
}

// ---- inspection ---------------------------------------------------------------------------------

/** What `nanolm inspect` shows about a model. */
export interface ModelDescription {
  header: NanoHeader;
  config: NanoConfig;
  quant: "F32" | "Q8_0";
  parameterCount: number;
  fileBytes: number;
  tokenizer: {
    vocabSize: number;
    specialTokens: { id: number; text: string }[];
    longestToken: { id: number; text: string; codePoints: number };
    /** tokens longer than one code point, specials excluded */
    multiCharTokens: number;
  };
}

/** Summarize a model: header, config, parameter count and tokenizer. */
export function describeModel(model: NanoModelFile): ModelDescription {
  let longest = model.vocab[0];
  let multi = 0;
  for (const t of model.vocab) {
    if (t.codePoints.length > longest.codePoints.length) longest = t;
    if (!t.isSpecial && t.codePoints.length > 1) multi++;
  }
  return {
    header: { ...model.header },
    config: { ...model.config },
    quant: model.header.quantType === QUANT_Q8_0 ? "Q8_0" : "F32",
    parameterCount: parameterCount(model.config),
    fileBytes: modelFileBytes(model),
    tokenizer: {
      vocabSize: model.vocab.length,
      specialTokens: model.vocab
        .filter((t) => t.isSpecial)
        .map((t) => ({ id: t.id, text: t.text })),
      longestToken: { id: longest.id, text: longest.text, codePoints: longest.codePoints.length },
      multiCharTokens: multi,
    },
  };
}

/** describeModel's summary as aligned text lines, as `nanolm inspect` prints it. */
export function formatModelDescription(d: ModelDescription): string {
  const c = d.config;
  const h = d.header;
  const n = (x: number) => x.toLocaleString("en-US");
  const quant = d.quant === "Q8_0" ? `Q8_0 (group size ${h.groupSize})` : "F32";
  const specials = d.tokenizer.specialTokens.map((t) => `${t.id} ${t.text}`).join(", ");
  return [
    `format       Nano .bin, version ${h.majorVersion}.${h.minorVersion}, ${quant}, ${n(d.fileBytes)} bytes`,
    `shape        block_size ${c.blockSize}, vocab_size ${c.vocabSize}, n_layer ${c.nLayer}, ` +
      `n_embd ${c.nEmbd}, n_head ${c.nHead}, n_kv_head ${c.nKvHead}, n_hidden ${c.nHidden}, ` +
      `head_dim ${c.headDim}`,
    `classifier   ${c.isSharedClassifier ? "shared with tok_embeddings" : "separate output matrix"}`,
    `parameters   ${n(d.parameterCount)}`,
    `tokenizer    ${n(d.tokenizer.vocabSize)} tokens, ${d.tokenizer.multiCharTokens} multi-character, ` +
      `longest ${JSON.stringify(d.tokenizer.longestToken.text)} (${d.tokenizer.longestToken.codePoints} code points)`,
    `specials     ${specials || "none"}`,
  ].join("\n");
}

/** Whether bytes hold a model or a LoRA module (after checking the magic); for `nanolm inspect`. */
export function fileKind(input: Uint8Array | ArrayBuffer): "model" | "lora" {
  const bytes = asBytes(input);
  const dv = dataView(bytes);
  checkMagic(dv, bytes.length, "file");
  return dv.getInt32(16, true) === MODEL_TYPE_LORA ? "lora" : "model";
}

/** What `nanolm inspect` shows about a LoRA module. */
export interface LoraDescription {
  rank: number;
  alpha: number;
  /** alpha / rank, the factor the adapter's output is scaled by */
  scale: number;
  base: LoraBaseDims;
  parameterCount: number;
  fileBytes: number;
}

/** Summarize a LoRA module: rank, alpha, the base shape it fits, parameter count. */
export function describeLora(lora: LoraFile): LoraDescription {
  const fileBytes = loraFileBytes(lora.rank, lora.base);
  return {
    rank: lora.rank,
    alpha: lora.alpha,
    scale: lora.alpha / lora.rank,
    base: { ...lora.base },
    parameterCount: (fileBytes - HEADER_BYTES) / 4,
    fileBytes,
  };
}

/** describeLora's summary as text lines, as `nanolm inspect` prints it. */
export function formatLoraDescription(d: LoraDescription): string {
  const b = d.base;
  return [
    `format       Nano LoRA module (wq, wk, wv, wo), ${d.fileBytes.toLocaleString("en-US")} bytes`,
    `adapter      rank ${d.rank}, alpha ${d.alpha} (scale ${d.scale})`,
    `base model   n_layer ${b.nLayer}, n_embd ${b.nEmbd}, n_head ${b.nHead}, ` +
      `n_kv_head ${b.nKvHead}, n_hidden ${b.nHidden}`,
    `parameters   ${d.parameterCount.toLocaleString("en-US")}`,
  ].join("\n");
}
