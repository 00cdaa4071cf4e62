/// <reference lib="dom" />
// The UI side of the Scheme worker: one object with promise-returning methods and event
// callbacks. `stop()` terminates the worker (an infinite loop ends at once) and starts a fresh
// one, re-sending the edited scheme-lib files and breakpoints.
import type {
  Figure,
  FromWorker,
  FromWorkerOf,
  GenerateOptions,
  ObserveKind,
  Preview,
  ToWorker,
} from "./protocol.ts";

export type Paused = FromWorkerOf<"paused">;
export type Done = FromWorkerOf<"done">;
export type SchemeErrorMessage = FromWorkerOf<"error">;
/** How a run, or a debug step, ended: paused (debug only), done or error. */
export type DebugOutcome = Paused | Done | SchemeErrorMessage;

export interface GenerateRequest {
  /** Identifies the model: the worker keeps the last model parsed under this id. */
  modelId: string;
  /** The .bin bytes; needed the first time for a modelId (kept here, so Stop can resend). */
  modelBytes?: ArrayBuffer;
  prompt?: string;
  promptIds?: number[];
  options?: GenerateOptions;
  observe?: boolean;
  observeKinds?: ObserveKind[];
}

/** A failed request: the worker's error message (with `report` and `loc`). */
export class SchemeRequestError extends Error {
  constructor(readonly detail: SchemeErrorMessage) {
    super(detail.message);
    this.name = "SchemeRequestError";
  }
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
  /** The message types that settle it. */
  settles: FromWorker["type"][];
  /** Sees every message carrying this request's id. */
  listener?: (m: FromWorker) => void;
}

export class SchemeClient {
  onReady?: () => void;
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
  onPaused?: (m: Paused) => void;
  onResumed?: () => void;
  onDone?: (m: Done) => void;
  onError?: (m: SchemeErrorMessage) => void;
  onGenerateStart?: (m: FromWorkerOf<"generate-start">) => void;
  onToken?: (m: FromWorkerOf<"token">) => void;
  onObserve?: (m: FromWorkerOf<"observe">) => void;
  onGenerateDone?: (m: FromWorkerOf<"generate-done">) => void;
  /** A picture drawn by the program with the (nanolm docs) procedures. */
  onFigure?: (figure: Figure) => void;
  /** Called after stop() with the fresh worker (e.g. to clear the debugger panels). */
  onRestart?: () => void;

  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The debug session's waiter: settled by the next paused / done / error. */
  private debugWaiter: Pending | null = null;
  private debugId: number | undefined;
  private readonly editedFiles = new Map<string, string>();
  private readonly addedFiles = new Map<string, ArrayBuffer>();
  private readonly breakpoints = new Map<string, number[]>();
  private model: { id: string; bytes: ArrayBuffer } | null = null;
  private workerModelId: string | null = null;
  private readyPromise!: Promise<void>;
  /** True between a run/debug/generate request and its end (a paused program is not busy). */
  busy = false;
  /** True while a program is paused (under the debugger, or a runPausable run). */
  paused = false;
  /** While paused: whether stepping applies (false for a plain run, which has no step points). */
  canStep = true;

  constructor(private readonly makeWorker?: () => Worker) {
    this.start();
  }

  /** Resolves once the worker has built its interpreter. */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  private start(): void {
    this.worker = this.makeWorker
      ? this.makeWorker()
      : new Worker(new URL("./scheme-worker.ts", import.meta.url), { type: "module" });
    this.readyPromise = new Promise((resolve) => {
      const onReady = (e: MessageEvent<FromWorker>) => {
        if (e.data.type === "ready") {
          this.worker.removeEventListener("message", onReady);
          resolve();
        }
      };
      this.worker.addEventListener("message", onReady);
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      const m: SchemeErrorMessage = {
        type: "error",
        message: e.message || "the Scheme worker failed",
        report: e.message,
        loc: null,
      };
      this.onError?.(m);
    };
    for (const [path, text] of this.editedFiles) this.send({ type: "set-file", path, text });
    for (const [path, bytes] of this.addedFiles)
      this.send({ type: "add-file", path, bytes: bytes.slice(0) });
    for (const [file, lines] of this.breakpoints)
      this.send({ type: "set-breakpoints", file, lines });
  }

  private send(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private request<T extends FromWorker>(
    msg: ToWorker & { id?: number },
    settles: FromWorker["type"][],
    transfer: Transferable[] = [],
    listener?: (m: FromWorker) => void,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const p = { resolve: resolve as (m: FromWorker) => void, reject, settles, listener };
      this.pending.set(id, p);
      this.send({ ...msg, id } as ToWorker, transfer);
    });
  }

  private receive(m: FromWorker): void {
    if ("id" in m && m.id !== undefined) this.pending.get(m.id)?.listener?.(m);
    switch (m.type) {
      case "ready":
        this.onReady?.();
        return;
      case "output":
        this.onOutput?.(m.text, m.stream);
        return;
      case "paused":
        this.paused = true;
        this.canStep = m.canStep !== false;
        this.busy = false;
        this.onPaused?.(m);
        this.settleDebug(m);
        return;
      case "resumed":
        this.paused = false;
        this.busy = true;
        this.onResumed?.();
        return;
      case "generate-start":
        this.onGenerateStart?.(m);
        return;
      case "token":
        this.onToken?.(m);
        return;
      case "observe":
        this.onObserve?.(m);
        return;
      case "figure":
        this.onFigure?.(m.figure);
        return;
      case "done":
        this.paused = false;
        this.busy = false;
        this.onDone?.(m);
        if (m.id !== undefined && m.id === this.debugId) this.settleDebug(m);
        break;
      case "error":
        this.busy = false;
        this.onError?.(m);
        if (m.id === undefined || m.id === this.debugId) {
          this.paused = false;
          this.settleDebug(m);
        }
        break;
      case "generate-done":
        this.busy = false;
        this.onGenerateDone?.(m);
        break;
      default:
        break;
    }
    if ("id" in m && m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (p && (p.settles.includes(m.type) || m.type === "error")) {
        this.pending.delete(m.id);
        if (m.type === "error" && !p.settles.includes("error")) p.reject(new SchemeRequestError(m));
        else p.resolve(m);
      }
    }
  }

  private settleDebug(m: DebugOutcome): void {
    const w = this.debugWaiter;
    this.debugWaiter = null;
    w?.resolve(m);
  }

  private waitDebug(): Promise<DebugOutcome> {
    this.debugWaiter?.reject(new Error("superseded"));
    return new Promise((resolve, reject) => {
      this.debugWaiter = {
        resolve: resolve as (m: FromWorker) => void,
        reject,
        settles: ["paused", "done", "error"],
      };
    });
  }

  // ── Programs ───────────────────────────────────────────────────────────────────────────────

  /** Run a program to the end: resolves with `done` or `error` (output comes via onOutput). */
  run(source: string, file = "program.scm"): Promise<Done | SchemeErrorMessage> {
    this.busy = true;
    this.paused = false;
    return this.request({ type: "run", source, file }, ["done", "error"]);
  }

  /**
   * Run a program at full speed, like run(), but as a session that pause() can stop between two
   * slices: resolves at that pause (canStep false: continue() or stop() only) or the end.
   */
  runPausable(source: string, file = "program.scm"): Promise<DebugOutcome> {
    const id = this.nextId++;
    this.debugId = id;
    this.busy = true;
    this.paused = false;
    const w = this.waitDebug();
    this.send({ type: "run", id, source, file });
    return w;
  }

  /** Run under the debugger: resolves at the first pause, or the end. */
  debug(
    source: string,
    file = "program.scm",
    breakpoints: { file: string; lines: number[] }[] = [],
  ): Promise<DebugOutcome> {
    for (const bp of breakpoints) this.breakpoints.set(bp.file, bp.lines);
    const id = this.nextId++;
    this.debugId = id;
    this.busy = true;
    this.paused = false;
    const w = this.waitDebug();
    this.send({ type: "debug", id, source, file, breakpoints });
    return w;
  }

  private resume(type: "continue" | "step-into" | "step-over" | "step-out"): Promise<DebugOutcome> {
    const w = this.waitDebug();
    this.send({ type });
    return w;
  }
  continue(): Promise<DebugOutcome> {
    return this.resume("continue");
  }
  stepInto(): Promise<DebugOutcome> {
    return this.resume("step-into");
  }
  stepOver(): Promise<DebugOutcome> {
    return this.resume("step-over");
  }
  stepOut(): Promise<DebugOutcome> {
    return this.resume("step-out");
  }
  /** Ask the program to stop: under the debugger at its next expression, a plain run (from
   *  runPausable) at the end of its current slice. onPaused follows. */
  pause(): void {
    this.send({ type: "pause" });
  }
  setBreakpoints(file: string, lines: number[]): void {
    this.breakpoints.set(file, lines);
    this.send({ type: "set-breakpoints", file, lines });
  }

  /** Evaluate forms at the REPL: their values (rejects with SchemeRequestError). */
  async repl(source: string): Promise<Preview[]> {
    const r = await this.request<FromWorkerOf<"repl-result">>({ type: "repl", source }, [
      "repl-result",
    ]);
    return r.values;
  }

  /** Evaluate one expression in paused frame `frame` (0 = innermost). */
  async evaluate(frame: number, source: string): Promise<Preview> {
    const r = await this.request<FromWorkerOf<"evaluate-result">>(
      { type: "evaluate", frame, source },
      ["evaluate-result"],
    );
    return r.value;
  }

  // ── Files ──────────────────────────────────────────────────────────────────────────────────

  /** Replace a scheme-lib file ("nano/model.sld" or "scheme-lib/nano/model.sld"). */
  setFile(path: string, text: string): void {
    this.editedFiles.set(path, text);
    this.workerModelId = null;
    this.send({ type: "set-file", path, text });
  }
  /** Make a binary file (e.g. "models/nano-pico.bin") readable by programs; kept across stop(). */
  addFile(path: string, bytes: Uint8Array): void {
    const copy = bytes.slice().buffer;
    this.addedFiles.set(path, copy);
    this.send({ type: "add-file", path, bytes: copy.slice(0) });
  }
  resetFiles(): void {
    this.editedFiles.clear();
    this.workerModelId = null;
    this.send({ type: "reset-files" });
  }

  // ── Generation ─────────────────────────────────────────────────────────────────────────────

  private modelFor(modelId: string, bytes: ArrayBuffer | undefined): ArrayBuffer | undefined {
    if (bytes) this.model = { id: modelId, bytes };
    if (this.workerModelId === modelId) return undefined; // the worker has it parsed
    if (this.model?.id !== modelId) throw new Error(`no bytes for model ${modelId}`);
    this.workerModelId = modelId;
    return this.model.bytes;
  }

  /**
   * Generate on the Scheme engine; tokens arrive via onToken (and onObserve when observing), and
   * every message of this request (generate-start, token, observe, generate-done) also via
   * `onMessage`. Resolves when generation is done; rejects with SchemeRequestError on an error
   * or stop().
   */
  generate(req: GenerateRequest, onMessage?: (m: FromWorker) => void): Promise<void> {
    const modelBytes = this.modelFor(req.modelId, req.modelBytes);
    this.busy = true;
    return this.request<FromWorkerOf<"generate-done">>(
      {
        type: "generate",
        modelId: req.modelId,
        modelBytes,
        prompt: req.prompt,
        promptIds: req.promptIds,
        options: req.options,
        observe: req.observe ?? false,
        observeKinds: req.observeKinds,
      },
      ["generate-done"],
      [],
      onMessage,
    ).then(() => undefined);
  }

  /** Logits at every position of `ids` run through a fresh session (compare mode). With
   *  `onObserve`, the attention rows of every position arrive there as `observe` messages. */
  async forward(
    modelId: string,
    bytes: ArrayBuffer | undefined,
    ids: number[],
    causal = true,
    onObserve?: (m: FromWorkerOf<"observe">) => void,
  ): Promise<Float32Array[]> {
    const modelBytes = this.modelFor(modelId, bytes);
    const r = await this.request<FromWorkerOf<"logits">>(
      { type: "forward", modelId, modelBytes, ids, causal, observe: onObserve !== undefined },
      ["logits"],
      [],
      onObserve && ((m) => m.type === "observe" && onObserve(m)),
    );
    return r.logits;
  }

  // ── Stop ───────────────────────────────────────────────────────────────────────────────────

  /** End whatever runs at once: terminate the worker and start a fresh one. */
  stop(): void {
    this.worker.terminate();
    const stopped: SchemeErrorMessage = {
      type: "error",
      message: "stopped",
      report: "stopped",
      loc: null,
    };
    for (const p of this.pending.values()) p.reject(new SchemeRequestError(stopped));
    this.pending.clear();
    this.settleDebug(stopped);
    this.busy = false;
    this.paused = false;
    this.workerModelId = null;
    this.start();
    this.onRestart?.();
  }

  /** Terminate the worker for good. */
  dispose(): void {
    this.worker.terminate();
  }
}
