/// <reference lib="dom" />
// A chapter page as a notebook: one Scheme worker (the playground's SchemeClient) per page, one
// REPL environment shared by every cell, exercise and widget, and one queue, so that code runs in
// page order like the notebook the reader sees. Live cells get an editor, Run/Stop, their output
// and figures; exercises get Check, Reset and Show solution; widgets get a DocsContext.
import { SchemeClient, SchemeRequestError } from "../../playground/src/scheme-client.ts";
import { WasmEngine } from "../../playground/src/engines.ts";
import type { Figure, Preview } from "../../playground/src/protocol.ts";
import {
  PAGE_PRELUDE,
  cellDisplay,
  exerciseCheckSource,
  unwriteString,
  type ExerciseCell,
  type LiveCell,
} from "../lib/chapters.ts";
import { createFigure, renderFigure } from "./figures.ts";
import { translate } from "./i18n.ts";
import {
  colorizeSchemeBlocks,
  createCellEditor,
  setEditorTheme,
  type CellEditor,
} from "./monaco.ts";
import type { PageData } from "../site/pages.ts";
import type { DocsContext, SchemeRun, Widget } from "./widget-api.ts";
import { element } from "./dom.ts";

/** After this long a running cell offers Stop. */
const STOP_AFTER_MS = 800;

const modelUrls = import.meta.glob("../../models/*.bin", {
  query: "?url",
  import: "default",
  eager: true,
}) as Record<string, string>;

const widgetModules = import.meta.glob("./widgets/*.ts") as Record<
  string,
  () => Promise<{ default: Widget }>
>;

type Theme = "dark" | "light";
const currentTheme = (): Theme =>
  document.documentElement.dataset.theme === "light" ? "light" : "dark";

/** The value a cell shows: the last form's, unless it is unspecified (a definition, display). */
function shownValue(values: Preview[]): string | null {
  const last = values[values.length - 1];
  return !last || last.kind === "unspecified" ? null : last.text;
}

const el = element;

function button(label: string, className: string, title?: string): HTMLButtonElement {
  const b = el("button", `button ${className}`, label);
  b.type = "button";
  if (title) b.title = title;
  return b;
}

interface Sink {
  output: string;
  figures: Figure[];
  onOutput?(text: string): void;
  onFigure?(figure: Figure): void;
}

/** A run's outcome with the REPL's values (exercises read the check's returned list). */
interface RawRun extends SchemeRun {
  values: Preview[];
}

/** Raised inside the queue for work dropped by Stop (the environment it needed is gone). */
class Cancelled extends Error {}

export class Notebook {
  readonly client = new SchemeClient();
  private queue: Promise<unknown> = Promise.resolve();
  private sink: Sink | null = null;
  /** Bumped by Stop: queued work from before it is dropped. */
  private epoch = 0;
  private readonly models = new Map<string, Promise<Uint8Array>>();
  readonly cells = new Map<number, LiveCellView | ExerciseView>();

  constructor(
    readonly data: PageData,
    private readonly status: HTMLElement,
  ) {
    this.client.onOutput = (text) => {
      if (!this.sink) return;
      this.sink.output += text;
      this.sink.onOutput?.(text);
    };
    // A worker that failed (its script did not load, or it crashed) answers nothing: say so instead of
    // leaving every cell waiting.
    this.client.onError = (m) => {
      if (m.id !== undefined) return;
      this.setStatus("error", `${this.t("page.workerFailed")} ${m.message}`);
      for (const cell of this.cells.values()) cell.failed(m.message);
    };
    this.client.onFigure = (figure) => {
      if (!this.sink) return;
      this.sink.figures.push(figure);
      this.sink.onFigure?.(figure);
    };
  }

  t(key: string, vars?: Record<string, string | number>): string {
    return translate(this.data.lang, key, vars);
  }

  /** Run `task` after everything queued before it; work queued before a Stop is dropped. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    const run = this.queue.then(() => {
      if (epoch !== this.epoch) throw new Cancelled("stopped");
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A bundled model's bytes, fetched once per page. */
  modelBytes(name: string): Promise<Uint8Array> {
    let bytes = this.models.get(name);
    if (!bytes) {
      const url = modelUrls[`../../models/${name}.bin`];
      bytes = url
        ? fetch(url).then(async (r) => {
            if (!r.ok) throw new Error(`could not fetch ${name}.bin: HTTP ${r.status}`);
            return new Uint8Array(await r.arrayBuffer());
          })
        : Promise.reject(new Error(`no bundled model "${name}" (models/${name}.bin)`));
      this.models.set(name, bytes);
    }
    return bytes;
  }

  /** Evaluate `source` now, collecting output and figures: only from inside a queued task (the
   *  worker must not be running anything else, or the output would be mixed). */
  async evaluateNow(source: string, sink: Sink = { output: "", figures: [] }): Promise<RawRun> {
    this.sink = sink;
    try {
      const values = await this.client.repl(source);
      return {
        output: sink.output,
        value: shownValue(values),
        error: null,
        figures: sink.figures,
        values,
      };
    } catch (e) {
      const message =
        e instanceof SchemeRequestError
          ? e.detail.message
          : e instanceof Error
            ? e.message
            : String(e);
      return {
        output: sink.output,
        value: null,
        error: message,
        figures: sink.figures,
        values: [],
      };
    } finally {
      this.sink = null;
    }
  }

  /** Queue `source` for the page's environment (what widgets and cells call). */
  run(source: string, sink?: Sink): Promise<RawRun> {
    return this.enqueue(() => this.evaluateNow(source, sink));
  }

  /** Put the page's models into the worker and import the prelude (again after a Stop). */
  setUp(): Promise<void> {
    this.setStatus("loading", this.t("page.loading"));
    return this.enqueue(async () => {
      try {
        for (const name of this.data.models)
          this.client.addFile(`models/${name}.bin`, await this.modelBytes(name));
      } catch (e) {
        // The cells that read the model will say so too; the page stays usable.
        this.setStatus("error", e instanceof Error ? e.message : String(e));
        return;
      }
      const r = await this.evaluateNow(PAGE_PRELUDE);
      if (r.error) this.setStatus("error", r.error);
      else this.setStatus("ready", this.t("page.ready"));
    }).catch(() => undefined); // dropped by a Stop: that Stop queues its own set-up
  }

  private setStatus(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  /** End what runs now: the worker restarts empty, queued work is dropped, the prelude reloads. */
  stop(): void {
    this.epoch++;
    this.client.stop();
    for (const cell of this.cells.values()) cell.cancelled();
    void this.setUp();
  }

  /** Queue the live cells before `index` again (after a Stop emptied the environment). */
  rerunBefore(index: number): void {
    for (const cell of this.cells.values())
      if (cell instanceof LiveCellView && cell.index < index) void cell.run();
  }

  /** The context a widget is given. */
  context(): DocsContext {
    return {
      lang: this.data.lang,
      t: (key, fallback) => translate(this.data.lang, key, {}, fallback),
      scheme: this.client,
      runScheme: async (source) => {
        const { output, value, error, figures } = await this.run(source);
        return { output, value, error, figures };
      },
      modelBytes: (name) => this.modelBytes(name),
      wasmEngine: (threads = 1) =>
        WasmEngine.create(globalThis.crossOriginIsolated ? Math.max(1, threads) : 1),
      renderFigure,
    };
  }
}

/** The editor, buttons and output of one cell (shared by live cells and exercises). */
abstract class CellView {
  readonly index: number;
  protected editor!: CellEditor;
  protected readonly toolbar = el("div", "cell-toolbar");
  protected readonly statusText = el("span", "cell-status");
  protected readonly output = el("pre", "cell-output");
  protected readonly figures = el("div", "cell-figures");
  protected readonly notice = el("div", "cell-notice");
  protected readonly stopButton: HTMLButtonElement;
  private stopTimer = 0;

  constructor(
    readonly root: HTMLElement,
    protected readonly book: Notebook,
    initialCode: string,
  ) {
    this.index = Number(root.dataset.cellIndex);
    const editorBox = el("div", "cell-editor");
    root.replaceChildren(editorBox);
    this.editor = createCellEditor(editorBox, initialCode, currentTheme(), () => this.primary());
    this.stopButton = button(book.t("cell.stop"), "stop", book.t("cell.stopTitle"));
    this.stopButton.hidden = true;
    this.stopButton.addEventListener("click", () => book.stop());
    this.output.setAttribute("aria-live", "polite");
  }

  /** Ctrl/Cmd+Enter: Run for a live cell, Check for an exercise. */
  protected abstract primary(): void;

  /** Stop dropped this cell's queued or running work. */
  abstract cancelled(): void;

  /** The worker died: nothing queued will run. */
  failed(message: string): void {
    if (this.root.dataset.state === "done") return;
    this.setState("error", this.book.t("cell.error"));
    this.showError(message);
  }

  get code(): string {
    return this.editor.getValue();
  }
  set code(text: string) {
    this.editor.setValue(text);
  }

  protected setState(state: "idle" | "running" | "done" | "error", text: string): void {
    this.root.dataset.state = state;
    this.statusText.dataset.state = state;
    this.statusText.textContent = text;
    window.clearTimeout(this.stopTimer);
    this.stopButton.hidden = true;
    if (state === "running")
      this.stopTimer = window.setTimeout(() => (this.stopButton.hidden = false), STOP_AFTER_MS);
  }

  /** A sink that shows output and figures as they arrive. */
  protected liveSink(): Sink {
    this.output.textContent = "";
    this.output.classList.remove("error");
    this.figures.replaceChildren();
    this.notice.replaceChildren();
    return {
      output: "",
      figures: [],
      onOutput: (text) => (this.output.textContent += text),
      onFigure: (figure) => this.figures.appendChild(createFigure(figure)),
    };
  }

  protected showError(message: string): void {
    const line = el("span", "error-text", message);
    if (this.output.textContent) this.output.append("\n");
    this.output.appendChild(line);
  }

  protected showRestarted(): void {
    const again = button(this.book.t("cell.rerunAbove"), "small");
    again.addEventListener("click", () => {
      this.notice.replaceChildren();
      this.book.rerunBefore(this.index);
    });
    this.notice.replaceChildren(el("span", "", this.book.t("cell.restarted") + " "), again);
  }
}

export class LiveCellView extends CellView {
  constructor(root: HTMLElement, book: Notebook, cell: LiveCell) {
    super(root, book, cell.code);
    const run = button(book.t("cell.run"), "run primary", book.t("cell.runTitle"));
    run.addEventListener("click", () => void this.run());
    this.toolbar.append(run, this.stopButton, this.statusText);
    root.append(this.toolbar, this.output, this.figures, this.notice);
    this.setState("idle", book.t("cell.idle"));
  }

  protected primary(): void {
    void this.run();
  }

  /** Queue this cell; resolves when it has run (or was dropped by Stop). */
  run(): Promise<void> {
    this.statusText.textContent = this.book.t("cell.queued");
    const source = this.code;
    return this.book
      .enqueue(async () => {
        this.setState("running", this.book.t("cell.running"));
        const r = await this.book.evaluateNow(source, this.liveSink());
        this.output.textContent = cellDisplay(r.output, r.value);
        if (r.error === "stopped") {
          this.setState("error", this.book.t("cell.error"));
          this.showError("stopped");
          this.showRestarted();
        } else if (r.error) {
          this.setState("error", this.book.t("cell.error"));
          this.showError(r.error);
        } else this.setState("done", this.book.t("cell.done"));
      })
      .catch((e) => {
        if (!(e instanceof Cancelled)) throw e;
        this.setState("idle", this.book.t("cell.idle"));
      });
  }

  cancelled(): void {
    if (this.root.dataset.state !== "running")
      this.statusText.textContent = this.book.t("cell.idle");
  }
}

export class ExerciseView extends CellView {
  private readonly result = el("div", "exercise-result");
  private readonly solutionBox = el("div", "exercise-solution");

  constructor(
    root: HTMLElement,
    book: Notebook,
    private readonly cell: ExerciseCell,
  ) {
    super(root, book, cell.starter);
    const check = button(book.t("exercise.check"), "check primary", book.t("exercise.check"));
    check.addEventListener("click", () => void this.check());
    const reset = button(book.t("exercise.reset"), "reset");
    reset.addEventListener("click", () => {
      this.code = cell.starter;
      delete this.root.dataset.result;
      this.result.replaceChildren();
      this.setState("idle", "");
    });
    const show = button(book.t("exercise.showSolution"), "show-solution");
    this.solutionBox.hidden = true;
    const code = el("pre", "code scheme");
    code.appendChild(el("code", "", cell.solution));
    this.solutionBox.append(
      el("div", "exercise-solution-label", book.t("exercise.solution")),
      code,
    );
    show.addEventListener("click", () => {
      this.solutionBox.hidden = !this.solutionBox.hidden;
      show.textContent = book.t(
        this.solutionBox.hidden ? "exercise.showSolution" : "exercise.hideSolution",
      );
      if (!this.solutionBox.hidden && !code.classList.contains("colorized"))
        void colorizeSchemeBlocks(this.solutionBox);
    });
    this.toolbar.append(check, reset, show, this.stopButton, this.statusText);
    root.prepend(el("div", "exercise-label", book.t("exercise.label")));
    root.append(
      this.toolbar,
      this.result,
      this.output,
      this.figures,
      this.notice,
      this.solutionBox,
    );
    this.setState("idle", "");
  }

  protected primary(): void {
    void this.check();
  }

  /** Run the reader's code, then the check block; pass when neither fails and no expect did. */
  check(): Promise<void> {
    delete this.root.dataset.result;
    this.result.replaceChildren();
    const source = this.code;
    return this.book
      .enqueue(async () => {
        this.setState("running", this.book.t("exercise.checking"));
        const sink = this.liveSink();
        const mine = await this.book.evaluateNow(source, sink);
        if (mine.error) return this.verdict(false, this.book.t("exercise.errored"), mine.error);
        const judged = await this.book.evaluateNow(exerciseCheckSource(this.cell.check));
        if (judged.error) return this.verdict(false, this.book.t("exercise.errored"), judged.error);
        const failures = judged.values[judged.values.length - 1];
        if (!failures || failures.kind === "null")
          return this.verdict(true, this.book.t("exercise.correct"));
        const first = failures.items?.[0]?.text ?? failures.text;
        return this.verdict(false, this.book.t("exercise.wrong"), unwriteString(first));
      })
      .catch((e) => {
        if (!(e instanceof Cancelled)) throw e;
        this.setState("idle", "");
      });
  }

  private verdict(pass: boolean, headline: string, detail?: string): void {
    if (detail === "stopped") this.showRestarted();
    this.result.replaceChildren(el("strong", "", headline));
    if (detail) this.result.append(" ", el("span", "", detail));
    this.result.className = `exercise-result ${pass ? "pass" : "fail"}`;
    this.root.dataset.result = pass ? "pass" : "fail";
    this.setState("done", "");
  }

  cancelled(): void {}
}

/** What the browser tests use (docs/e2e/course.spec.ts): set code without typing, wait for runs. */
export interface DocsTestHooks {
  setCellCode(index: number, code: string): void;
  setExerciseCode(index: number, code: string): void;
  getCellCode(index: number): string;
  /** Resolves when everything queued so far has run. */
  idle(): Promise<void>;
}

declare global {
  interface Window {
    __docs?: DocsTestHooks;
  }
}

/** Bring a chapter page to life: editors, the first run of every live cell, the widgets. */
export async function startNotebook(data: PageData, article: HTMLElement): Promise<void> {
  const status = el("div", "page-status");
  status.setAttribute("role", "status");
  const needsScheme = data.cells.length > 0 || article.querySelector("[data-widget]") !== null;
  void colorizeSchemeBlocks(article);
  setEditorTheme(currentTheme());
  document.addEventListener("nanolm-theme", () => setEditorTheme(currentTheme()));
  if (!needsScheme) return;
  article.prepend(status);
  const book = new Notebook(data, status);
  void book.setUp();
  const byIndex = new Map(data.cells.map((c) => [c.index, c]));
  for (const root of article.querySelectorAll<HTMLElement>(".cell[data-cell-index]")) {
    const cell = byIndex.get(Number(root.dataset.cellIndex));
    if (!cell) continue;
    const view =
      cell.kind === "live"
        ? new LiveCellView(root, book, cell)
        : new ExerciseView(root, book, cell);
    book.cells.set(cell.index, view);
  }
  window.__docs = {
    setCellCode: (i, code) => {
      const view = book.cells.get(i);
      if (!view) throw new Error(`no cell ${i}`);
      view.code = code;
    },
    setExerciseCode: (i, code) => {
      const view = book.cells.get(i);
      if (!(view instanceof ExerciseView)) throw new Error(`cell ${i} is not an exercise`);
      view.code = code;
    },
    getCellCode: (i) => book.cells.get(i)?.code ?? "",
    idle: () => book.enqueue(async () => undefined).catch(() => undefined),
  };
  for (const view of book.cells.values()) if (view instanceof LiveCellView) void view.run();
  for (const widget of article.querySelectorAll<HTMLElement>("[data-widget]"))
    void startWidget(widget, book);
}

/** Load docs/src/widgets/<name>.ts and draw it; errors are shown in the element. */
async function startWidget(host: HTMLElement, book: Notebook): Promise<void> {
  const name = host.dataset.widget ?? "";
  const load = widgetModules[`./widgets/${name}.ts`];
  host.classList.add("widget");
  if (!load) {
    host.dataset.error = "unknown";
    host.replaceChildren(el("p", "error-text", book.t("widget.unknown", { name })));
    return;
  }
  host.replaceChildren(el("p", "widget-loading", book.t("widget.loading")));
  try {
    const widget = (await load()).default;
    host.replaceChildren();
    await widget(host, book.context());
  } catch (e) {
    host.dataset.error = "failed";
    host.append(
      el(
        "p",
        "error-text",
        `${book.t("widget.failed")} ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  }
}
