// make-seeds.ts — the seed corpus of the loader fuzzer (fuzz_loader.c), written fresh on every run
// into engine-c/build/fuzz/seeds (or the directory given as the first argument); nothing here is
// committed. Seeds: tiny valid models (F32 and Q8_0, shared and unshared classifier, odd shapes),
// LoRA modules for the harness's built-in base model, the two real models when ../shared has them,
// and hand-broken and randomly mutated variants of all of these, so that the fuzzer starts next
// to every validation branch instead of having to discover the format from scratch.
//
//   npx tsx engine-c/fuzz/make-seeds.ts [out-dir]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { writeLora, writeModel } from "../ts/format.ts";
import { makeSyntheticLora, makeSyntheticModel, type SyntheticConfig } from "../ts/synthetic.ts";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, "../build/fuzz/seeds"));
const realModels = resolve(here, "../../../shared/nano-models");

// The harness's built-in LoRA base model (BASE_* in fuzz_loader.c): LoRA seeds must fit it.
const LORA_BASE: SyntheticConfig = {
  blockSize: 8,
  vocabSize: 16,
  nLayer: 2,
  nEmbd: 16,
  nHead: 4,
  nKvHead: 2,
  nHidden: 32,
};

// Valid models, each small enough that the harness also runs a session on it.
const models: Record<string, Uint8Array> = {
  "f32-shared": writeModel(makeSyntheticModel({ config: LORA_BASE, seed: 1 })),
  "f32-unshared": writeModel(
    makeSyntheticModel({ config: { ...LORA_BASE, isSharedClassifier: false }, seed: 2 }),
  ),
  "q8-shared": writeModel(makeSyntheticModel({ config: LORA_BASE, quant: "q8_0", seed: 3 })),
  "q8-unshared-g8": writeModel(
    makeSyntheticModel({
      config: { ...LORA_BASE, isSharedClassifier: false },
      quant: "q8_0",
      groupSize: 8,
      seed: 4,
    }),
  ),
  // Group size 3: the Q8_0 value blocks add up to 742 bytes, not a multiple of 4, so the RoPE
  // tables and the unshared classifier's scales sit at unaligned offsets.
  "q8-unaligned-g3": writeModel(
    makeSyntheticModel({
      config: {
        blockSize: 5,
        vocabSize: 10,
        nLayer: 1,
        nEmbd: 6,
        nHead: 3,
        nKvHead: 1,
        nHidden: 9,
        isSharedClassifier: false,
      },
      quant: "q8_0",
      groupSize: 3,
      seed: 5,
    }),
  ),
  // The smallest shape the format allows: one head of width 2, block 1, only the special tokens.
  "f32-minimal": writeModel(
    makeSyntheticModel({
      config: { blockSize: 1, vocabSize: 7, nLayer: 1, nEmbd: 2, nHead: 1, nKvHead: 1, nHidden: 1 },
      seed: 6,
    }),
  ),
  // Multi-head attention without grouping (n_kv_head = n_head), a longer context.
  "f32-mha": writeModel(
    makeSyntheticModel({
      config: {
        blockSize: 64,
        vocabSize: 40,
        nLayer: 3,
        nEmbd: 24,
        nHead: 3,
        nKvHead: 3,
        nHidden: 20,
      },
      seed: 7,
    }),
  ),
};
const loras: Record<string, Uint8Array> = {};
{
  const base = makeSyntheticModel({ config: LORA_BASE }).config;
  loras["lora-r2"] = writeLora(makeSyntheticLora(base, 2, 4, 11));
  loras["lora-r1"] = writeLora(makeSyntheticLora(base, 1, 1, 12));
  loras["lora-wrong-base"] = writeLora(makeSyntheticLora({ ...base, nLayer: 3 }, 2, 4, 13));
}

// ---- hand-broken variants: one per validation rule of NANO-FORMAT.md §1, §2, §5 ---------------

const patchI32 = (bytes: Uint8Array, offset: number, value: number): Uint8Array => {
  const out = bytes.slice();
  new DataView(out.buffer).setInt32(offset, value, true);
  return out;
};
const patchF32 = (bytes: Uint8Array, offset: number, count: number, value: number): Uint8Array => {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  for (let i = 0; i < count; i++) dv.setFloat32(offset + 4 * i, value, true);
  return out;
};
const patchU8 = (bytes: Uint8Array, offset: number, value: number): Uint8Array => {
  const out = bytes.slice();
  out[offset] = value;
  return out;
};

const base = models["f32-shared"];
const q8 = models["q8-shared"];
const lora = loras["lora-r2"];
const TOK = 256; // tokenizer section start
const FIRST_TOKEN = TOK + 8; // "<|padding|>": 11 code points
// The parameters of the LORA_BASE-shaped seeds: the norms, then tok_embeddings (§3, §4). The
// Q8_0 seed has group size 16 (128 halved to fit n_embd 16), so its embedding scales follow
// vocab·n_embd int8 values.
const NORMS = TOK + new DataView(base.buffer).getUint32(TOK, true);
const EMBEDDINGS = NORMS + 4 * (2 * LORA_BASE.nLayer * LORA_BASE.nEmbd + LORA_BASE.nEmbd);
const Q8_EMBEDDING_VALUES = LORA_BASE.vocabSize * LORA_BASE.nEmbd;
const broken: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  "header-only": base.slice(0, 256),
  "truncated-by-1": base.slice(0, base.length - 1),
  "one-byte-extra": new Uint8Array([...base, 0]),
  "bad-magic": patchI32(base, 0, 0x42443454),
  "model-type-lora": patchI32(base, 16, 10),
  "model-type-qwen2": patchI32(base, 16, 2),
  "version-2026-config-36": patchI32(patchI32(patchI32(base, 8, 2026), 12, 1), 20, 36),
  "block-size-0": patchI32(base, 24, 0),
  "block-size-huge": patchI32(base, 24, 0x7fffffff),
  "vocab-negative": patchI32(base, 28, -16),
  "n-layer-huge": patchI32(base, 32, 1 << 30),
  "n-embd-not-divisible": patchI32(base, 36, 18),
  "n-head-0": patchI32(base, 40, 0),
  "n-kv-head-not-divisor": patchI32(base, 44, 3),
  "n-hidden-huge": patchI32(base, 48, 0x40000000),
  "shared-flag-2": patchI32(base, 52, 2),
  "unshared-flag-on-shared-file": patchI32(base, 52, 0),
  "head-dim-wrong": patchI32(base, 56, 8),
  "head-dim-odd": patchI32(patchI32(patchI32(base, 36, 12), 40, 4), 56, 3),
  "quant-f16": patchI32(base, 60, 0x01),
  "quant-q4k": patchI32(base, 60, 0x42),
  "f32-with-group-size": patchI32(base, 64, 128),
  "q8-group-0": patchI32(q8, 64, 0),
  "q8-group-negative": patchI32(q8, 64, -16),
  "q8-group-not-divisor": patchI32(q8, 64, 5),
  "q8-group-huge": patchI32(q8, 64, 1 << 30),
  "q8-as-f32": patchI32(q8, 60, 0),
  "tok-section-too-long": patchI32(base, TOK, 0x7ffffff0),
  "tok-section-too-short": patchI32(base, TOK, 8),
  "tok-section-unaligned": patchI32(base, TOK, new DataView(base.buffer).getInt32(TOK, true) + 1),
  "tok-count-mismatch": patchI32(base, TOK + 4, 15),
  "tok-count-huge": patchI32(base, TOK + 4, -1),
  "token-length-0": patchU8(base, FIRST_TOKEN, 0),
  "token-length-255": patchU8(base, FIRST_TOKEN, 255),
  "token-special-7": patchU8(base, FIRST_TOKEN + 1, 7),
  "token-id-skips": patchI32(base, FIRST_TOKEN + 4, 5),
  "token-surrogate": patchI32(base, FIRST_TOKEN + 8, 0xd800),
  "token-codepoint-huge": patchI32(base, FIRST_TOKEN + 8, 0x110000),
  "token-codepoint-nul": patchI32(base, FIRST_TOKEN + 8, 0),
  "lora-truncated": lora.slice(0, lora.length - 4),
  "lora-rank-0": patchI32(lora, 24, 0),
  "lora-rank-huge": patchI32(lora, 24, 0x7fffffff),
  "lora-alpha-negative": patchI32(lora, 28, -4),
  "lora-model-type-0": patchI32(lora, 16, 0),
  "lora-n-head-mismatch": patchI32(lora, 40, 2),
  "lora-n-hidden-mismatch": patchI32(lora, 48, 64),
  // Well-formed files whose numbers are not finite: the forward pass must stay defined behaviour
  // (NaN logits are fine, undefined float-to-int conversions are not).
  "f32-nan-embeddings": patchF32(base, EMBEDDINGS, LORA_BASE.vocabSize * LORA_BASE.nEmbd, NaN),
  "f32-inf-embeddings": patchF32(base, EMBEDDINGS, LORA_BASE.vocabSize * LORA_BASE.nEmbd, Infinity),
  "f32-huge-norms": patchF32(base, NORMS, 2 * LORA_BASE.nLayer * LORA_BASE.nEmbd, 3e38),
  "q8-nan-scales": patchF32(q8, EMBEDDINGS + Q8_EMBEDDING_VALUES, Q8_EMBEDDING_VALUES / 16, NaN),
  "lora-nan": patchF32(lora, 256, (lora.length - 256) / 4, NaN),
};

// ---- the real models, when this checkout sits next to ../shared ------------------------------

const real: Record<string, Uint8Array> = {};
for (const name of ["sort-6", "psycho-230k"]) {
  const path = join(realModels, `${name}.bin`);
  if (existsSync(path)) real[name] = new Uint8Array(readFileSync(path));
}

// ---- random mutations of the small valid files (seeded: the same corpus every run) ------------

// mulberry32: a tiny seeded PRNG, so the mutations are the same on every run
let rngState = 20251129;
const rng = (): number => {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};
const mutated: Record<string, Uint8Array> = {};
for (const [name, bytes] of Object.entries({ ...models, ...loras, ...real })) {
  if (bytes.length > 100_000) continue; // the 1 MB model is mutated by the fuzzer itself
  for (let k = 0; k < 4; k++) {
    const out = bytes.slice();
    // flips in the header and tokenizer (where the checks are) and anywhere at all
    for (let f = 0; f < 1 + (rng() % 4); f++) {
      const limit = f % 2 === 0 ? Math.min(out.length, 1024) : out.length;
      out[rng() % limit] ^= 1 << (rng() % 8);
    }
    mutated[`${name}-flip${k}`] = out;
  }
  mutated[`${name}-cut-half`] = bytes.slice(0, bytes.length >> 1);
}

// ---- write -------------------------------------------------------------------------------------

mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(outDir)) {
  if (file.endsWith(".bin")) rmSync(join(outDir, file));
}
const all = { ...models, ...loras, ...broken, ...real, ...mutated };
for (const [name, bytes] of Object.entries(all)) writeFileSync(join(outDir, `${name}.bin`), bytes);
const total = Object.values(all).reduce((n, b) => n + b.length, 0);
console.log(
  `make-seeds: ${Object.keys(all).length} seeds (${total} bytes) in ${outDir}` +
    (Object.keys(real).length ? "" : " (no real models found next to the checkout)"),
);
