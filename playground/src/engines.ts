// engines.ts — the two engines behind one face: the C engine compiled to WebAssembly (run on this
// thread, one token at a time with a yield between tokens) and the Scheme engine in its worker
// (scheme-client.ts). Compare mode runs the Scheme engine greedily and feeds the same tokens to
// the WebAssembly engine, reporting per step whether the argmax agrees and the largest |Δlogit|.
import { Engine, type ModelInfo } from "../../engine-c/ts/engine.ts";
import { QUANT_Q8_0, parameterCount, readModelHead } from "../../engine-c/ts/format.ts";
import { Tokenizer } from "../../engine-c/ts/tokenizer.ts";
import type { FromWorker } from "./protocol.ts";

/** Which engine runs a generation. */
export type EngineKind = "wasm" | "scheme" | "compare";

/** Sampling settings (the C sampler's knobs). */
export interface Sampling {
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

/** One produced token: `logits` is the distribution it was chosen from. */
export interface TokenEvent {
  step: number;
  /** Position of the token in the sequence (prompt included). */
  position: number;
  id: number;
  text: string;
  logits?: Float32Array;
  /** The user chose this token from the top-k table. */
  picked?: boolean;
}

/** Per-step result of compare mode. */
export interface CompareEvent {
  step: number;
  agree: boolean;
  maxLogitDiff: number;
  wasmId: number;
  schemeId: number;
}

/** What a generation reports as it goes. */
export interface GenerationSink {
  token(ev: TokenEvent): void;
  /** One attention row: `weights` over key positions 0..n-1 for the query at `query`. */
  attention(layer: number, head: number, query: number, weights: Float32Array): void;
  compare?(ev: CompareEvent): void;
}

/** A request to generate from `promptIds`. */
export interface GenerateRequest {
  promptIds: number[];
  maxNewTokens: number;
  sampling: Sampling;
  observe: boolean;
  /** Asked before each sampled step: a token the user picked, to use instead of sampling. */
  takePicked?: () => number | undefined;
  /** Set to stop between tokens. */
  signal: AbortSignal;
}

/** The part of P2's SchemeClient the engines use: a generate request answered by a stream of
 *  worker messages, resolving when generation is done (rejecting on error or stop). */
export interface SchemeGenerator {
  generate(
    request: {
      modelId: string;
      modelBytes?: ArrayBuffer;
      promptIds: number[];
      options: {
        maxNewTokens: number;
        temperature: number;
        topK: number;
        topP: number;
        seed: number;
        ignoreEos?: boolean;
      };
      observe: boolean;
    },
    onMessage: (m: FromWorker) => void,
  ): Promise<void>;
  stop(): void;
}

export const EOS_ID = 3;
export const BOS_ID = 2;
export const INSTRUCT_MARK_ID = 4;
export const RESPONSE_MARK_ID = 5;

/** Let the page paint and handle input between tokens (faster than setTimeout's 4 ms clamp). */
export function yieldToUI(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/**
 * The WebAssembly engine with the loaded model, stepped one token at a time. Generation itself runs
 * in the decoder's worker (wasm-decoder.ts); this page-side engine tokenizes, compares, picks and
 * runs seq2seq. So it reads only the model's header and tokenizer when a model is chosen, and
 * copies the weights into its own memory the first time it has to run them: a 660 MB model is
 * not held twice just to be tokenized.
 */
export class WasmEngine {
  private constructor(private readonly engine: Engine) {}
  private history: number[] = [];
  private pending: Float32Array | null = null;
  private bytes: Uint8Array | null = null;
  private weightsLoaded = false;
  private tokenizer: Tokenizer | null = null;
  private modelInfo: ModelInfo | null = null;

  /** Instantiate the engine (threads > 1 need a cross-origin-isolated page). */
  static async create(threads = 1): Promise<WasmEngine> {
    return new WasmEngine(await Engine.create({ threads }));
  }

  /** Threads of the forward pass. */
  get threads(): number {
    return this.engine.threads;
  }

  /** Choose a model: its header and tokenizer are read (and validated) now, its weights copied
   *  into the engine on first use. */
  load(bytes: Uint8Array): ModelInfo {
    const head = readModelHead(bytes);
    this.history = [];
    this.pending = null;
    this.bytes = bytes;
    this.weightsLoaded = false;
    this.tokenizer = new Tokenizer(head.vocab);
    this.modelInfo = {
      config: {
        ...head.config,
        majorVersion: head.header.majorVersion,
        minorVersion: head.header.minorVersion,
        quantType: head.header.quantType === QUANT_Q8_0 ? "Q8_0" : "F32",
        groupSize: head.header.groupSize,
      },
      vocabSize: head.config.vocabSize,
      paramCount: parameterCount(head.config),
    };
    return this.modelInfo;
  }

  /** The engine with the model's weights in it. */
  private get running(): Engine {
    if (!this.bytes) throw new Error("no model is loaded");
    if (!this.weightsLoaded) {
      this.engine.observe({ attention: true });
      this.engine.load(this.bytes);
      this.weightsLoaded = true;
    }
    return this.engine;
  }

  get info(): ModelInfo {
    if (!this.modelInfo) throw new Error("no model is loaded");
    return this.modelInfo;
  }

  encode(text: string): number[] {
    if (!this.tokenizer) throw new Error("no model is loaded");
    return this.tokenizer.encode(text);
  }

  tokenText(id: number): string {
    if (!this.tokenizer) throw new Error("no model is loaded");
    return this.tokenizer.tokenText(id);
  }

  /** The tokens run so far (prompt and output) and the logits for the next one. */
  get state(): { history: number[]; nextLogits: Float32Array | null } {
    return { history: [...this.history], nextLogits: this.pending };
  }

  /** Reset and run the prompt; with `observe`, token by token so every query row is recorded. */
  async start(
    promptIds: number[],
    sink: GenerationSink | null,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const e = this.running;
    e.reset();
    this.history = [];
    let logits: Float32Array | null = null;
    if (sink) {
      for (const id of promptIds) {
        if (signal?.aborted) break;
        logits = this.push(id, sink);
        if (this.history.length % 16 === 0) await yieldToUI();
      }
    } else {
      logits = e.prefill(promptIds);
      this.history = [...promptIds];
    }
    this.pending = logits;
    return logits ?? new Float32Array(this.info.vocabSize);
  }

  /** Run one more token; returns the logits for the token after it. */
  push(id: number, sink: GenerationSink | null): Float32Array {
    const e = this.running;
    const query = e.position;
    const logits = e.step(id);
    this.history.push(id);
    this.pending = logits;
    if (sink) this.reportAttention(query, sink);
    return logits;
  }

  /** Whether another token fits in the context. */
  get hasRoom(): boolean {
    return (this.weightsLoaded ? this.running.position : 0) < this.info.config.blockSize;
  }

  /** Sample the next id from `logits` with the given settings. */
  sample(logits: Float32Array, sampling: Sampling, first: boolean): number {
    if (first)
      this.running.setSampler({
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        seed: sampling.seed,
      });
    return this.running.sample(logits, this.history);
  }

  /** Non-causal models: block_size ids in, the argmax id at every position out. */
  seq2seq(ids: number[], sink: GenerationSink | null): number[] {
    const out = this.running.seq2seq(ids);
    // The engine records the last position's attention (over every key: no causal mask).
    if (sink) this.reportAttention(ids.length - 1, sink);
    return out;
  }

  private reportAttention(query: number, sink: GenerationSink): void {
    const { nLayer } = this.info.config;
    for (let layer = 0; layer < nLayer; layer++) {
      const heads = this.running.attention(layer);
      heads.forEach((weights, head) => sink.attention(layer, head, query, weights));
    }
  }

  /** Logits of the last token run (seq2seq: the last position). */
  lastLogits(): Float32Array {
    return this.running.logits();
  }

  dispose(): void {
    this.engine.dispose();
  }
}

/** Run a causal generation on the WebAssembly engine. */
export async function generateWasm(
  wasm: WasmEngine,
  req: GenerateRequest,
  sink: GenerationSink,
  continueFrom?: { history: number[]; logits: Float32Array },
): Promise<void> {
  let logits: Float32Array;
  let position: number;
  if (continueFrom) {
    logits = continueFrom.logits;
    position = continueFrom.history.length;
  } else {
    logits = await wasm.start(req.promptIds, req.observe ? sink : null, req.signal);
    position = req.promptIds.length;
  }
  for (let step = 0; step < req.maxNewTokens && !req.signal.aborted; step++) {
    const picked = req.takePicked?.();
    const id = picked ?? wasm.sample(logits, req.sampling, step === 0);
    if (id === EOS_ID && picked === undefined) break;
    sink.token({
      step,
      position,
      id,
      text: wasm.tokenText(id),
      logits,
      picked: picked !== undefined,
    });
    position++;
    if (!wasm.hasRoom) break;
    logits = wasm.push(id, req.observe ? sink : null);
    await yieldToUI();
  }
}

/** Run a causal generation on the Scheme engine; with `compare`, check every step against the
 *  WebAssembly engine fed the same tokens. */
export async function generateScheme(
  client: SchemeGenerator,
  model: { id: string; bytes: Uint8Array },
  req: GenerateRequest,
  sink: GenerationSink,
  compare: WasmEngine | null,
): Promise<void> {
  let wasmLogits = compare ? await compare.start(req.promptIds, null) : null;
  const onAbort = () => client.stop();
  req.signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.generate(
      {
        modelId: model.id,
        modelBytes: wholeBuffer(model.bytes),
        promptIds: req.promptIds,
        options: {
          maxNewTokens: req.maxNewTokens,
          temperature: compare ? 0 : req.sampling.temperature,
          topK: req.sampling.topK,
          topP: req.sampling.topP,
          seed: req.sampling.seed,
        },
        observe: req.observe,
      },
      (m) => {
        if (m.type === "token") {
          const position = req.promptIds.length + m.step;
          sink.token({ step: m.step, position, id: m.token, text: m.text, logits: m.logits });
          if (compare && wasmLogits) {
            const wasmId = argmax(wasmLogits);
            const maxLogitDiff = m.logits ? maxAbsDiff(wasmLogits, m.logits) : NaN;
            sink.compare?.({
              step: m.step,
              agree: wasmId === m.token,
              maxLogitDiff,
              wasmId,
              schemeId: m.token,
            });
            wasmLogits = compare.hasRoom ? compare.push(m.token, null) : null;
          }
        } else if (
          m.type === "observe" &&
          m.kind === "attention" &&
          m.layer !== null &&
          m.head !== null
        ) {
          sink.attention(m.layer, m.head, m.position, m.data);
        }
      },
    );
  } finally {
    req.signal.removeEventListener("abort", onAbort);
  }
}

/** The bytes as a whole ArrayBuffer (copied only when they are a view into a larger one). */
export function wholeBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

/** Index of the largest value (lowest index on ties, like the C sampler's greedy). */
export function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** max_i |a[i] - b[i]|. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The `k` most probable tokens under softmax(logits): one pass keeps the k largest logits in a
 *  small sorted list (a vocabulary of 16k costs no sort), a second sums exp for the normalizer. */
export function topKOf(logits: Float32Array, k: number): { id: number; p: number }[] {
  const ids: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (ids.length === k && !(x > values[k - 1])) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && values[at - 1] < x) {
      if (at < k) [ids[at], values[at]] = [ids[at - 1], values[at - 1]];
      at--;
    }
    ids[at] = i;
    values[at] = x;
  }
  const max = values[0] ?? 0;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return ids.map((id, j) => ({ id, p: Math.exp(values[j] - max) / sum }));
}
