// wasm-decoder.ts — the WebAssembly engine's generation, run in a dedicated worker
// (wasm-worker.ts) so that decoding never waits for the page to draw: in the page's own thread a
// big model decoded at about half its speed in Node. The worker holds its own copy of the model
// and its KV cache; tokens, their top-k and attention rows stream back as messages. The page's
// WasmEngine (engines.ts) stays for what must be synchronous: the tokenizer, compare, seq2seq.
import type { GenerationSink, Sampling } from "./engines.ts";

/** Page → decoder worker. `id` pairs a request with its `state` or `error` answer. */
export type ToDecoder =
  | { type: "load"; id: number; bytes: ArrayBuffer; threads: number }
  /** Reset and run `promptIds` (observed: every prompt row's attention is reported). */
  | { type: "start"; id: number; promptIds: number[]; observe: boolean }
  /** Run one more token (the user's pick) after the current history. */
  | { type: "push"; id: number; token: number; observe: boolean }
  /** Generate from `promptIds`, or continue from the current history when null. */
  | {
      type: "generate";
      id: number;
      promptIds: number[] | null;
      maxNewTokens: number;
      sampling: Sampling;
      observe: boolean;
    }
  /** Use this token for the running generation's next step instead of sampling. */
  | { type: "pick"; token: number }
  /** End the running generation after its current token. */
  | { type: "stop" };

/** Decoder worker → page. */
export type FromDecoder =
  | {
      type: "token";
      id: number;
      step: number;
      position: number;
      token: number;
      text: string;
      /** What the token was chosen from (vocab_size). */
      logits: Float32Array;
      picked: boolean;
    }
  /** Attention of the token at `query`: row (layer, head) is weights[(layer·nHead + head)·keys …]. */
  | {
      type: "attention";
      query: number;
      nLayer: number;
      nHead: number;
      keys: number;
      weights: Float32Array;
    }
  /** A request ended: the ids in the KV cache and the next token's logits (null before a run). */
  | { type: "state"; id: number; history: number[]; nextLogits: Float32Array | null }
  | { type: "error"; id: number; message: string };

interface Pending {
  resolve(state: Extract<FromDecoder, { type: "state" }>): void;
  reject(e: Error): void;
  sink: GenerationSink | null;
}

/** A generation request, as GenerationPanel makes it. */
export interface DecodeRequest {
  /** null: continue after the current history. */
  promptIds: number[] | null;
  maxNewTokens: number;
  sampling: Sampling;
  observe: boolean;
  signal: AbortSignal;
}

/** The client of the decoder worker: one request at a time is answered in order. */
export class WasmDecoder {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private known: { history: number[]; nextLogits: Float32Array | null } = {
    history: [],
    nextLogits: null,
  };

  constructor() {
    this.worker = new Worker(new URL("./wasm-worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (e: MessageEvent<FromDecoder>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      const error = new Error(`the decoder worker failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  /** The ids in the worker's KV cache and the next token's logits, as of the last request. */
  get state(): { history: number[]; nextLogits: Float32Array | null } {
    return { history: [...this.known.history], nextLogits: this.known.nextLogits };
  }

  /** Load a model (the bytes are copied; `threads` > 1 needs a cross-origin-isolated page). */
  async load(bytes: Uint8Array, threads: number): Promise<void> {
    const copy = bytes.slice().buffer;
    await this.request({ type: "load", id: 0, bytes: copy, threads }, null, [copy]);
  }

  /** Reset and run a prompt; attention rows go to `sink` when given. Resolves with the next
   *  token's logits. */
  async start(promptIds: number[], sink: GenerationSink | null): Promise<Float32Array | null> {
    const s = await this.request({ type: "start", id: 0, promptIds, observe: !!sink }, sink);
    return s.nextLogits;
  }

  /** Run `token` after the current history; resolves with the next token's logits. */
  async push(token: number, sink: GenerationSink | null): Promise<Float32Array | null> {
    const s = await this.request({ type: "push", id: 0, token, observe: !!sink }, sink);
    return s.nextLogits;
  }

  /** Generate, streaming tokens (with their top-k) and attention rows to `sink`. */
  async generate(req: DecodeRequest, sink: GenerationSink): Promise<void> {
    const onAbort = () => this.worker.postMessage({ type: "stop" } satisfies ToDecoder);
    req.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await this.request(
        {
          type: "generate",
          id: 0,
          promptIds: req.promptIds,
          maxNewTokens: req.maxNewTokens,
          sampling: req.sampling,
          observe: req.observe,
        },
        sink,
      );
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
  }

  /** The running generation's next step takes `token` instead of sampling. */
  pick(token: number): void {
    this.worker.postMessage({ type: "pick", token } satisfies ToDecoder);
  }

  dispose(): void {
    this.worker.terminate();
  }

  private request(
    msg: Exclude<ToDecoder, { type: "pick" } | { type: "stop" }>,
    sink: GenerationSink | null,
    transfer: Transferable[] = [],
  ): Promise<Extract<FromDecoder, { type: "state" }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, sink });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /* Requests run one at a time in the worker: streamed messages belong to the oldest pending. */
  private current(): Pending | undefined {
    return this.pending.values().next().value;
  }

  private receive(m: FromDecoder): void {
    switch (m.type) {
      case "token":
        this.current()?.sink?.token({
          step: m.step,
          position: m.position,
          id: m.token,
          text: m.text,
          logits: m.logits,
          picked: m.picked,
        });
        return;
      case "attention": {
        const sink = this.current()?.sink;
        if (!sink) return;
        for (let layer = 0; layer < m.nLayer; layer++)
          for (let head = 0; head < m.nHead; head++) {
            const at = (layer * m.nHead + head) * m.keys;
            sink.attention(layer, head, m.query, m.weights.subarray(at, at + m.keys));
          }
        return;
      }
      case "state": {
        this.known = { history: m.history, nextLogits: m.nextLogits };
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m);
        return;
      }
      case "error": {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.reject(new Error(m.message));
        return;
      }
    }
  }
}
