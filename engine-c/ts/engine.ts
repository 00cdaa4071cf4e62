// engine.ts — the typed TypeScript face of the C engine compiled to WebAssembly (../wasm/).
// One method per function of ../src/nano.h, in the same order; works in Node and in browsers.
import type { NanoConfig } from "./format.ts";
import { loadNanoWasm, type NanoEngineModule } from "./wasm-loader.ts";

/** Thread slots of NanoProfile (nano.h NANO_PROFILE_THREADS). */
const NANO_PROFILE_THREADS = 8;

/* ---- errors --------------------------------------------------------------------------------- */

/** Error codes of nano.h (NANO_E_*), by name. */
export const NANO_ERRORS: Record<number, string> = {
  [-1]: "io",
  [-2]: "format",
  [-3]: "nomem",
  [-4]: "mismatch",
  [-5]: "arg",
};

/** A failure reported by the engine: `message` is the C engine's one-line explanation. */
export class NanoEngineError extends Error {
  /** A NANO_E_* code (negative), or 0 for errors the wrapper itself detects. */
  readonly code: number;
  constructor(message: string, code = 0) {
    super(message);
    this.name = "NanoEngineError";
    this.code = code;
  }
}

/* ---- public types ----------------------------------------------------------------------------- */

/** The validated header config of a loaded model (NanoConfig of nano.h, camel-cased). */
export interface EngineConfig extends NanoConfig {
  majorVersion: number;
  minorVersion: number;
  quantType: "F32" | "Q8_0";
  /** Q8_0 group length; 0 for F32. */
  groupSize: number;
}

/** What `load` reports about a model. */
export interface ModelInfo {
  config: EngineConfig;
  vocabSize: number;
  /** Parameters, the tied classifier counted once and the RoPE tables not at all. */
  paramCount: number;
}

/** Where the causal passes' time went since `profile(true)` (nano.h NanoProfile), in
 * milliseconds summed over the passes: for benchmarks. busyMs and attentionMs list the
 * engine's threads, the calling one first. In a browser the threads' clocks agree only to
 * Emscripten's drift correction, so startLagMs and endGapMs, which compare them, are rough. */
export interface EngineProfile {
  /** Passes run (steps and prefills) and their wall time. */
  passes: number;
  passMs: number;
  /** Jobs handed to the threads (a few per layer), from publishing each to its last chunk
   * done: passMs less jobMs is what the calling thread did alone between them. */
  jobs: number;
  jobMs: number;
  /** From publishing a job to each other thread's first chunk of it. */
  startLagMs: number;
  /** From the first thread done with a job to the last. */
  endGapMs: number;
  /** Each thread's time running chunks, and the attention part of it. */
  busyMs: number[];
  attentionMs: number[];
}

/** Sampling knobs (sampler.c documents the exact algorithm). */
export interface SamplerOptions {
  /** 0 = greedy (argmax, lowest id wins ties). Default 1. */
  temperature?: number;
  /** 0 = off. Default 0. */
  topK?: number;
  /** >= 1 = off. Default 1. */
  topP?: number;
  /** 1 = off. Default 1. */
  repetitionPenalty?: number;
  /** Seed of the xorshift64* generator; the same seed gives the same tokens. Default 0. */
  seed?: number | bigint;
}

/** Options of `generate`. */
export interface GenerateOptions {
  /** Tokens to produce at most (default: what fits in the context, capped at 256). */
  maxNewTokens?: number;
  /** Keep going after <|eos|> instead of stopping there. */
  ignoreEos?: boolean;
  /** Re-seed and configure the sampler first; without it the current sampler carries on. */
  sampler?: SamplerOptions;
  /** Also yield each step's logits (a copy, before penalty and temperature). */
  withLogits?: boolean;
}

/** One generated token. */
export interface GeneratedToken {
  id: number;
  text: string;
  /** The logits the token was sampled from (only with `withLogits`). */
  logits?: Float32Array<ArrayBuffer>;
}

/** Timing of the last `generate` call, for tokens-per-second figures. */
export interface GenerateStats {
  promptTokens: number;
  prefillMs: number;
  /** Tokens produced by single steps (every generated token but the last). */
  decodeTokens: number;
  decodeMs: number;
}

/** Options of `Engine.create`. */
export interface CreateOptions {
  /** Threads of the forward pass, the calling thread included (default 1, at most 64). */
  threads?: number;
  /** The nano-engine.wasm bytes, if already at hand. */
  wasmBinary?: Uint8Array;
}

const NANO_OBSERVE_ATTENTION = 1;
const NANO_OBSERVE_RESIDUAL = 2;
const NANO_TOKEN_EOS = 3;
const MAX_THREADS = 64;
const ERR_BYTES = 512;
/* A token is at most 255 code points (its length is a u8), 4 UTF-8 bytes each, plus the NUL. */
const TOKEN_TEXT_BYTES = 1024;
/* sizeof(NanoSampler) is 24 on wasm32; reserve room to spare. */
const SAMPLER_BYTES = 64;
/* The build's MAXIMUM_MEMORY (build.sh). */
const WASM_MEMORY_MAX = 2 ** 32;

/** A region of wasm memory that grows on demand and is reused between calls. */
class Scratch {
  ptr = 0;
  bytes = 0;
  constructor(private readonly mod: NanoEngineModule) {}
  /** A pointer to at least `bytes` bytes (contents not kept when it grows). */
  reserve(bytes: number): number {
    if (bytes > this.bytes) {
      const size = Math.max(bytes, 2 * this.bytes, 64); // doubling: few reallocations
      this.release();
      this.ptr = size < WASM_MEMORY_MAX ? this.mod._malloc(size) >>> 0 : 0;
      if (this.ptr === 0) throw new NanoEngineError(`out of memory reserving ${size} bytes`, -3);
      this.bytes = size;
    }
    return this.ptr;
  }
  release(): void {
    if (this.ptr) this.mod._free(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/* ---- the engine ------------------------------------------------------------------------------- */

/** The WebAssembly engine: one model, one session (KV cache, thread pool), one sampler. */
export class Engine {
  private readonly mod: NanoEngineModule;
  private readonly nThreads: number;
  /* Fixed buffers: error text, out-parameters, the sampler struct. */
  private readonly errPtr: number;
  private readonly slotPtr: number; /* two 4-byte out slots */
  private readonly samplerPtr: number;
  private readonly tokenTextPtr: number;
  /* Growable buffers for ids, text, history, and the sampler's logits copy and scratch. */
  private readonly ids: Scratch;
  private readonly text: Scratch;
  private readonly history: Scratch;
  private readonly sampleLogits: Scratch;
  private readonly sampleScratch: Scratch;

  private model = 0;
  private session = 0;
  private lora = 0;
  private modelInfo: ModelInfo | null = null;
  private tokenTexts: (string | undefined)[] = [];
  private observeFlags = 0;
  private disposed = false;
  private lastStats: GenerateStats = {
    promptTokens: 0,
    prefillMs: 0,
    decodeTokens: 0,
    decodeMs: 0,
  };

  private constructor(mod: NanoEngineModule, threads: number) {
    this.mod = mod;
    this.nThreads = threads;
    this.errPtr = this.malloc(ERR_BYTES);
    this.slotPtr = this.malloc(8);
    this.samplerPtr = this.malloc(SAMPLER_BYTES);
    this.tokenTextPtr = this.malloc(TOKEN_TEXT_BYTES);
    this.ids = new Scratch(mod);
    this.text = new Scratch(mod);
    this.history = new Scratch(mod);
    this.sampleLogits = new Scratch(mod);
    this.sampleScratch = new Scratch(mod);
    this.setSampler({});
  }

  /** Instantiate the WebAssembly module with its worker threads (each Engine has its own). */
  static async create(opts: CreateOptions = {}): Promise<Engine> {
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
      throw new NanoEngineError(
        `threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`,
      );
    const mod = await loadNanoWasm({ threads, wasmBinary: opts.wasmBinary });
    return new Engine(mod, threads);
  }

  /** Threads of the forward pass, the calling thread included. */
  get threads(): number {
    return this.nThreads;
  }

  /* ---- the model file ---- */

  /** Load a `.bin` model (its bytes are copied into the engine) and open a session on it. */
  load(modelBytes: Uint8Array): ModelInfo {
    this.check();
    this.unload();
    const m = this.mod;
    const data = this.malloc(Math.max(modelBytes.length, 1));
    this.u8().set(modelBytes, data);
    let rc = m._nano_model_load_bytes(
      data,
      modelBytes.length,
      1,
      this.slotPtr,
      this.errPtr,
      ERR_BYTES,
    );
    if (rc !== 0) {
      m._free(data); // ownership passes only on success
      throw this.error(rc);
    }
    this.model = this.readPtr(this.slotPtr);
    rc = m._nano_session_new(this.model, this.nThreads, this.slotPtr, this.errPtr, ERR_BYTES);
    if (rc !== 0) {
      const e = this.error(rc);
      this.unload();
      throw e;
    }
    this.session = this.readPtr(this.slotPtr);
    const config = this.readConfig(m._nano_model_config(this.model) >>> 0);
    this.modelInfo = {
      config,
      vocabSize: config.vocabSize,
      paramCount: Number(m._nano_model_param_count(this.model)),
    };
    this.tokenTexts = new Array(config.vocabSize);
    this.sampleLogits.reserve(config.vocabSize * 4);
    this.sampleScratch.reserve(config.vocabSize * 8);
    this.history.reserve(config.blockSize * 4);
    if (this.observeFlags) m._nano_session_observe(this.session, this.observeFlags);
    return this.modelInfo;
  }

  /** The loaded model's description (throws if none is loaded). */
  get info(): ModelInfo {
    return this.need().info;
  }

  /* ---- tokenizer ---- */

  /** Token ids of `text` (greedy longest match; unknown characters become <|unknown|>). */
  encode(text: string): number[] {
    const { model } = this.need();
    const bytes = utf8Encoder.encode(text);
    const textPtr = this.text.reserve(bytes.length + 1);
    // Every id covers at least one byte, so bytes.length ids always suffice.
    const idsPtr = this.ids.reserve(Math.max(bytes.length, 1) * 4);
    this.u8().set(bytes, textPtr);
    const n = this.mod._nano_encode(model, textPtr, bytes.length, idsPtr, bytes.length);
    if (n < 0) throw new NanoEngineError(`could not encode the text (error ${n})`, n);
    return Array.from(new Int32Array(this.mod.wasmMemory.buffer, idsPtr, n));
  }

  /** The text of one token (special tokens read like `<|eos|>`). */
  decodeToken(id: number): string {
    const { model, info } = this.need();
    this.checkId(id, info.vocabSize);
    const cached = this.tokenTexts[id];
    if (cached !== undefined) return cached;
    const n = this.mod._nano_token_text(model, id, this.tokenTextPtr, TOKEN_TEXT_BYTES);
    if (n < 0) throw new NanoEngineError(`could not read the text of token ${id}`, n);
    const text = this.cString(this.tokenTextPtr, n);
    this.tokenTexts[id] = text;
    return text;
  }

  /** The concatenated text of several tokens. */
  decode(ids: readonly number[]): string {
    return ids.map((id) => this.decodeToken(id)).join("");
  }

  /** Whether the file marks this token special (<|bos|>, <|eos|>, ...). */
  isSpecial(id: number): boolean {
    const { model, info } = this.need();
    this.checkId(id, info.vocabSize);
    return this.mod._nano_token_is_special(model, id) !== 0;
  }

  /* ---- LoRA modules ---- */

  /** Load a LoRA module made for this model and attach it (replacing any attached one). */
  loadLora(bytes: Uint8Array): void {
    const { model, session } = this.need();
    const m = this.mod;
    const data = this.malloc(Math.max(bytes.length, 1));
    this.u8().set(bytes, data);
    const rc = m._nano_lora_load_bytes(
      model,
      data,
      bytes.length,
      this.slotPtr,
      this.errPtr,
      ERR_BYTES,
    );
    m._free(data); // the module keeps its own copy of the tensors
    if (rc !== 0) throw this.error(rc);
    const lora = this.readPtr(this.slotPtr);
    const set = m._nano_session_set_lora(session, lora);
    if (set !== 0) {
      m._nano_lora_free(lora);
      throw new NanoEngineError("the session refused the LoRA module", set);
    }
    if (this.lora) m._nano_lora_free(this.lora);
    this.lora = lora;
  }

  /** Detach and free the LoRA module, if any (the KV cache is kept). */
  unloadLora(): void {
    if (!this.lora) return;
    this.mod._nano_session_set_lora(this.session, 0);
    this.mod._nano_lora_free(this.lora);
    this.lora = 0;
  }

  /** Whether a LoRA module is attached. */
  get hasLora(): boolean {
    return this.lora !== 0;
  }

  /* ---- session: forward pass ---- */

  /** Forget the KV cache: the next token goes to position 0. */
  reset(): void {
    this.mod._nano_session_reset(this.need().session);
  }

  /** Position of the next token (= tokens in the KV cache). */
  get position(): number {
    return this.mod._nano_session_pos(this.need().session);
  }

  /** Run several tokens at once from the current position; returns the last one's logits. */
  prefill(ids: readonly number[]): Float32Array<ArrayBuffer> {
    return this.copyF32(this.prefillPtr(ids), this.need().info.vocabSize);
  }

  /** Run one token at the current position; returns its logits. */
  step(id: number): Float32Array<ArrayBuffer> {
    return this.copyF32(this.stepPtr(id), this.need().info.vocabSize);
  }

  /** Non-causal models: map exactly block_size ids to the argmax id of every position. */
  seq2seq(ids: readonly number[]): number[] {
    const { session, info } = this.need();
    const block = info.config.blockSize;
    if (ids.length !== block)
      throw new NanoEngineError(
        `seq2seq input must be exactly block_size (${block}) tokens, got ${ids.length}`,
        -5,
      );
    ids.forEach((id) => this.checkId(id, info.vocabSize));
    const inPtr = this.ids.reserve(2 * block * 4);
    const outPtr = inPtr + block * 4;
    new Int32Array(this.mod.wasmMemory.buffer, inPtr, block).set(ids);
    const rc = this.mod._nano_seq2seq(session, inPtr, block, outPtr);
    if (rc !== 0) throw new NanoEngineError("seq2seq failed", rc);
    return Array.from(new Int32Array(this.mod.wasmMemory.buffer, outPtr, block));
  }

  /* ---- observation ---- */

  /** Choose what each step records besides the logits (both off by default: no extra work). */
  observe(what: { attention?: boolean; residual?: boolean }): void {
    this.observeFlags =
      (what.attention ? NANO_OBSERVE_ATTENTION : 0) | (what.residual ? NANO_OBSERVE_RESIDUAL : 0);
    if (this.session) this.mod._nano_session_observe(this.session, this.observeFlags);
  }

  /** Attention weights of `layer` for the last token: one array per head over positions 0..pos. */
  attention(layer: number): Float32Array<ArrayBuffer>[] {
    const { session, info } = this.need();
    const { nLayer, nHead, blockSize } = info.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer)
      throw new NanoEngineError(`layer must be 0..${nLayer - 1}, got ${layer}`, -5);
    if (!(this.observeFlags & NANO_OBSERVE_ATTENTION))
      throw new NanoEngineError(
        "attention is not observed: call observe({ attention: true }) first",
      );
    const ptr = this.mod._nano_observed_attention(session, layer, this.slotPtr) >>> 0;
    if (ptr === 0) return []; // nothing run since observation was switched on
    const nPositions = new Int32Array(this.mod.wasmMemory.buffer, this.slotPtr, 1)[0];
    const heads: Float32Array<ArrayBuffer>[] = [];
    for (let h = 0; h < nHead; h++) heads.push(this.copyF32(ptr + h * blockSize * 4, nPositions));
    return heads;
  }

  /** The residual stream after `index` layers (0 = the embedding) for the last token. */
  residual(index: number): Float32Array<ArrayBuffer> {
    const { session, info } = this.need();
    const { nLayer, nEmbd } = info.config;
    if (!Number.isInteger(index) || index < 0 || index > nLayer)
      throw new NanoEngineError(`residual index must be 0..${nLayer}, got ${index}`, -5);
    if (!(this.observeFlags & NANO_OBSERVE_RESIDUAL))
      throw new NanoEngineError(
        "the residual stream is not observed: call observe({ residual: true }) first",
      );
    const ptr = this.mod._nano_observed_residual(session, index) >>> 0;
    if (ptr === 0) throw new NanoEngineError("no residual stream recorded yet: run a token first");
    return this.copyF32(ptr, nEmbd);
  }

  /** Logits of the last token run (a copy). */
  logits(): Float32Array<ArrayBuffer> {
    const { session, info } = this.need();
    return this.copyF32(this.mod._nano_session_logits(session) >>> 0, info.vocabSize);
  }

  /* ---- sampling ---- */

  /** Configure and seed the sampler used by `sample` and `generate`. */
  setSampler(opts: SamplerOptions): void {
    const temperature = opts.temperature ?? 1;
    const topK = opts.topK ?? 0;
    const topP = opts.topP ?? 1;
    const repetitionPenalty = opts.repetitionPenalty ?? 1;
    if (!(temperature >= 0))
      throw new NanoEngineError(`temperature must be >= 0, got ${temperature}`, -5);
    if (!Number.isInteger(topK) || topK < 0)
      throw new NanoEngineError(`topK must be an integer >= 0, got ${topK}`, -5);
    if (!(topP > 0)) throw new NanoEngineError(`topP must be > 0, got ${topP}`, -5);
    if (!(repetitionPenalty > 0))
      throw new NanoEngineError(`repetitionPenalty must be > 0, got ${repetitionPenalty}`, -5);
    const seed = opts.seed ?? 0;
    if (typeof seed === "number" && (!Number.isSafeInteger(seed) || seed < 0))
      throw new NanoEngineError(`seed must be a non-negative integer, got ${seed}`, -5);
    const seed64 = BigInt.asUintN(64, BigInt(seed));
    this.mod._nano_sampler_init(
      this.samplerPtr,
      temperature,
      topK,
      topP,
      repetitionPenalty,
      seed64,
    );
  }

  /** Pick the next token from `logits`, penalising ids in `history` (advances the sampler). */
  sample(logits: Float32Array, history: readonly number[]): number {
    const { info } = this.need();
    if (logits.length !== info.vocabSize)
      throw new NanoEngineError(`expected ${info.vocabSize} logits, got ${logits.length}`, -5);
    const logitsPtr = this.sampleLogits.reserve(info.vocabSize * 4);
    const historyPtr = this.history.reserve(Math.max(history.length, 1) * 4);
    const buffer = this.mod.wasmMemory.buffer;
    new Float32Array(buffer, logitsPtr, info.vocabSize).set(logits);
    new Int32Array(buffer, historyPtr, history.length).set(history);
    return this.sampleAt(logitsPtr, historyPtr, history.length);
  }

  /* ---- generation ---- */

  /** Reset, run the prompt, then sample up to maxNewTokens tokens, yielding each as it comes.
   * Stops at <|eos|> (not yielded) unless ignoreEos, and when the context is full. Between
   * yields only read the engine (observation, logits); anything that runs tokens or resets
   * would pull the generation's context from under it. */
  async *generate(
    promptIds: readonly number[],
    opts: GenerateOptions = {},
  ): AsyncGenerator<GeneratedToken> {
    const { session, info } = this.need();
    const { blockSize } = info.config;
    const vocab = info.vocabSize;
    const maxNew =
      opts.maxNewTokens ?? Math.max(0, Math.min(256, blockSize - promptIds.length + 1));
    if (!Number.isInteger(maxNew) || maxNew < 0)
      throw new NanoEngineError(`maxNewTokens must be a non-negative integer, got ${maxNew}`, -5);
    if (opts.sampler) this.setSampler(opts.sampler);
    this.mod._nano_session_reset(session);
    const stats: GenerateStats = {
      promptTokens: promptIds.length,
      prefillMs: 0,
      decodeTokens: 0,
      decodeMs: 0,
    };
    this.lastStats = stats;

    let t0 = performance.now();
    let logitsPtr = this.prefillPtr(promptIds);
    stats.prefillMs = performance.now() - t0;

    // The history (prompt + output) stays in wasm memory for the repetition penalty.
    const historyPtr = this.history.reserve((promptIds.length + maxNew) * 4);
    new Int32Array(this.mod.wasmMemory.buffer, historyPtr, promptIds.length).set(promptIds);
    let nHistory = promptIds.length;
    const sampleLogitsPtr = this.sampleLogits.reserve(vocab * 4);

    for (let i = 0; i < maxNew; i++) {
      const buffer = this.mod.wasmMemory.buffer;
      const raw = new Float32Array(buffer, logitsPtr, vocab);
      const logits = opts.withLogits ? this.copyF32(logitsPtr, vocab) : undefined;
      new Float32Array(buffer, sampleLogitsPtr, vocab).set(raw);
      const id = this.sampleAt(sampleLogitsPtr, historyPtr, nHistory);
      if (id === NANO_TOKEN_EOS && !opts.ignoreEos) return;
      new Int32Array(this.mod.wasmMemory.buffer, historyPtr + nHistory * 4, 1)[0] = id;
      nHistory++;
      yield logits
        ? { id, text: this.decodeToken(id), logits }
        : { id, text: this.decodeToken(id) };
      // Stop once the budget is spent or the context is full: the last token is never run.
      if (i + 1 >= maxNew || this.mod._nano_session_pos(session) >= blockSize) return;
      t0 = performance.now();
      logitsPtr = this.stepPtr(id);
      stats.decodeMs += performance.now() - t0;
      stats.decodeTokens++;
    }
  }

  /** Timing of the most recent `generate` call. */
  get stats(): GenerateStats {
    return { ...this.lastStats };
  }

  /* ---- profiling ---- */

  /** Start counting where the passes' time goes, from zero (`on`), or stop: off, the passes
   * read no clock; on, a few reads per job and per attention head. */
  profile(on: boolean): void {
    this.mod._nano_session_profile(this.need().session, on ? 1 : 0);
  }

  /** What the passes since `profile(true)` spent their time on. */
  profileReport(): EngineProfile {
    const { session } = this.need();
    const slots = NANO_PROFILE_THREADS;
    const ptr = this.mod._malloc((6 + 2 * slots) * 8);
    if (!ptr) throw new NanoEngineError("out of memory reading the profile", -3);
    try {
      this.mod._nano_session_profile_get(session, ptr);
      const v = Array.from(
        new BigInt64Array(this.mod.wasmMemory.buffer, ptr, 6 + 2 * slots),
        Number,
      );
      const ms = (ns: number) => ns / 1e6;
      const threads = Math.min(this.nThreads, slots);
      return {
        passes: v[0],
        passMs: ms(v[1]),
        jobs: v[2],
        jobMs: ms(v[3]),
        startLagMs: ms(v[4]),
        endGapMs: ms(v[5]),
        busyMs: v.slice(6, 6 + threads).map(ms),
        attentionMs: v.slice(6 + slots, 6 + slots + threads).map(ms),
      };
    } finally {
      this.mod._free(ptr);
    }
  }

  /* ---- memory bandwidth ---- */

  /** Best GB/s reading a `bytes`-long buffer `passes` times with this engine's threads. Call it
   * before `load`: a loaded model's session holds the worker threads it would need. */
  measureReadBandwidth(bytes: number, passes = 5): number {
    this.check();
    if (this.session)
      throw new NanoEngineError(
        "measure the bandwidth before load(): the session holds the threads",
      );
    const gbs = this.mod._nano_measure_read_bandwidth(bytes, passes, this.nThreads);
    if (gbs < 0)
      throw new NanoEngineError(`could not measure the bandwidth with ${bytes} bytes`, -3);
    return gbs;
  }

  /* ---- lifetime ---- */

  /** Free the model, session and LoRA module, and stop the worker threads. The engine is unusable after. */
  dispose(): void {
    if (this.disposed) return;
    this.unload();
    for (const s of [this.ids, this.text, this.history, this.sampleLogits, this.sampleScratch])
      s.release();
    for (const p of [this.errPtr, this.slotPtr, this.samplerPtr, this.tokenTextPtr])
      this.mod._free(p);
    this.mod.PThread.terminateAllThreads();
    this.disposed = true;
  }

  /* ---- internals ---- */

  private unload(): void {
    const m = this.mod;
    if (this.lora) {
      if (this.session) m._nano_session_set_lora(this.session, 0);
      m._nano_lora_free(this.lora);
    }
    if (this.session) m._nano_session_free(this.session);
    if (this.model) m._nano_model_free(this.model);
    this.lora = this.session = this.model = 0;
    this.modelInfo = null;
    this.tokenTexts = [];
  }

  private prefillPtr(ids: readonly number[]): number {
    const { session, info } = this.need();
    const block = info.config.blockSize;
    if (ids.length === 0) throw new NanoEngineError("prefill needs at least one token", -5);
    const pos = this.mod._nano_session_pos(session);
    if (pos + ids.length > block)
      throw new NanoEngineError(
        pos === 0
          ? `prompt is ${ids.length} tokens but the model's block_size is ${block}`
          : `${ids.length} tokens do not fit: ${block - pos} of block_size ${block} positions are left`,
        -5,
      );
    ids.forEach((id) => this.checkId(id, info.vocabSize));
    const idsPtr = this.ids.reserve(ids.length * 4);
    new Int32Array(this.mod.wasmMemory.buffer, idsPtr, ids.length).set(ids);
    const out = this.mod._nano_prefill(session, idsPtr, ids.length) >>> 0;
    if (out === 0) throw new NanoEngineError("prefill failed", -5);
    return out;
  }

  private stepPtr(id: number): number {
    const { session, info } = this.need();
    const block = info.config.blockSize;
    if (this.mod._nano_session_pos(session) >= block)
      throw new NanoEngineError(`the context is full (block_size ${block})`, -5);
    this.checkId(id, info.vocabSize);
    const out = this.mod._nano_step(session, id) >>> 0;
    if (out === 0) throw new NanoEngineError("step failed", -5);
    return out;
  }

  private sampleAt(logitsPtr: number, historyPtr: number, nHistory: number): number {
    const vocab = this.need().info.vocabSize;
    const scratchPtr = this.sampleScratch.reserve(vocab * 8);
    return this.mod._nano_sample(
      this.samplerPtr,
      logitsPtr,
      vocab,
      historyPtr,
      nHistory,
      scratchPtr,
    );
  }

  private need(): { model: number; session: number; info: ModelInfo } {
    this.check();
    if (!this.modelInfo) throw new NanoEngineError("no model loaded: call load() first");
    return { model: this.model, session: this.session, info: this.modelInfo };
  }

  private check(): void {
    if (this.disposed) throw new NanoEngineError("this engine has been disposed");
  }

  private checkId(id: number, vocab: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= vocab)
      throw new NanoEngineError(`token id ${id} is out of range (vocab_size ${vocab})`, -5);
  }

  private malloc(bytes: number): number {
    // wasm32 sizes are u32: a larger request would wrap around instead of failing.
    const p = bytes < WASM_MEMORY_MAX ? this.mod._malloc(bytes) >>> 0 : 0;
    if (p === 0)
      throw new NanoEngineError(
        `out of memory allocating ${bytes} bytes (WebAssembly memory is limited to 4 GB)`,
        -3,
      );
    return p;
  }

  /* Views are made fresh for every access: memory growth replaces the buffer. */
  private u8(): Uint8Array {
    return new Uint8Array(this.mod.wasmMemory.buffer);
  }

  private readPtr(ptr: number): number {
    return new Uint32Array(this.mod.wasmMemory.buffer, ptr, 1)[0];
  }

  /* A copy in ordinary (unshared) memory, safe to keep, transfer or post to another thread. */
  private copyF32(ptr: number, n: number): Float32Array<ArrayBuffer> {
    const out = new Float32Array(n);
    out.set(new Float32Array(this.mod.wasmMemory.buffer, ptr, n));
    return out;
  }

  /* TextDecoder refuses views of shared memory, so decode a copy. */
  private cString(ptr: number, n: number): string {
    return utf8Decoder.decode(new Uint8Array(this.mod.wasmMemory.buffer, ptr, n).slice());
  }

  private error(code: number): NanoEngineError {
    const bytes = new Uint8Array(this.mod.wasmMemory.buffer, this.errPtr, ERR_BYTES);
    const end = bytes.indexOf(0);
    const message = this.cString(this.errPtr, end < 0 ? ERR_BYTES : end);
    return new NanoEngineError(message || `engine error ${NANO_ERRORS[code] ?? code}`, code);
  }

  private readConfig(ptr: number): EngineConfig {
    const v = new Int32Array(this.mod.wasmMemory.buffer, ptr, 13).slice();
    return {
      majorVersion: v[0],
      minorVersion: v[1],
      blockSize: v[2],
      vocabSize: v[3],
      nLayer: v[4],
      nEmbd: v[5],
      nHead: v[6],
      nKvHead: v[7],
      nHidden: v[8],
      isSharedClassifier: v[9] !== 0,
      headDim: v[10],
      quantType: v[11] === 0x80 ? "Q8_0" : "F32",
      groupSize: v[12],
    };
  }
}
