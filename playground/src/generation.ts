// generation.ts — the generation panel: prompt, instruct toggle, sampling settings, streaming
// output with every token's boundary visible, the top-k table of each step, and "pick the next
// token yourself" (click a top-k row: that token goes next instead of a sampled one). Non-causal
// models (sort) get a seq2seq run instead: exactly block_size tokens in, one token per position out.
import type { AttentionView } from "./attention.ts";
import {
  BOS_ID,
  INSTRUCT_MARK_ID,
  RESPONSE_MARK_ID,
  argmax,
  generateScheme,
  generateWasm,
  maxAbsDiff,
  topKOf,
  wholeBuffer,
  type CompareEvent,
  type EngineKind,
  type GenerationSink,
  type SchemeGenerator,
  type TokenEvent,
  type WasmEngine,
} from "./engines.ts";
import { PaintThrottle } from "./paint.ts";
import type { WasmDecoder } from "./wasm-decoder.ts";

/** The loaded model as the panel needs it. */
export interface LoadedModel {
  id: string;
  name: string;
  bytes: Uint8Array;
  seq2seq: boolean;
  blockSize: number;
}

/** What the panel works with; `scheme` may be missing (then only the WebAssembly engine runs). */
export interface GenerationDeps {
  wasm: () => WasmEngine | null;
  scheme: () => (SchemeGenerator & Partial<SchemeForward>) | null;
  model: () => LoadedModel | null;
  engine: () => EngineKind;
  attention: AttentionView;
  /** The WebAssembly engine's decode loop in a worker (wasm-decoder.ts); without it the page's
   *  own WasmEngine generates, on the page's thread. */
  decoder?: () => WasmDecoder | null;
}

/** P2's optional `forward`: logits of every position of `ids` (non-causal: seq2seq). */
export interface SchemeForward {
  forward(
    modelId: string,
    modelBytes: ArrayBuffer | undefined,
    ids: number[],
    causal?: boolean,
    onObserve?: (m: {
      kind: string;
      position: number;
      layer: number | null;
      head: number | null;
      data: Float32Array;
    }) => void,
  ): Promise<Float32Array[]>;
}

const TOPK_ROWS = 10;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The panel's controller. */
export class GenerationPanel {
  private readonly prompt = $<HTMLTextAreaElement>("prompt");
  private readonly instruct = $<HTMLInputElement>("instruct");
  private readonly temperature = $<HTMLInputElement>("temperature");
  private readonly topK = $<HTMLInputElement>("top-k");
  private readonly topP = $<HTMLInputElement>("top-p");
  private readonly maxNew = $<HTMLInputElement>("max-new-tokens");
  private readonly generateButton = $<HTMLButtonElement>("generate");
  private readonly continueButton = $<HTMLButtonElement>("generate-continue");
  private readonly stopButton = $<HTMLButtonElement>("generate-stop");
  private readonly status = $<HTMLElement>("gen-status");
  private readonly output = $<HTMLElement>("output");
  private readonly topkBox = $<HTMLElement>("topk");
  private readonly compareStatus = $<HTMLElement>("compare-status");
  private readonly modeNote = $<HTMLElement>("mode-note");
  private readonly settingsBox = document.querySelector<HTMLElement>(
    "#generation-panel .settings",
  )!;

  private running: AbortController | null = null;
  private picked: number[] = [];
  /** The Scheme engine's text so far (prompt and output) and, after a pick, the distribution of
   *  the token after it: what Continue and "pick the next token yourself" go on from there. */
  private schemeState: { history: number[]; nextLogits: Float32Array | null } | null = null;
  /** A token picked while the Scheme engine was generating: applied once that run has stopped. */
  private pendingSchemePick: number | undefined;
  /** The distribution each produced token was chosen from, by output span, for clicking back
   *  through the steps (ranked only when shown: a 16k vocabulary costs a millisecond a step). */
  private stepLogits = new WeakMap<HTMLElement, Float32Array>();
  private compareSteps = 0;
  private compareAgree = 0;
  private compareMaxDiff = 0;

  constructor(private readonly deps: GenerationDeps) {
    this.generateButton.addEventListener("click", () => void this.run(false));
    this.continueButton.addEventListener("click", () => void this.run(true));
    this.stopButton.addEventListener("click", () => this.stop());
    this.prompt.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void this.run(false);
    });
    this.output.addEventListener("click", (e) => {
      const span = (e.target as HTMLElement).closest<HTMLElement>(".token");
      const logits = span && this.stepLogits.get(span);
      if (span && logits) {
        const topk = topKOf(logits, TOPK_ROWS);
        this.output
          .querySelectorAll(".token.selected")
          .forEach((s) => s.classList.remove("selected"));
        span.classList.add("selected");
        this.renderTopk(topk, Number(span.dataset.id), `step ${span.dataset.step}`, false);
      }
    });
  }

  /** A model was loaded: adapt the panel (causal story model or seq2seq toy). */
  modelChanged(model: LoadedModel): void {
    this.stop();
    this.schemeState = null;
    this.output.replaceChildren();
    this.topkBox.replaceChildren(note("Generate, or pick the first token yourself after a run."));
    this.compareStatus.hidden = true;
    if (model.seq2seq) {
      this.modeNote.textContent = `— non-causal seq2seq: input exactly ${model.blockSize} tokens`;
      this.prompt.value = sortExample(model.blockSize);
      this.continueButton.hidden = true;
      this.settingsBox.hidden = true;
      this.generateButton.textContent = "Run seq2seq";
    } else {
      this.modeNote.textContent = "";
      if (/^\d+$/.test(this.prompt.value.trim()) || !this.prompt.value.trim())
        this.prompt.value = "Once upon a time";
      this.continueButton.hidden = false;
      this.settingsBox.hidden = false;
      this.generateButton.textContent = "Generate";
    }
  }

  /** Stop a running generation (between tokens; the Scheme worker is restarted by its client). */
  stop(): void {
    this.running?.abort();
  }

  /** Whether a generation is running. */
  get busy(): boolean {
    return this.running !== null;
  }

  private settings() {
    const num = (el: HTMLInputElement, d: number) => {
      const v = Number(el.value);
      return Number.isFinite(v) ? v : d;
    };
    return {
      temperature: Math.max(0, num(this.temperature, 0.8)),
      topK: Math.max(0, Math.floor(num(this.topK, 0))),
      topP: Math.min(1, Math.max(0.01, num(this.topP, 1))),
      seed: Math.floor(Math.random() * 2 ** 31),
      maxNewTokens: Math.max(1, Math.floor(num(this.maxNew, 64))),
    };
  }

  /** Generate from the prompt (or continue from the text so far). */
  async run(continuing: boolean): Promise<void> {
    const model = this.deps.model();
    const wasm = this.deps.wasm();
    if (!model || !wasm || this.running) return;
    const engine = this.deps.engine();
    const controller = new AbortController();
    this.running = controller;
    this.setBusy(true);
    const t0 = performance.now();
    let produced = 0;
    try {
      if (model.seq2seq) {
        await this.runSeq2seq(model, wasm, engine);
        return;
      }
      const s = this.settings();
      const decoderState = this.deps.decoder?.()?.state;
      const cont = continuing && engine === "wasm" ? (decoderState ?? wasm.state) : null;
      const schemeCont = continuing && engine === "scheme" ? this.schemeState : null;
      let promptIds: number[];
      if (cont && cont.nextLogits && cont.history.length > 0) {
        promptIds = cont.history;
      } else if (schemeCont && schemeCont.history.length > 0) {
        promptIds = schemeCont.history;
      } else {
        promptIds = this.promptIds(wasm);
        this.resetOutput(wasm, promptIds);
      }
      const room = model.blockSize - promptIds.length;
      if (room <= 0)
        throw new Error(`the prompt fills the whole context (block_size ${model.blockSize})`);
      const producedIds: number[] = [];
      const sink = this.sink((id) => {
        produced++;
        producedIds.push(id);
      });
      const request = {
        promptIds,
        maxNewTokens: Math.min(s.maxNewTokens, room),
        sampling: s,
        observe: true,
        takePicked: () => this.picked.shift(),
        signal: controller.signal,
      };
      this.deps.attention.reset();
      promptIds.forEach((id, i) => this.deps.attention.setLabel(i, wasm.tokenText(id)));
      const decoder = this.deps.decoder?.();
      if (engine === "wasm" && decoder) {
        this.schemeState = null;
        this.status.textContent = "generating (WebAssembly)…";
        const decoded = decoder.state;
        const continues = continuing && decoded.nextLogits !== null && decoded.history.length > 0;
        await decoder.generate({ ...request, promptIds: continues ? null : promptIds }, sink);
        const next = decoder.state.nextLogits;
        if (next && !controller.signal.aborted)
          this.later("topk", () => this.renderTopk(topKOf(next, TOPK_ROWS), -1, "next", true));
      } else if (engine === "wasm") {
        this.schemeState = null;
        this.status.textContent = "generating (WebAssembly)…";
        await generateWasm(
          wasm,
          request,
          sink,
          cont && cont.nextLogits && cont.history.length > 0
            ? { history: cont.history, logits: cont.nextLogits }
            : undefined,
        );
        const next = wasm.state.nextLogits;
        if (next && !controller.signal.aborted)
          this.later("topk", () => this.renderTopk(topKOf(next, TOPK_ROWS), -1, "next", true));
      } else {
        const scheme = this.deps.scheme();
        if (!scheme) throw new Error("the Scheme engine is not available in this build");
        this.compareSteps = this.compareAgree = this.compareMaxDiff = 0;
        this.compareStatus.hidden = engine !== "compare";
        this.compareStatus.textContent = engine === "compare" ? "comparing…" : "";
        this.status.textContent =
          engine === "compare"
            ? "comparing Scheme ⇄ WebAssembly (greedy)…"
            : "generating (Scheme)…";
        try {
          await generateScheme(scheme, model, request, sink, engine === "compare" ? wasm : null);
        } finally {
          this.schemeState = { history: [...promptIds, ...producedIds], nextLogits: null };
        }
      }
      const ms = performance.now() - t0;
      this.status.textContent = controller.signal.aborted
        ? `stopped after ${produced} tokens`
        : `${produced} tokens in ${(ms / 1000).toFixed(2)} s (${((produced * 1000) / ms).toFixed(1)} tok/s)`;
    } catch (e) {
      this.status.textContent = controller.signal.aborted ? "stopped" : `error: ${errorText(e)}`;
      if (!controller.signal.aborted) console.warn("generation failed:", e);
    } finally {
      this.running = null;
      this.setBusy(false);
      const pick = this.pendingSchemePick;
      this.pendingSchemePick = undefined;
      if (pick !== undefined) void this.pick(pick);
    }
  }

  /* The prompt as ids: the instruction template when asked, <|bos|> when empty. */
  private promptIds(wasm: WasmEngine): number[] {
    const text = wasm.encode(this.prompt.value);
    if (this.instruct.checked) return [INSTRUCT_MARK_ID, ...text, RESPONSE_MARK_ID];
    return text.length > 0 ? text : [BOS_ID];
  }

  private resetOutput(wasm: WasmEngine, promptIds: number[]): void {
    const prompt = document.createElement("span");
    prompt.className = "prompt-text";
    prompt.textContent = promptIds.map((id) => wasm.tokenText(id)).join("");
    this.output.replaceChildren(prompt);
    this.pendingTokens = [];
    this.picked = [];
  }

  /* Where the engines' events go: output spans, top-k table, attention view, compare status. */
  private sink(counted: (id: number) => void): GenerationSink {
    return {
      token: (ev: TokenEvent) => {
        counted(ev.id);
        const span = this.appendToken(ev.id, ev.text, ev.step, ev.picked === true);
        this.deps.attention.setLabel(ev.position, ev.text);
        const logits = ev.logits;
        if (logits) {
          this.stepLogits.set(span, logits);
          // Ranked once per frame, for the latest step only.
          this.later("topk", () =>
            this.renderTopk(topKOf(logits, TOPK_ROWS), ev.id, `step ${ev.step}`, true),
          );
        }
      },
      attention: (layer, head, query, weights) =>
        this.deps.attention.addRow(layer, head, query, weights),
      compare: (ev: CompareEvent) => this.reportCompare(ev),
    };
  }

  private appendToken(id: number, text: string, step: number, picked: boolean): HTMLElement {
    const span = document.createElement("span");
    span.className = picked ? "token picked" : "token";
    span.textContent = text;
    span.dataset.id = String(id);
    span.dataset.step = String(step);
    // When the token reached the page (drawing follows at most PAINT_INTERVAL_MS later): the
    // decode rate the page sees, for the benchmark.
    span.dataset.t = performance.now().toFixed(1);
    span.title = `#${step} · id ${id}${picked ? " · picked by you" : ""}`;
    this.pendingTokens.push(span);
    this.later("scroll", () => this.flushTokens());
    return span;
  }

  /* Token spans made since the last redraw go in together: one layout and paint per redraw. */
  private pendingTokens: HTMLElement[] = [];
  private flushTokens(): void {
    if (this.pendingTokens.length > 0) this.output.append(...this.pendingTokens.splice(0));
    this.output.scrollTop = this.output.scrollHeight;
  }

  /* Work that touches layout runs on a frame at most ~15 times a second (the latest job of each
   * kind), not per token: see paint.ts. */
  private readonly painters = { topk: new PaintThrottle(), scroll: new PaintThrottle() };
  private later(key: "topk" | "scroll", job: () => void): void {
    this.painters[key].schedule(job);
  }

  private reportCompare(ev: CompareEvent): void {
    this.compareSteps++;
    if (ev.agree) this.compareAgree++;
    if (Number.isFinite(ev.maxLogitDiff))
      this.compareMaxDiff = Math.max(this.compareMaxDiff, ev.maxLogitDiff);
    this.flushTokens();
    const last = this.output.querySelector<HTMLElement>(
      `.token[data-step="${ev.step}"]:last-of-type`,
    );
    if (last && !ev.agree) last.classList.add("differ");
    const allAgree = this.compareAgree === this.compareSteps;
    this.compareStatus.hidden = false;
    this.compareStatus.className = `compare-status ${allAgree ? "agree" : "differ"}`;
    this.compareStatus.textContent =
      `step ${ev.step}: tokens ${ev.agree ? "agree" : `differ (wasm ${ev.wasmId}, scheme ${ev.schemeId})`}` +
      ` · max |Δlogit| ${ev.maxLogitDiff.toExponential(2)} — ` +
      `${this.compareAgree}/${this.compareSteps} steps agree, overall max |Δlogit| ${this.compareMaxDiff.toExponential(2)}`;
  }

  /** Show a distribution; `pickable`: clicking a row picks that token next. */
  private renderTopk(
    topk: { id: number; p: number }[],
    chosen: number,
    label: string,
    pickable: boolean,
  ): void {
    const wasm = this.deps.wasm();
    const table = document.createElement("table");
    const caption = document.createElement("caption");
    caption.className = "caption";
    caption.textContent =
      label === "next" ? "the next token's distribution" : `distribution at ${label}`;
    table.append(caption);
    const maxP = topk[0]?.p ?? 1;
    for (const { id, p } of topk) {
      const row = table.insertRow();
      row.dataset.id = String(id);
      if (id === chosen) row.className = "chosen";
      const text = wasm ? wasm.tokenText(id) : String(id);
      row.insertCell().textContent = JSON.stringify(text);
      const bar = row.insertCell();
      bar.className = "bar";
      const fill = document.createElement("div");
      fill.style.width = `${(100 * p) / maxP}%`;
      bar.append(fill);
      const cell = row.insertCell();
      cell.className = "p";
      cell.textContent = percent(p);
      row.title = pickable ? `id ${id} — click to use this token next` : `id ${id}`;
      if (pickable) row.addEventListener("click", () => void this.pick(id));
    }
    this.topkBox.replaceChildren(table);
  }

  /** "Pick the next token yourself": while the WebAssembly engine runs, its next step takes it;
   *  the Scheme engine (whose sampler runs inside its worker) is stopped first. When idle, the
   *  token is appended at once and the selected engine shows the new distribution. */
  async pick(id: number): Promise<void> {
    if (this.running) {
      if (this.deps.engine() === "wasm") {
        const decoder = this.deps.decoder?.();
        if (decoder) decoder.pick(id);
        else this.picked.push(id);
      } else {
        this.pendingSchemePick = id;
        this.stop();
      }
      return;
    }
    const wasm = this.deps.wasm();
    const model = this.deps.model();
    if (!wasm || !model || model.seq2seq) return;
    if (this.deps.engine() === "scheme") return this.pickOnScheme(id, model, wasm);
    this.schemeState = null;
    const decoder = this.deps.decoder?.();
    if (decoder) return this.pickOnDecoder(id, model, wasm, decoder);
    const state = wasm.state;
    if (state.history.length === 0) {
      // Nothing run yet: start from the prompt, then append the pick.
      const promptIds = this.promptIds(wasm);
      this.resetOutput(wasm, promptIds);
      this.deps.attention.reset();
      await wasm.start(promptIds, this.attentionSink());
    }
    if (!wasm.hasRoom) return;
    const before = wasm.state;
    this.flushTokens();
    const step = this.output.querySelectorAll(".token").length;
    const span = this.appendToken(id, wasm.tokenText(id), step, true);
    if (before.nextLogits) this.stepLogits.set(span, before.nextLogits);
    this.deps.attention.setLabel(before.history.length, wasm.tokenText(id));
    const next = wasm.push(id, this.attentionSink());
    this.flushTokens();
    this.renderTopk(topKOf(next, TOPK_ROWS), -1, "next", true);
  }

  /* The WebAssembly engine in its worker: run the pick after the text so far (the prompt first
   * when nothing ran yet) and show the next distribution. */
  private async pickOnDecoder(
    id: number,
    model: LoadedModel,
    wasm: WasmEngine,
    decoder: WasmDecoder,
  ): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    this.setBusy(true);
    try {
      if (decoder.state.history.length === 0 || decoder.state.nextLogits === null) {
        const promptIds = this.promptIds(wasm);
        this.resetOutput(wasm, promptIds);
        this.deps.attention.reset();
        promptIds.forEach((p, i) => this.deps.attention.setLabel(i, wasm.tokenText(p)));
        await decoder.start(promptIds, this.attentionSink());
      }
      const before = decoder.state;
      if (before.history.length >= model.blockSize) return;
      this.flushTokens();
      const step = this.output.querySelectorAll(".token").length;
      const span = this.appendToken(id, wasm.tokenText(id), step, true);
      if (before.nextLogits) this.stepLogits.set(span, before.nextLogits);
      this.deps.attention.setLabel(before.history.length, wasm.tokenText(id));
      const next = await decoder.push(id, this.attentionSink());
      if (next) this.renderTopk(topKOf(next, TOPK_ROWS), -1, "next", true);
    } catch (e) {
      this.status.textContent = `error: ${errorText(e)}`;
    } finally {
      this.running = null;
      this.setBusy(false);
    }
  }

  /* The Scheme engine: append the pick to its text and run the whole text through a fresh
   * forward pass in the worker for the next distribution (it keeps no KV cache between requests). */
  private async pickOnScheme(id: number, model: LoadedModel, wasm: WasmEngine): Promise<void> {
    const scheme = this.deps.scheme();
    if (!scheme?.forward) return;
    let state = this.schemeState;
    if (!state || state.history.length === 0) {
      const promptIds = this.promptIds(wasm);
      this.resetOutput(wasm, promptIds);
      state = { history: promptIds, nextLogits: null };
    }
    if (state.history.length >= model.blockSize) return;
    this.flushTokens();
    const step = this.output.querySelectorAll(".token").length;
    const span = this.appendToken(id, wasm.tokenText(id), step, true);
    if (state.nextLogits) this.stepLogits.set(span, state.nextLogits);
    const history = [...state.history, id];
    this.schemeState = { history, nextLogits: null };
    const controller = new AbortController();
    const onAbort = () => scheme.stop();
    controller.signal.addEventListener("abort", onAbort, { once: true });
    this.running = controller;
    this.setBusy(true);
    this.status.textContent = "running the Scheme engine on your pick…";
    try {
      const logits = await scheme.forward(model.id, wholeBuffer(model.bytes), history, true);
      const next = logits[logits.length - 1];
      this.schemeState = { history, nextLogits: next };
      this.renderTopk(topKOf(next, TOPK_ROWS), -1, "next", true);
      this.status.textContent = `picked ${JSON.stringify(wasm.tokenText(id))} (Scheme engine)`;
    } catch (e) {
      this.status.textContent = controller.signal.aborted ? "stopped" : `error: ${errorText(e)}`;
    } finally {
      this.running = null;
      this.setBusy(false);
    }
  }

  private attentionSink(): GenerationSink {
    return {
      token: () => {},
      attention: (l, h, q, w) => this.deps.attention.addRow(l, h, q, w),
    };
  }

  /* Non-causal model: the whole block at once; compare mode checks the Scheme engine's argmax. */
  private async runSeq2seq(
    model: LoadedModel,
    wasm: WasmEngine,
    engine: EngineKind,
  ): Promise<void> {
    const ids = wasm.encode(this.prompt.value.trim());
    if (ids.length !== model.blockSize)
      throw new Error(
        `this model needs exactly ${model.blockSize} input tokens, got ${ids.length}`,
      );
    this.resetOutput(wasm, ids);
    this.output.firstElementChild!.textContent += " → ";
    this.deps.attention.reset();
    ids.forEach((id, i) => this.deps.attention.setLabel(i, wasm.tokenText(id)));
    let out: number[];
    let schemeLogits: Float32Array[] | null = null;
    if (engine === "wasm") {
      out = wasm.seq2seq(ids, this.attentionSink());
    } else {
      const scheme = this.deps.scheme();
      if (!scheme?.forward)
        throw new Error("the Scheme engine cannot run seq2seq models in this build");
      // The Scheme engine reports every position's attention row (the C engine keeps only the
      // last position's, so a WebAssembly-only run shows one row).
      schemeLogits = await scheme.forward(model.id, wholeBuffer(model.bytes), ids, false, (m) => {
        if (m.kind === "attention" && m.layer !== null && m.head !== null)
          this.deps.attention.addRow(m.layer, m.head, m.position, m.data);
      });
      out = schemeLogits.map(argmax);
      if (engine === "compare") {
        const wasmOut = wasm.seq2seq(ids, null);
        // The engine keeps the logits of the last position only: compare those.
        const last = out.length - 1;
        this.compareSteps = this.compareAgree = this.compareMaxDiff = 0;
        out.forEach((id, step) =>
          this.reportCompare({
            step,
            agree: id === wasmOut[step],
            maxLogitDiff: step === last ? maxAbsDiff(wasm.lastLogits(), schemeLogits![last]) : NaN,
            wasmId: wasmOut[step],
            schemeId: id,
          }),
        );
      }
    }
    out.forEach((id, step) => {
      const span = this.appendToken(id, wasm.tokenText(id), step, false);
      if (schemeLogits) this.stepLogits.set(span, schemeLogits[step]);
    });
    if (schemeLogits) this.renderTopk(topKOf(schemeLogits[0], TOPK_ROWS), out[0], "step 0", false);
    else this.topkBox.replaceChildren(note("seq2seq: the engine returns each position's argmax."));
    this.status.textContent = `seq2seq: ${out.length} positions in, ${out.length} out`;
  }

  private setBusy(busy: boolean): void {
    if (!busy) this.flushTokens(); // everything produced is on screen once the buttons come back
    this.generateButton.disabled = busy;
    this.continueButton.disabled = busy;
    this.stopButton.disabled = !busy;
  }
}

/** A shuffled digit string of the block's length, for the sort model. */
function sortExample(n: number): string {
  const digits = "8372615940".slice(0, Math.min(n, 10)).split("");
  while (digits.length < n) digits.push(String(digits.length % 10));
  return digits.join("");
}

/** A probability as a percentage that stays readable when tiny (0.0042%, not 0.0%). */
export function percent(p: number): string {
  const x = 100 * p;
  if (x >= 0.1 || x === 0) return `${x.toFixed(1)}%`;
  if (x >= 1e-4) return `${x.toPrecision(2)}%`;
  return `${x.toExponential(1)}%`;
}

function note(text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  return p;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
