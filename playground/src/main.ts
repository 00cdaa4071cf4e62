// main.ts — the playground's bootstrap: theme, model list (bundled, cached, opened), the two
// engines, the generation panel and attention view (this helper's modules), and the editor,
// debugger panels and Scheme worker client (editor.ts, debug-panels.ts, scheme-client.ts).
import "./style.css";
import { AttentionView } from "./attention.ts";
import { initDebugPanels } from "./debug-panels.ts";
import { initEditor, type Theme } from "./editor.ts";
import { SchemeClient, SchemeRequestError, type DebugOutcome } from "./scheme-client.ts";
import { WasmEngine, type EngineKind, type SchemeGenerator } from "./engines.ts";
import { WasmDecoder } from "./wasm-decoder.ts";
import { GenerationPanel, type LoadedModel, type SchemeForward } from "./generation.ts";
import {
  bundledModels,
  cachedModels,
  describeModel,
  formatBytes,
  looksSeq2seq,
  openModelFile,
  parseHeader,
  readModelBytes,
  type ModelEntry,
} from "./models.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/* ---- theme ---- */

const THEME_KEY = "nanolm-theme";

function initTheme(): void {
  const saved = localStorage.getItem(THEME_KEY);
  const preferred = matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
  document.documentElement.dataset.theme =
    saved === "light" || saved === "dark" ? saved : preferred;
  $("theme-toggle").addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
  });
}

/* ---- state ---- */

/** The page's engine: tokenizer, compare, seq2seq (synchronous, so on this thread). */
let wasm: WasmEngine | null = null;
/** The same engine in a worker, for generation: decoding never waits for the page to draw. */
let decoder: WasmDecoder | null = null;
let scheme: (SchemeGenerator & Partial<SchemeForward>) | null = null;
let current: LoadedModel | null = null;
let entries: ModelEntry[] = [];

const modelSelect = $<HTMLSelectElement>("model-select");
const engineSelect = $<HTMLSelectElement>("engine-select");
const modelInfo = $<HTMLElement>("model-info");
const progress = $<HTMLElement>("model-progress");

const attention = new AttentionView(
  $<HTMLCanvasElement>("attention"),
  $<HTMLSelectElement>("attention-layer"),
  $<HTMLSelectElement>("attention-head"),
  $<HTMLElement>("attention-tooltip"),
  $<HTMLElement>("attention-caption"),
);

const generation = new GenerationPanel({
  wasm: () => wasm,
  scheme: () => scheme,
  model: () => current,
  engine: () => engineSelect.value as EngineKind,
  attention,
  decoder: () => decoder,
});

/* ---- models ---- */

function showProgress(label: string, loaded: number, total: number): void {
  progress.hidden = false;
  const bar = progress.querySelector<HTMLElement>(".progress-bar")!;
  const text = progress.querySelector<HTMLElement>(".progress-text")!;
  bar.style.width = total > 0 ? `${Math.min(100, (100 * loaded) / total)}%` : "30%";
  text.textContent = `${label} ${formatBytes(loaded)}${total > 0 ? ` / ${formatBytes(total)}` : ""}`;
}

function fillModelSelect(selectedId?: string): void {
  const groups: [string, ModelEntry[]][] = [
    ["Bundled", entries.filter((e) => e.source === "bundled")],
    ["Opened (kept in this browser)", entries.filter((e) => e.source === "cached")],
  ];
  modelSelect.replaceChildren(
    ...groups
      .filter(([, list]) => list.length > 0)
      .map(([label, list]) => {
        const group = document.createElement("optgroup");
        group.label = label;
        for (const e of list)
          group.append(new Option(e.size ? `${e.name} (${formatBytes(e.size)})` : e.name, e.id));
        return group;
      }),
  );
  if (selectedId) modelSelect.value = selectedId;
}

/** Decoder threads for a model this big: small models are fastest on one thread (no hand-offs);
 * big ones are bandwidth-bound and gain from a few (threads need a cross-origin-isolated page). */
function threadsFor(modelBytes: number): number {
  if (!crossOriginIsolated || modelBytes < 32 * 2 ** 20) return 1;
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency - 1));
}

/** Read and load a model into the WebAssembly engine; the panels follow. */
async function loadModel(entry: ModelEntry): Promise<void> {
  if (!wasm) return;
  generation.stop();
  modelSelect.disabled = true;
  modelInfo.textContent = `Loading ${entry.name}…`;
  try {
    const bytes = await readModelBytes(entry, (l, t) =>
      showProgress(`reading ${entry.name}`, l, t),
    );
    const header = parseHeader(bytes);
    // Generation runs in the decoder's worker, with threads for big models; the page's engine
    // only tokenizes, compares and runs seq2seq, so one thread is plenty there.
    const decoderLoaded = decoder?.load(bytes, threadsFor(bytes.length));
    const info = wasm.load(bytes);
    await decoderLoaded;
    const seq2seq = looksSeq2seq(entry.name, header);
    current = { id: entry.id, name: entry.name, bytes, seq2seq, blockSize: info.config.blockSize };
    modelInfo.textContent =
      describeModel(entry.name, header, bytes.length) +
      `\n${"kind".padEnd(18)}${seq2seq ? "non-causal (seq2seq)" : "causal language model"}`;
    attention.setShape(info.config.nLayer, info.config.nHead);
    generation.modelChanged(current);
    document.title = `${entry.name} — NanoLM playground`;
  } catch (e) {
    modelInfo.textContent = `Could not load ${entry.name}: ${e instanceof Error ? e.message : String(e)}`;
    throw e;
  } finally {
    progress.hidden = true;
    modelSelect.disabled = false;
  }
}

/** A file from the picker or a drop: stored in the browser, listed, then loaded. */
async function openFile(file: File): Promise<void> {
  try {
    const entry = await openModelFile(file, (l, t) => showProgress(`storing ${file.name}`, l, t));
    entries = [...entries.filter((e) => e.id !== entry.id), entry];
    fillModelSelect(entry.id);
    await loadModel(entry);
  } catch (e) {
    progress.hidden = true;
    modelInfo.textContent = `Could not open ${file.name}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function initModelInputs(): void {
  modelSelect.addEventListener("change", () => {
    const entry = entries.find((e) => e.id === modelSelect.value);
    if (entry) void loadModel(entry).catch(() => {});
  });
  const fileInput = $<HTMLInputElement>("model-file");
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void openFile(file);
    fileInput.value = "";
  });
  const overlay = $<HTMLElement>("drop-overlay");
  let depth = 0;
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  window.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  window.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  window.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const file = e.dataTransfer?.files[0];
    if (file) void openFile(file);
  });
}

/* ---- startup ---- */

/* ---- the program side: editor, debugger panels, Scheme worker ---- */

const libraryTexts = import.meta.glob("../../scheme-lib/nano/*.sld", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** The ready example: attention for one query by hand, with something to step through. */
const EXAMPLE_PROGRAM = `;; Attention for one query, by hand: scores, softmax, weights.
;; Click the gutter to set a breakpoint, press Debug (F5), then step with F10 / F11.
(define (dot a b) (apply + (map * a b)))

(define (softmax xs)
  (let* ((m (apply max xs))
         (es (map (lambda (x) (exp (- x m))) xs))
         (z (apply + es)))
    (map (lambda (e) (/ e z)) es)))

(define query '(1.0 0.5 -0.5))
(define keys '((1.0 0.0 0.0) (0.0 1.0 0.0) (0.5 0.5 0.5) (-1.0 0.0 1.0)))
(define scores (map (lambda (k) (/ (dot query k) (sqrt 3))) keys))
(define weights (softmax scores))

(let loop ((i 0))
  (when (< i (length weights))
    (display "key ") (display i)
    (display " weight ") (display (list-ref weights i))
    (newline)
    (loop (+ i 1))))
`;

/** Wire the editor, the debugger panels and the toolbar to the Scheme worker. */
function initProgramSide(client: SchemeClient): void {
  const libraries: Record<string, string> = {};
  for (const [path, text] of Object.entries(libraryTexts))
    libraries[path.replace("../../scheme-lib/", "")] = text;
  const buttons = {
    run: $<HTMLButtonElement>("run"),
    debug: $<HTMLButtonElement>("debug"),
    stop: $<HTMLButtonElement>("stop"),
    continue: $<HTMLButtonElement>("continue"),
    pause: $<HTMLButtonElement>("pause"),
    stepOver: $<HTMLButtonElement>("step-over"),
    stepInto: $<HTMLButtonElement>("step-into"),
    stepOut: $<HTMLButtonElement>("step-out"),
  };
  let debugging = false;
  let running = false;

  const refresh = () => {
    const paused = client.paused;
    // A plain run paused between slices has no step points: Continue and Stop only.
    const canStep = paused && client.canStep;
    buttons.run.disabled = running;
    buttons.debug.disabled = running;
    buttons.stop.disabled = !running;
    buttons.continue.disabled = !paused;
    buttons.stepOver.disabled = !canStep;
    buttons.stepInto.disabled = !canStep;
    buttons.stepOut.disabled = !canStep;
    buttons.pause.disabled = !(running && !paused);
    buttons.pause.title = debugging
      ? "Pause at the next expression"
      : "Pause (Run mode stops between slices; use Debug to step)";
  };

  const ui = initDebugPanels(
    {
      callstack: $("callstack"),
      variables: $("variables"),
      console: $("console"),
      replInput: $<HTMLInputElement>("repl-input"),
    },
    {
      onSelectFrame: (_i, frame) => frame.loc && ed.reveal(frame.loc),
      onJump: (loc) => ed.reveal(loc),
      onRepl: (source) => {
        client.repl(source).then(
          (values) => ui.appendValues(values),
          (e) => reportError(e),
        );
      },
    },
  );

  const reportError = (e: unknown) => {
    if (e instanceof SchemeRequestError) {
      if (e.detail.message === "stopped") ui.appendInfo("stopped");
      else {
        ui.appendError(e.detail.report || e.detail.message, e.detail.loc);
        ed.showError(e.detail.loc, e.detail.message);
      }
    } else ui.appendError(e instanceof Error ? e.message : String(e));
  };

  /* A run or debug step ended: paused (show where), done or failed. */
  const settle = (o: DebugOutcome) => {
    if (o.type === "paused") {
      ed.highlight(o.loc);
      ui.showPaused(o.frames);
      if (o.canStep === false)
        ui.appendInfo(
          "paused between slices (Run mode compiles no step points: Continue or Stop here; Debug to step and see variables)",
        );
    } else {
      running = debugging = false;
      ed.clearHighlight();
      ui.clearPaused();
      if (o.type === "done") {
        if (o.value.kind !== "unspecified") ui.appendInfo(`⇒ ${o.value.text}`);
      } else if (o.message === "stopped") ui.appendInfo("stopped");
      else {
        ui.appendError(o.report || o.message, o.loc);
        ed.showError(o.loc, o.message);
      }
    }
    refresh();
  };

  const start = (debug: boolean) => {
    if (running) return;
    ed.clearErrors();
    ed.clearHighlight();
    ui.clearConsole();
    ui.clearPaused();
    running = true;
    debugging = debug;
    refresh();
    const source = ed.getProgram();
    const outcome = debug
      ? client.debug(source, ed.programName, ed.breakpoints())
      : client.runPausable(source, ed.programName);
    outcome.then(settle, (e) =>
      settle({ type: "error", message: String(e), report: String(e), loc: null }),
    );
  };

  const resume = (how: "continue" | "stepOver" | "stepInto" | "stepOut") => {
    if (!client.paused || (how !== "continue" && !client.canStep)) return;
    ed.clearHighlight();
    ui.clearPaused();
    const outcome = client[how]();
    refresh();
    outcome.then(settle, () => {});
  };

  const ed = initEditor($("editor"), $("tabs"), {
    program: EXAMPLE_PROGRAM,
    libraries,
    theme: document.documentElement.dataset.theme as Theme,
    onChange: (path, text, isProgram) => {
      if (!isProgram) client.setFile(path, text);
    },
    onResetLibraries: () => client.resetFiles(),
    onBreakpointsChange: (file, lines) => client.setBreakpoints(file, lines),
    keys: {
      continue: () => (client.paused ? resume("continue") : start(true)),
      stepOver: () => resume("stepOver"),
      stepInto: () => resume("stepInto"),
      stepOut: () => resume("stepOut"),
      run: () => start(false),
    },
  });

  client.onOutput = (text, stream) => ui.appendOutput(text, stream);
  client.onPaused = () => refresh();
  client.onResumed = () => refresh();
  client.onRestart = () => {
    // Stop terminated the worker: whatever ran is over.
    running = debugging = false;
    ed.clearHighlight();
    ui.clearPaused();
    refresh();
  };
  buttons.run.addEventListener("click", () => start(false));
  buttons.debug.addEventListener("click", () => start(true));
  buttons.stop.addEventListener("click", () => client.stop());
  buttons.continue.addEventListener("click", () => resume("continue"));
  buttons.pause.addEventListener("click", () => client.pause());
  buttons.stepOver.addEventListener("click", () => resume("stepOver"));
  buttons.stepInto.addEventListener("click", () => resume("stepInto"));
  buttons.stepOut.addEventListener("click", () => resume("stepOut"));
  new MutationObserver(() => ed.setTheme(document.documentElement.dataset.theme as Theme)).observe(
    document.documentElement,
    { attributes: true, attributeFilter: ["data-theme"] },
  );
  refresh();
}

async function main(): Promise<void> {
  initTheme();
  initModelInputs();
  engineSelect.addEventListener("change", () => generation.stop());
  const client = new SchemeClient();
  scheme = client;
  try {
    initProgramSide(client);
  } catch (e) {
    console.warn("the editor could not start:", e);
  }
  entries = [...bundledModels(), ...(await cachedModels())];
  fillModelSelect();
  try {
    wasm = await WasmEngine.create(1);
    decoder = new WasmDecoder();
  } catch (e) {
    modelInfo.textContent = `The WebAssembly engine could not start: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  const first = entries[0];
  if (first) {
    fillModelSelect(first.id);
    await loadModel(first).catch(() => {});
  } else modelInfo.textContent = "No bundled model: open a .bin file.";
  // Interactive once the worker is up too (it builds the interpreter); never wait forever on it.
  await Promise.race([client.ready, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  document.body.dataset.ready = "true";
}

void main();
