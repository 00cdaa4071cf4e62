// The Scheme engine of the playground, without the worker around it: an Interpreter with the
// engine's libraries in an in-memory file system, driven in slices so control messages (pause,
// breakpoints) get through mid-run. scheme-worker.ts wraps it in a Web Worker; the Node tests
// drive it directly. Nothing here touches the DOM or `self`.
import { Interpreter, type HostFs, type SourceFile } from "../../interpreter/src/interpreter.ts";
import type { DebugSession, DebugStatus } from "../../interpreter/src/debugger.ts";
import type { Execution, RunResult } from "../../interpreter/src/vm/index.ts";
import { SchemeError, formatErrorReport, errorMessage } from "../../interpreter/src/errors.ts";
import { writeString } from "../../interpreter/src/printer.ts";
import { HashTable } from "../../interpreter/src/runtime/hashtables.ts";
import {
  Char,
  EOF_OBJECT,
  ErrorObject,
  Flonum,
  MString,
  MultipleValues,
  Pair,
  Primitive,
  Procedure,
  Ratnum,
  Record as SchemeRecord,
  Sym,
  UNSPECIFIED,
} from "../../interpreter/src/values.ts";
import {
  PREVIEW_ITEMS,
  PREVIEW_NUMBERS,
  SCHEME_LIB_DIR,
  type FrameInfo,
  type FromWorker,
  type GenerateOptions,
  type Loc,
  type ObserveKind,
  type Preview,
  type ToWorker,
  type ToWorkerOf,
} from "./protocol.ts";
import { makeDocsLibrary } from "../../docs/lib/docs-library.ts";

export interface SchemeHostOptions {
  /** The prelude (interpreter/src/runtime/prelude/*.scm in PRELUDE_FILES order). */
  prelude: SourceFile[];
  /** The bundled scheme-lib sources: "nano/model.sld" → text. */
  libraryFiles: Record<string, string>;
  /** Where messages to the UI go (postMessage in the worker). */
  post: (msg: FromWorker, transfer?: Transferable[]) => void;
  /** Give the event loop a turn between slices (default: setImmediate, else a MessageChannel). */
  yieldToHost?: () => Promise<void>;
  /** Milliseconds of work per slice before yielding (default 12). */
  sliceMs?: number;
}

/** The most frames a `paused` message describes (innermost first). */
const MAX_FRAMES = 40;
/** Nested previews (items of items) stop at this depth. */
const PREVIEW_DEPTH = 2;
const MAX_TEXT = 200;

function defaultYield(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((r) => setImmediate(r));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** "scheme-lib/nano/model.sld" or "nano/model.sld" → "scheme-lib/nano/model.sld". */
export function libraryPath(path: string): string {
  const p = path.replace(/^\.?\/+/, "");
  return p.startsWith(`${SCHEME_LIB_DIR}/`) ? p : `${SCHEME_LIB_DIR}/${p}`;
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

// ---------------------------------------------------------------------------------------------
// Previews

function numberValue(x: unknown): number | null {
  if (typeof x === "number") return x;
  if (x instanceof Flonum) return x.value;
  if (typeof x === "bigint") return Number(x);
  if (x instanceof Ratnum) return Number(x.num) / Number(x.den);
  return null;
}

function short(s: string): string {
  return s.length <= MAX_TEXT ? s : s.slice(0, MAX_TEXT) + "…";
}

function fmt(x: number, integral: boolean): string {
  if (integral || !Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(5)));
}

function numericVector(
  data: ArrayLike<number>,
  elementType: string,
  prefix: string,
  integral: boolean,
): Preview {
  const n = Math.min(data.length, PREVIEW_NUMBERS);
  const numbers = new Array<number>(n);
  for (let i = 0; i < n; i++) numbers[i] = data[i];
  const shown = numbers.slice(0, 12).map((x) => fmt(x, integral));
  if (data.length > 12) shown.push("…");
  return {
    kind: "numeric-vector",
    text: `${prefix}(${shown.join(" ")})`,
    length: data.length,
    numbers,
    elementType,
    truncated: data.length > n,
  };
}

/** A serializable summary of any Scheme value (see Preview in protocol.ts). */
export function preview(x: unknown, depth = 0): Preview {
  if (typeof x === "number" || typeof x === "bigint" || x instanceof Flonum || x instanceof Ratnum)
    return { kind: "number", text: writeString(x) };
  if (typeof x === "boolean") return { kind: "boolean", text: x ? "#t" : "#f" };
  if (x === null) return { kind: "null", text: "()" };
  if (x instanceof MString) {
    const s = x.toString();
    return {
      kind: "string",
      text: short(writeString(s.length > MAX_TEXT ? MString.from(s.slice(0, MAX_TEXT), false) : x)),
      length: x.length,
      truncated: s.length > MAX_TEXT,
    };
  }
  if (x instanceof Sym) return { kind: "symbol", text: short(writeString(x)) };
  if (x instanceof Char) return { kind: "char", text: writeString(x) };
  if (x === UNSPECIFIED) return { kind: "unspecified", text: "" };
  if (x === EOF_OBJECT) return { kind: "eof", text: "#<eof>" };
  if (x instanceof Float32Array) return numericVector(x, "f32", "#f32", false);
  if (x instanceof Float64Array) return numericVector(x, "f64", "#f64", false);
  if (x instanceof Int8Array) return numericVector(x, "s8", "#s8", true);
  if (x instanceof Uint8Array) return numericVector(x, "u8", "#u8", true);
  if (Array.isArray(x)) {
    if (x.length > 0 && x.every((e) => numberValue(e) !== null)) {
      const nums = x.slice(0, PREVIEW_NUMBERS).map((e) => numberValue(e)!);
      const p = numericVector(nums, "vector", "#", false);
      p.length = x.length;
      p.truncated = x.length > nums.length;
      p.text = `#(${x
        .slice(0, 12)
        .map((e) => writeString(e))
        .join(" ")}${x.length > 12 ? " …" : ""})`;
      return p;
    }
    return collection("vector", x.slice(0, PREVIEW_ITEMS), x.length, null, depth);
  }
  if (x instanceof Pair) {
    const items: unknown[] = [];
    let length = 0;
    let p: unknown = x;
    // count up to a bound (a circular list must not hang the preview)
    while (p instanceof Pair && length < 100_000) {
      if (items.length < PREVIEW_ITEMS) items.push(p.car);
      length++;
      p = p.cdr;
    }
    const tail = p instanceof Pair ? undefined : p === null ? null : p;
    return collection(
      "list",
      items,
      length,
      tail === undefined ? null : tail,
      depth,
      !(p === null),
    );
  }
  if (x instanceof SchemeRecord) {
    const fields =
      depth >= PREVIEW_DEPTH
        ? undefined
        : x.type.fieldNames.map((name, i) => ({ name, value: preview(x.fields[i], depth + 1) }));
    return { kind: "record", text: `#<${x.type.name}>`, typeName: x.type.name, fields };
  }
  if (x instanceof Procedure)
    return { kind: "procedure", text: x.name ? `#<procedure ${x.name}>` : "#<procedure>" };
  if (x instanceof HashTable) return { kind: "hashtable", text: short(writeString(x)) };
  if (x instanceof MultipleValues)
    return collection("list", x.values.slice(0, PREVIEW_ITEMS), x.values.length, null, depth);
  let text: string;
  try {
    text = short(writeString(x));
  } catch {
    text = String(x);
  }
  return { kind: "other", text };
}

function collection(
  kind: "list" | "vector",
  items: unknown[],
  length: number,
  tail: unknown,
  depth: number,
  improper = false,
): Preview {
  const previews = items.map((e) => preview(e, depth + 1));
  const truncated = length > items.length;
  const texts = previews.map((p) => (p.kind === "string" ? p.text : p.text || writeString(p)));
  let body = texts.join(" ");
  if (truncated) body += " …";
  if (improper && tail !== null && !truncated) body += ` . ${writeStringSafe(tail)}`;
  const text = short(kind === "list" ? `(${body})` : `#(${body})`);
  return {
    kind,
    text,
    length,
    items: depth >= PREVIEW_DEPTH ? undefined : previews,
    truncated,
  };
}

function writeStringSafe(x: unknown): string {
  try {
    return short(writeString(x));
  } catch {
    return "?";
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

function errorLoc(payload: unknown, preferFile?: string): Loc | null {
  if (!(payload instanceof ErrorObject)) return null;
  if (payload.loc) return payload.loc;
  const frames = payload.trace ?? [];
  if (preferFile) {
    const mine = frames.find((f) => f.loc && f.loc.file === preferFile);
    if (mine?.loc) return mine.loc;
  }
  return frames.find((f) => f.loc)?.loc ?? null;
}

function errorText(payload: unknown): string {
  return payload instanceof ErrorObject
    ? errorMessage(payload)
    : `uncaught exception: ${writeStringSafe(payload)}`;
}

// ---------------------------------------------------------------------------------------------

/** Softmax of `logits` (temperature 1) and its `k` most probable entries. */
export function topK(logits: Float32Array, k: number): { id: number; p: number }[] {
  if (k <= 0 || logits.length === 0) return [];
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const best: { id: number; v: number }[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (best.length < k || v > best[best.length - 1].v) {
      let j = best.length < k ? best.length : best.length - 1;
      if (best.length < k) best.push({ id: i, v });
      while (j > 0 && best[j - 1].v < v) {
        best[j] = best[j - 1];
        j--;
      }
      best[j] = { id: i, v };
    }
  }
  return best.map(({ id, v }) => ({ id, p: Math.exp(v - max) / sum }));
}

interface GenerationState {
  id?: number;
  bytes: Uint8Array | null;
  prompt: string;
  promptIds: number[] | null;
  options: GenerateOptions;
  observe: boolean;
  observeKinds: Set<string>;
  lastLogits: Float32Array | null;
  step: number;
  ids: number[];
  text: string;
  tokens: string[];
  forwardResult: Float32Array[] | null;
  causal: boolean;
}

const GENERATE_PROGRAM = `
(import (scheme base) (nano format) (nano tokenizer) (nano model) (nano generate)
        (nanolm playground))
(define model
  (or (cached-model)
      (let ((m (bytevector->model (model-bytes)))) (cache-model! m) m)))
(define tokenizer (make-tokenizer model))
(define c (model-config model))
(define prompt-ids
  (or (given-prompt-ids)
      (if (instruct?)
          (encode-instruction tokenizer (prompt-text))
          (encode tokenizer (prompt-text)))))
(set-observer! observe!)
(generate-start! prompt-ids (vector->list (model-tokens model)) (config-vocab-size c)
                 (config-block-size c) (config-n-layer c) (config-n-head c))
(generate model prompt-ids (generate-options) on-token!)
`;

/** The forward pass over a whole sequence; `observer` is `observe!` (report attention rows of
 *  every position) or `#f` (no observation work at all). */
const forwardProgram = (observer: "observe!" | "#f") => `
(import (scheme base) (nano format) (nano model) (nanolm playground))
(define model
  (or (cached-model)
      (let ((m (bytevector->model (model-bytes)))) (cache-model! m) m)))
(set-observer! ${observer})
(forward-result! (forward-sequence model (given-prompt-ids) (causal?)))
`;

type Job = () => Promise<void>;

/** A program started by `run`: compiled without step points, driven in slices. */
interface PlainRun {
  exec: Execution;
  file: string;
  id?: number;
}

export class SchemeHost {
  interp: Interpreter;
  private readonly files = new Map<string, string>();
  private readonly bytes = new Map<string, Uint8Array>();
  private readonly breakpoints = new Map<string, number[]>();
  private session: DebugSession | null = null;
  private sessionFile = "";
  private sessionId: number | undefined;
  /** The plain run in progress: Pause asks it to stop at the end of its current slice. */
  private activeRun: PlainRun | null = null;
  private runPauseRequested = false;
  /** A plain run stopped by Pause between slices: Continue (or Stop) is all it can do. */
  private pausedRun: PlainRun | null = null;
  /** True while a slice loop runs (a program, a step, the REPL, a generation). */
  running = false;
  private abort = false;
  private queue: Promise<void> = Promise.resolve();
  private outBuf = "";
  private errBuf = "";
  private gen: GenerationState | null = null;
  private model: { id: string; value: unknown } | null = null;
  private readonly yieldToHost: () => Promise<void>;
  private readonly sliceMs: number;
  private budget = 100_000;

  constructor(private readonly opts: SchemeHostOptions) {
    this.yieldToHost = opts.yieldToHost ?? defaultYield;
    this.sliceMs = opts.sliceMs ?? 12;
    this.resetFileMap();
    this.interp = this.makeInterpreter();
  }

  private resetFileMap(): void {
    this.files.clear();
    for (const [path, text] of Object.entries(this.opts.libraryFiles))
      this.files.set(libraryPath(path), text);
  }

  private makeInterpreter(): Interpreter {
    const files = this.files;
    const bytes = this.bytes;
    const host: HostFs = {
      readFile: (p) => files.get(normalize(p)) ?? null,
      readBytes: (p) => {
        const key = normalize(p);
        const b = bytes.get(key);
        if (b) return b;
        const t = files.get(key);
        return t === undefined ? null : new TextEncoder().encode(t);
      },
      writeBytes: (p, d) => void bytes.set(normalize(p), d.slice()),
      exists: (p) => files.has(normalize(p)) || bytes.has(normalize(p)),
      deleteFile: (p) => {
        files.delete(normalize(p));
        bytes.delete(normalize(p));
      },
      resolve: (dir, rel) =>
        rel.startsWith("/") || dir === "" || dir === "."
          ? normalize(rel)
          : normalize(`${dir}/${rel}`),
      dirname: (p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "."),
    };
    const interp = new Interpreter({
      prelude: this.opts.prelude,
      host,
      searchPath: [SCHEME_LIB_DIR],
      commandLine: ["playground"],
      stdout: (s) => this.write(s, "stdout"),
      stderr: (s) => this.write(s, "stderr"),
    });
    interp.defineHostLibrary(["nanolm", "playground"], this.hostProcedures());
    // The course's figures and exercise checks; figures go out in order with the output.
    const docs = makeDocsLibrary((figure) => {
      this.flushOutput();
      this.opts.post({ type: "figure", figure });
    });
    interp.defineHostLibrary(["nanolm", "docs"], docs.bindings);
    return interp;
  }

  private write(s: string, stream: "stdout" | "stderr"): void {
    if (stream === "stdout") this.outBuf += s;
    else this.errBuf += s;
    if (this.outBuf.length + this.errBuf.length > 1 << 16) this.flushOutput();
  }

  /** Post buffered console output (batched: once per slice). */
  flushOutput(): void {
    this.interp?.flush();
    if (this.outBuf) {
      this.opts.post({ type: "output", text: this.outBuf, stream: "stdout" });
      this.outBuf = "";
    }
    if (this.errBuf) {
      this.opts.post({ type: "output", text: this.errBuf, stream: "stderr" });
      this.errBuf = "";
    }
  }

  /** Handle one message from the UI. Control messages act at once; the others queue. */
  handle(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case "pause":
        // Under the debugger: stop at the next step point. A plain run has none (that is what
        // keeps it at full speed), so it stops at the end of its slice, within ~sliceMs.
        if (this.session) this.session.pause();
        else if (this.activeRun) this.runPauseRequested = true;
        return Promise.resolve();
      case "set-breakpoints":
        this.breakpoints.set(msg.file, msg.lines);
        this.session?.setBreakpoints(msg.file, msg.lines);
        return Promise.resolve();
      case "stop":
        if (this.running) this.abort = true;
        this.session = null;
        this.pausedRun = null;
        return Promise.resolve();
      default:
        return this.enqueue(() => this.dispatch(msg));
    }
  }

  private enqueue(job: Job): Promise<void> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => {});
    return run;
  }

  private async dispatch(msg: ToWorker): Promise<void> {
    try {
      switch (msg.type) {
        case "run":
          return await this.runProgram(msg.source, msg.file, msg.id);
        case "debug":
          return await this.startDebug(msg);
        case "continue":
          if (this.pausedRun) return await this.driveRun(this.pausedRun);
          return await this.resume((b) => this.session!.run(b));
        case "step-into":
          if (this.pausedRun) return this.postRunPaused();
          return await this.resume((b) => this.session!.stepInto(b));
        case "step-over":
          if (this.pausedRun) return this.postRunPaused();
          return await this.resume((b) => this.session!.stepOver(b));
        case "step-out":
          // A plain run has no step points to stop at: it stays paused where it is.
          if (this.pausedRun) return this.postRunPaused();
          return await this.resume((b) => this.session!.stepOut(b));
        case "repl":
          return await this.repl(msg.source, msg.id);
        case "evaluate":
          return this.evaluate(msg.frame, msg.source, msg.id);
        case "set-file":
          this.files.set(libraryPath(msg.path), msg.text);
          this.forgetLibraries();
          return;
        case "reset-files":
          this.resetFileMap();
          this.forgetLibraries();
          return;
        case "add-file":
          this.bytes.set(normalize(msg.path), new Uint8Array(msg.bytes));
          return;
        case "generate":
          return await this.generate(msg);
        case "forward":
          return await this.forward(msg);
        default:
          return;
      }
    } catch (e) {
      this.running = false;
      this.flushOutput();
      this.postError(e, "id" in msg ? msg.id : undefined);
    }
  }

  private postError(e: unknown, id?: number, file?: string): void {
    if (e instanceof SchemeError) {
      this.opts.post({
        type: "error",
        id,
        message: errorText(e.payload),
        report: formatErrorReport(e.payload),
        loc: errorLoc(e.payload, file),
      });
    } else {
      const message = e instanceof Error ? e.message : String(e);
      this.opts.post({
        type: "error",
        id,
        message,
        report: e instanceof Error && e.stack ? e.stack : message,
        loc: null,
      });
    }
  }

  /** After a library file changed: the next import reads the files again. */
  private forgetLibraries(): void {
    this.model = null; // a model value is tied to the libraries that made it
    this.interp.reloadLibraries();
  }

  /**
   * Run an execution in slices until it ends; returns its final result. When `suspend` says so
   * after a slice, returns `{ state: "yield" }` instead, with the execution left where it was.
   */
  private async drive(
    step: (budget: number) => RunResult,
    suspend?: () => boolean,
  ): Promise<RunResult> {
    this.running = true;
    this.abort = false;
    try {
      for (;;) {
        const t0 = performance.now();
        const r = step(this.budget);
        this.adapt(performance.now() - t0);
        this.flushOutput();
        if (r.state !== "yield") return r;
        await this.yieldToHost();
        if (this.abort) throw new SchemeError(new ErrorObject("stopped", []));
        if (suspend?.()) return r;
      }
    } finally {
      this.running = false;
    }
  }

  /** Keep slices near sliceMs whatever the program does per step. */
  private adapt(ms: number): void {
    if (ms < this.sliceMs / 2) this.budget = Math.min(this.budget * 2, 20_000_000);
    else if (ms > this.sliceMs * 2) this.budget = Math.max(this.budget >> 1, 1000);
  }

  private async runProgram(source: string, file: string, id?: number): Promise<void> {
    this.session = null;
    this.pausedRun = null;
    await this.driveRun({ exec: this.interp.start(source, file), file, id });
  }

  /** Drive a plain run until it ends or Pause stops it between two slices. */
  private async driveRun(run: PlainRun): Promise<void> {
    const resuming = this.pausedRun === run;
    this.pausedRun = null;
    this.runPauseRequested = false;
    this.activeRun = run;
    if (resuming) this.opts.post({ type: "resumed" });
    let r: RunResult;
    try {
      r = await this.drive(
        (b) => run.exec.run(b),
        () => this.runPauseRequested,
      );
    } finally {
      this.activeRun = null;
      this.runPauseRequested = false;
    }
    if (r.state === "yield") {
      this.pausedRun = run;
      this.postRunPaused();
      return;
    }
    this.finish(r, run.id, run.file);
  }

  /** Report a paused plain run: where it is (the innermost frame with a known place) and its
   *  call stack; without step points, only Continue and Stop apply. */
  private postRunPaused(): void {
    const frames = this.frames();
    this.opts.post({
      type: "paused",
      reason: "pause",
      loc: frames.find((f) => f.loc)?.loc ?? null,
      frames,
      canStep: false,
    });
  }

  private finish(r: RunResult | DebugStatus, id: number | undefined, file: string): void {
    this.flushOutput();
    switch (r.state) {
      case "done":
        this.opts.post({ type: "done", id, value: preview(r.value) });
        break;
      case "exit":
        this.opts.post({
          type: "done",
          id,
          value: preview(UNSPECIFIED),
          exitCode: exitStatus(r.code),
        });
        break;
      case "error":
        this.opts.post({
          type: "error",
          id,
          message: errorText(r.payload),
          report: formatErrorReport(r.payload),
          loc: errorLoc(r.payload, file),
        });
        break;
      default:
        break;
    }
  }

  // ── Debugger ───────────────────────────────────────────────────────────────────────────────

  private async startDebug(msg: ToWorkerOf<"debug">): Promise<void> {
    this.session = null;
    for (const bp of msg.breakpoints) this.breakpoints.set(bp.file, bp.lines);
    const session = this.interp.debug(msg.source, msg.file);
    for (const [file, lines] of this.breakpoints) session.setBreakpoints(file, lines);
    this.session = session;
    this.sessionFile = msg.file;
    this.sessionId = msg.id;
    await this.resume((b) => session.run(b), false);
  }

  private async resume(first: (budget: number) => DebugStatus, announce = true): Promise<void> {
    const session = this.session;
    if (!session || session.finished) {
      this.postError(new Error("no paused program"), undefined);
      return;
    }
    if (announce) this.opts.post({ type: "resumed" });
    let call = first;
    const r = await this.drive((b) => {
      const st = call(b);
      call = (bb) => session.run(bb);
      if (st.state === "running") return { state: "yield" };
      if (st.state === "error") return { state: "error", payload: st.payload };
      return st;
    }).catch((e: unknown) => {
      this.session = null;
      throw e;
    });
    if (this.session !== session) return;
    if (r.state === "paused") {
      this.opts.post({
        type: "paused",
        reason: r.reason,
        loc: r.loc,
        frames: this.frames(),
      });
      return;
    }
    this.session = null;
    this.finish(r, this.sessionId, this.sessionFile);
  }

  /** The paused program's call stack, innermost first, with previews of the variables. */
  frames(): FrameInfo[] {
    const views = this.session?.frames() ?? this.pausedRun?.exec.frames() ?? [];
    return views.slice(0, MAX_FRAMES).map((f) => ({
      name: f.name,
      loc: f.loc,
      variables: f.variables.map((v) => ({ name: v.name, value: preview(v.value) })),
    }));
  }

  private evaluate(frame: number, source: string, id?: number): void {
    if (!this.session || this.running) throw new Error("evaluate: the program is not paused");
    const value = this.session.evaluate(frame, source);
    this.flushOutput();
    this.opts.post({ type: "evaluate-result", id, value: preview(value) });
  }

  // ── REPL ───────────────────────────────────────────────────────────────────────────────────

  private async repl(source: string, id?: number): Promise<void> {
    this.running = true;
    this.abort = false;
    try {
      const values = await this.interp.replSliced(
        source,
        "repl",
        () => this.abort,
        async () => {
          this.flushOutput();
          await this.yieldToHost();
        },
      );
      this.flushOutput();
      this.opts.post({ type: "repl-result", id, values: values.map((v) => preview(v)) });
    } finally {
      this.running = false;
    }
  }

  // ── Generation ─────────────────────────────────────────────────────────────────────────────

  private hostProcedures(): Record<string, unknown> {
    const gen = (): GenerationState => {
      if (!this.gen) throw new SchemeError(new ErrorObject("no generation in progress", []));
      return this.gen;
    };
    const prim = (name: string, n: number, fn: (...args: never[]) => unknown) =>
      new Primitive(name, fn as (...args: unknown[]) => unknown, n, n);
    return {
      "model-bytes": prim("model-bytes", 0, () => {
        const b = gen().bytes;
        if (!b) throw new SchemeError(new ErrorObject("no model bytes were sent", []));
        return b;
      }),
      "cached-model": prim("cached-model", 0, () =>
        this.model && this.gen && this.model.id === this.genModelId ? this.model.value : false,
      ),
      "cache-model!": prim("cache-model!", 1, (m: unknown) => {
        this.model = { id: this.genModelId, value: m };
      }),
      "given-prompt-ids": prim("given-prompt-ids", 0, () => {
        const ids = gen().promptIds;
        if (!ids) return false;
        let out: unknown = null;
        for (let i = ids.length - 1; i >= 0; i--) out = new Pair(ids[i], out);
        return out;
      }),
      "prompt-text": prim("prompt-text", 0, () => MString.from(gen().prompt, false)),
      "instruct?": prim("instruct?", 0, () => gen().options.instruct === true),
      "causal?": prim("causal?", 0, () => gen().causal),
      "generate-options": prim("generate-options", 0, () => this.optionsAlist(gen().options)),
      "generate-start!": prim(
        "generate-start!",
        6,
        (ids: unknown, tokens: unknown, V: number, B: number, L: number, H: number) => {
          const g = gen();
          g.tokens = listToStrings(tokens);
          const promptIds = listToNumbers(ids);
          this.opts.post({
            type: "generate-start",
            id: g.id,
            promptIds,
            promptTokens: promptIds.map((i) => g.tokens[i] ?? ""),
            vocabSize: V,
            blockSize: B,
            nLayer: L,
            nHead: H,
          });
        },
      ),
      "observe!": prim(
        "observe!",
        5,
        (kind: Sym, position: number, layer: unknown, head: unknown, data: Float32Array) => {
          const g = gen();
          if (kind.name === "logits") g.lastLogits = Float32Array.from(data);
          if (g.observe && g.observeKinds.has(kind.name)) {
            const copy = Float32Array.from(data);
            this.opts.post(
              {
                type: "observe",
                id: g.id,
                kind: kind.name as ObserveKind,
                position,
                layer: typeof layer === "number" ? layer : null,
                head: typeof head === "number" ? head : null,
                data: copy,
              },
              [copy.buffer],
            );
          }
        },
      ),
      "on-token!": prim("on-token!", 2, (token: number, text: MString) => {
        const g = gen();
        const s = text.toString();
        g.ids.push(token);
        g.text += s;
        const logits = g.lastLogits;
        const k = g.options.topKShown ?? 10;
        const topk = logits
          ? topK(logits, k).map(({ id, p }) => ({ id, p, text: g.tokens[id] ?? "" }))
          : undefined;
        const send = logits && g.options.sendLogits !== false ? logits : undefined;
        this.opts.post(
          { type: "token", id: g.id, step: g.step++, token, text: s, logits: send, topk },
          send ? [send.buffer] : [],
        );
        g.lastLogits = null;
      }),
      "forward-result!": prim("forward-result!", 1, (v: unknown[]) => {
        gen().forwardResult = v.map((x) => Float32Array.from(x as Float32Array));
      }),
    };
  }

  private genModelId = "";

  private optionsAlist(o: GenerateOptions): unknown {
    const entries: [string, unknown][] = [
      ["max-new-tokens", o.maxNewTokens ?? false],
      ["temperature", o.temperature ?? 1],
      ["top-k", o.topK ?? 0],
      ["top-p", o.topP ?? 1],
      ["repetition-penalty", o.repetitionPenalty ?? 1],
      ["seed", o.seed ?? false],
      ["ignore-eos", o.ignoreEos ?? false],
    ];
    let out: unknown = null;
    for (let i = entries.length - 1; i >= 0; i--)
      out = new Pair(new Pair(Sym.intern(entries[i][0]), entries[i][1]), out);
    return out;
  }

  private prepareModel(modelId: string, modelBytes: ArrayBuffer | undefined): Uint8Array | null {
    if (this.genModelId !== modelId || modelBytes) this.model = null;
    this.genModelId = modelId;
    if (modelBytes) {
      const b = new Uint8Array(modelBytes);
      this.bytes.set("model.bin", b);
      return b;
    }
    return this.bytes.get("model.bin") ?? null;
  }

  private async generate(msg: ToWorkerOf<"generate">): Promise<void> {
    const t0 = performance.now();
    this.session = null;
    const bytes = this.prepareModel(msg.modelId, msg.modelBytes);
    this.gen = {
      id: msg.id,
      bytes,
      prompt: msg.prompt ?? "",
      promptIds: msg.promptIds ?? null,
      options: msg.options ?? {},
      observe: msg.observe,
      observeKinds: new Set(msg.observeKinds ?? ["attention"]),
      lastLogits: null,
      step: 0,
      ids: [],
      text: "",
      tokens: [],
      forwardResult: null,
      causal: true,
    };
    try {
      const exec = this.interp.start(GENERATE_PROGRAM, "<generate>");
      const r = await this.drive((b) => exec.run(b));
      if (r.state === "done")
        this.opts.post({
          type: "generate-done",
          id: msg.id,
          ids: this.gen.ids,
          text: this.gen.text,
          ms: performance.now() - t0,
        });
      else this.finish(r, msg.id, "<generate>");
    } finally {
      this.gen = null;
    }
  }

  private async forward(msg: ToWorkerOf<"forward">): Promise<void> {
    this.session = null;
    const bytes = this.prepareModel(msg.modelId, msg.modelBytes);
    this.gen = {
      id: msg.id,
      bytes,
      prompt: "",
      promptIds: msg.ids,
      options: {},
      observe: msg.observe ?? false,
      observeKinds: new Set(msg.observe ? ["attention"] : []),
      lastLogits: null,
      step: 0,
      ids: [],
      text: "",
      tokens: [],
      forwardResult: null,
      causal: msg.causal ?? true,
    };
    try {
      const exec = this.interp.start(forwardProgram(msg.observe ? "observe!" : "#f"), "<forward>");
      const r = await this.drive((b) => exec.run(b));
      if (r.state === "done" && this.gen.forwardResult) {
        const logits = this.gen.forwardResult;
        this.opts.post(
          { type: "logits", id: msg.id, ids: msg.ids, logits },
          logits.map((l) => l.buffer),
        );
      } else this.finish(r, msg.id, "<forward>");
    } finally {
      this.gen = null;
    }
  }
}

function listToNumbers(x: unknown): number[] {
  const out: number[] = [];
  for (let p = x; p instanceof Pair; p = p.cdr) out.push(Number(p.car));
  return out;
}

function listToStrings(x: unknown): string[] {
  const out: string[] = [];
  for (let p = x; p instanceof Pair; p = p.cdr) out.push(String(p.car));
  return out;
}

function exitStatus(code: unknown): number {
  if (code === undefined || code === true) return 0;
  if (code === false) return 1;
  return typeof code === "number" && Number.isInteger(code) ? code & 0xff : 1;
}
