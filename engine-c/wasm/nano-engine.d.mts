// Types for nano-engine.mjs, the Emscripten glue that build.sh generates: the module factory and
// the C functions of ../src/nano.h it exports (pointers are byte offsets into `wasmMemory`).

/** Options the factory reads (a subset of Emscripten's Module object). */
export interface NanoEngineModuleOptions {
  /** The .wasm bytes; without it the glue fetches nano-engine.wasm next to the .mjs. */
  wasmBinary?: Uint8Array;
  /** Pool workers to start before the promise resolves (at least 1: 3.1.6 hangs with none). */
  nanoPoolSize?: number;
  /** Node only: a CommonJS `require` for the glue's use of fs/path/worker_threads. */
  nodeRequire?: (id: string) => unknown;
  /** Where to find nano-engine.wasm / nano-engine.worker.js (bundlers may need this). */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** URL of nano-engine.mjs for the pthread workers to import (bundlers may need this). */
  mainScriptUrlOrBlob?: string | Blob;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

/** The instantiated module: the engine's C API plus the runtime pieces the wrapper uses. */
export interface NanoEngineModule {
  wasmMemory: WebAssembly.Memory;
  PThread: { terminateAllThreads(): void; unusedWorkers: unknown[]; runningWorkers: unknown[] };

  _malloc(size: number): number;
  _free(ptr: number): void;

  _nano_model_load_bytes(data: number, len: number, takeOwnership: number, out: number, err: number, errlen: number): number;
  _nano_model_free(model: number): void;
  _nano_model_config(model: number): number;
  _nano_model_param_count(model: number): bigint;

  _nano_encode(model: number, utf8: number, len: number, ids: number, maxIds: number): number;
  _nano_token_text(model: number, id: number, buf: number, buflen: number): number;
  _nano_token_is_special(model: number, id: number): number;

  _nano_lora_load_bytes(base: number, data: number, len: number, out: number, err: number, errlen: number): number;
  _nano_lora_free(lora: number): void;

  _nano_session_new(model: number, nThreads: number, out: number, err: number, errlen: number): number;
  _nano_session_free(session: number): void;
  _nano_session_reset(session: number): void;
  _nano_session_pos(session: number): number;
  _nano_session_set_lora(session: number, lora: number): number;

  _nano_step(session: number, token: number): number;
  _nano_prefill(session: number, tokens: number, n: number): number;
  _nano_seq2seq(session: number, tokens: number, n: number, outIds: number): number;

  _nano_session_observe(session: number, flags: number): void;
  _nano_observed_attention(session: number, layer: number, nPositions: number): number;
  _nano_observed_residual(session: number, index: number): number;
  _nano_session_logits(session: number): number;

  _nano_sampler_init(sampler: number, temperature: number, topK: number, topP: number, repetitionPenalty: number, seed: bigint): void;
  _nano_sample(sampler: number, logits: number, vocabSize: number, history: number, nHistory: number, scratch: number): number;

  _nano_session_profile(session: number, on: number): void;
  _nano_session_profile_get(session: number, out: number): void;

  _nano_measure_read_bandwidth(bytes: number, passes: number, nThreads: number): number;
}

/** Instantiate the module; resolves once the wasm is compiled and the worker pool is loaded. */
declare function createNanoEngine(options?: NanoEngineModuleOptions): Promise<NanoEngineModule>;
export default createNanoEngine;
