// The messages between the UI (scheme-client.ts) and the Scheme worker (scheme-worker.ts). Both
// sides import these types; nothing here depends on the DOM or on the interpreter, so the types
// can be used from the main thread, the worker and the Node tests alike.

/**
 * Where the worker keeps the engine's Scheme sources: `scheme-lib/nano/model.sld` and so on.
 * `set-file` paths, breakpoint files and `Loc.file` of library code use these names; the
 * program's own file is whatever name `run` / `debug` give (e.g. "program.scm"). The model of
 * the last `generate` / `forward` is also readable by programs as the file "model.bin", so
 * `(read-model "model.bin")` works at the REPL.
 */
export const SCHEME_LIB_DIR = "scheme-lib";

/** A place in a source file (1-based lines and columns, as the interpreter reports them). */
export interface Loc {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** What kind of Scheme value a Preview summarizes. */
export type PreviewKind =
  | "number"
  | "string"
  | "symbol"
  | "boolean"
  | "char"
  | "null" // the empty list
  | "list" // a proper or improper list (pairs)
  | "vector"
  | "numeric-vector" // f32/f64/s8/u8 vectors, bytevectors, and vectors holding only numbers
  | "record"
  | "procedure"
  | "hashtable"
  | "unspecified"
  | "eof"
  | "other";

/**
 * A serializable summary of a Scheme value, for the variables panel, the REPL and `done` values.
 * `text` is always there: a short printed form (as `write` shows it, shortened to ~200 chars).
 */
export interface Preview {
  kind: PreviewKind;
  text: string;
  /** Lists, vectors, numeric vectors, strings: how many elements (or characters) in all. */
  length?: number;
  /** Lists and vectors: the first items (at most PREVIEW_ITEMS), each a Preview. */
  items?: Preview[];
  /** Numeric vectors: the first elements as numbers (at most PREVIEW_NUMBERS) — sparklines and
   *  heatmaps draw these. */
  numbers?: number[];
  /** Numeric vectors: the element type ("f32", "f64", "s8", "u8", "bytevector", "vector"). */
  elementType?: string;
  /** True when items / numbers / text hold less than the whole value (longer lists are folded). */
  truncated?: boolean;
  /** Records: the record type's name and its fields. */
  typeName?: string;
  fields?: { name: string; value: Preview }[];
}

/** Lists and vectors keep this many items in `items`. */
export const PREVIEW_ITEMS = 20;
/** Numeric vectors keep this many numbers in `numbers`. */
export const PREVIEW_NUMBERS = 512;

/** One call-stack frame of a paused program, innermost first. */
export interface FrameInfo {
  name: string;
  loc: Loc | null;
  variables: { name: string; value: Preview }[];
}

/** Sampling and length options for `generate` (the C command line's flags and defaults). */
export interface GenerateOptions {
  /** Default: as many as fit in block_size, at most 256. */
  maxNewTokens?: number;
  /** 0 = greedy (default 1.0). */
  temperature?: number;
  /** 0 = off. */
  topK?: number;
  /** 1 = off. */
  topP?: number;
  /** 1 = off. */
  repetitionPenalty?: number;
  /** The sampler's seed; default: from the clock. */
  seed?: number;
  ignoreEos?: boolean;
  /** Wrap the prompt in the instruction template (only with `prompt`, not `promptIds`). */
  instruct?: boolean;
  /** How many entries the `topk` list of each token carries (default 10; 0 = none). */
  topKShown?: number;
  /** Send each step's logits with its `token` message (default true). */
  sendLogits?: boolean;
}

/** Which observation kinds are sent when `observe` is on (default: ["attention"]). The Scheme
 *  engine reports embedding, q, k, v, attention, residual, logits (scheme-lib/README.md). */
export type ObserveKind = "embedding" | "q" | "k" | "v" | "attention" | "residual" | "logits";

/**
 * A picture drawn by a program with the `(nanolm docs)` procedures (`show-heatmap`, `show-bars`,
 * ...; docs/lib/docs-library.ts), sent to the UI as a `figure` message. Numbers are plain JS numbers;
 * `options` holds the procedure's option alist with symbol keys as strings.
 */
export type Figure =
  | { kind: "heatmap"; rows: number[][]; options: FigureOptions }
  | { kind: "bars"; labels: string[]; values: number[]; options: FigureOptions }
  | { kind: "line"; series: { name: string; values: number[] }[]; options: FigureOptions }
  | { kind: "vector"; values: number[]; options: FigureOptions }
  | { kind: "tokens"; tokens: { text: string; id: number | null }[]; options: FigureOptions }
  | {
      kind: "arrows";
      arrows: { x: number; y: number; label: string | null }[];
      options: FigureOptions;
    }
  | { kind: "table"; rows: string[][]; options: FigureOptions };

/** Figure options: `title`, `min`, `max`, `diverging`, `row-labels`, ... (docs/AUTHORING.md). */
export type FigureOptions = Record<string, string | number | boolean | string[] | number[] | null>;

// ---------------------------------------------------------------------------------------------
// UI → worker

export type ToWorker =
  /** Run a program at full speed (no step points); answers `output`* then `done` or `error`.
   *  `pause` stops it between two slices (`paused` with canStep false); `continue` goes on. */
  | { type: "run"; id?: number; source: string; file: string }
  /** Run under the debugger; answers `paused` / `output` / `done` / `error`. */
  | {
      type: "debug";
      id?: number;
      source: string;
      file: string;
      breakpoints: { file: string; lines: number[] }[];
    }
  /** Replace one file's breakpoints (also while running: takes effect at the next slice). */
  | { type: "set-breakpoints"; file: string; lines: number[] }
  | { type: "continue" }
  | { type: "pause" }
  | { type: "step-into" }
  | { type: "step-over" }
  | { type: "step-out" }
  /** Evaluate forms in the persistent REPL environment; answers `repl-result` or `error`. */
  | { type: "repl"; id?: number; source: string }
  /** Evaluate one expression in a paused frame (0 = innermost); answers `evaluate-result`. */
  | { type: "evaluate"; id?: number; frame: number; source: string }
  /** Replace a scheme-lib file's text (path like "nano/model.sld"); later imports see it. */
  | { type: "set-file"; path: string; text: string }
  /** Restore every scheme-lib file to the bundled text. */
  | { type: "reset-files" }
  /** Put a binary file (e.g. "models/nano-pico.bin") where programs can read it. */
  | { type: "add-file"; path: string; bytes: ArrayBuffer }
  /**
   * Generate on the Scheme engine. `modelBytes` is the .bin file (transfer it); the worker keeps
   * the last model parsed under `modelId`, so a later request with the same id may omit the bytes.
   * Give `prompt` (text, encoded by the model's tokenizer) or `promptIds`. Answers `generate-start`,
   * then `token`* (and `observe`* when `observe` is true), then `generate-done` or `error`.
   */
  | {
      type: "generate";
      id?: number;
      modelId: string;
      modelBytes?: ArrayBuffer;
      prompt?: string;
      promptIds?: number[];
      options?: GenerateOptions;
      observe: boolean;
      observeKinds?: ObserveKind[];
    }
  /**
   * Compare mode / "pick the next token yourself": run these ids through a fresh session of the
   * model (non-causal models: seq2seq), answer `logits` with one Float32Array per position.
   */
  | {
      type: "forward";
      id?: number;
      modelId: string;
      modelBytes?: ArrayBuffer;
      ids: number[];
      /** Default true; false for sequence-to-sequence models such as sort.bin. */
      causal?: boolean;
      /** Also answer `observe` messages with the attention rows of every position. */
      observe?: boolean;
    }
  /** Ask the running program / generation to stop (the client really terminates the worker). */
  | { type: "stop" };

// ---------------------------------------------------------------------------------------------
// worker → UI

export type FromWorker =
  /** The interpreter is built (prelude loaded); requests may be sent before it, they queue. */
  | { type: "ready" }
  /** Console output of the program, batched. */
  | { type: "output"; text: string; stream: "stdout" | "stderr" }
  /** Stopped at `loc` under the debugger, or a plain run stopped by `pause`. */
  | {
      type: "paused";
      reason: "breakpoint" | "step" | "pause";
      loc: Loc | null;
      frames: FrameInfo[];
      /** false when a plain `run` was paused (between two slices): it has no step points, so
       *  only continue and stop apply. Absent (true) under the debugger. */
      canStep?: boolean;
    }
  /** The program (debug or run) resumed after a pause. */
  | { type: "resumed" }
  /** The run / debug ended normally. */
  | { type: "done"; id?: number; value: Preview; exitCode?: number }
  /** A run, debug, repl, evaluate or generate failed. `report` is the interpreter's full report
   *  (message, stack trace); `loc` is where the error was raised when known. */
  | { type: "error"; id?: number; message: string; report: string; loc: Loc | null }
  | { type: "repl-result"; id?: number; values: Preview[] }
  /** A picture drawn by the running program (`(nanolm docs)`), in call order with its output. */
  | { type: "figure"; figure: Figure }
  | { type: "evaluate-result"; id?: number; value: Preview }
  /** Generation is about to run: the prompt as ids and texts, and the model's facts. */
  | {
      type: "generate-start";
      id?: number;
      promptIds: number[];
      promptTokens: string[];
      vocabSize: number;
      blockSize: number;
      nLayer: number;
      nHead: number;
    }
  /** One generated token; `logits` is the step's logits (vocab_size), `topk` the most probable
   *  tokens of the step under softmax(logits) at temperature 1. */
  | {
      type: "token";
      id?: number;
      step: number;
      token: number;
      text: string;
      logits?: Float32Array;
      topk?: { id: number; text: string; p: number }[];
    }
  /** An observation from (nano model)'s set-observer!: data copied. layer/head null where they do
   *  not apply (embedding, logits; residual has no head). */
  | {
      type: "observe";
      id?: number;
      kind: ObserveKind;
      position: number;
      layer: number | null;
      head: number | null;
      data: Float32Array;
    }
  | { type: "generate-done"; id?: number; ids: number[]; text: string; ms: number }
  /** Answer to `forward`: logits[i] after ids[0..i] (causal) or at position i (non-causal). */
  | { type: "logits"; id?: number; ids: number[]; logits: Float32Array[] };

export type FromWorkerOf<T extends FromWorker["type"]> = Extract<FromWorker, { type: T }>;
export type ToWorkerOf<T extends ToWorker["type"]> = Extract<ToWorker, { type: T }>;
