// interpreter-inspector — chapter 13's look inside NanoLM's Scheme: the reader types code and sees
// each stage of the pipeline on it, computed by the interpreter's own modules running in the page
// (interpreter/src/inspect.ts): the datum tree with the reader's source locations, the Core the
// expander produced, what the compiler made of a procedure (closure analysis and JavaScript), and
// a stepper that runs the code under the debugger (DebugSession) one expression at a time,
// showing the frames on the VM's stack.
//
//   <div data-widget="interpreter-inspector"></div>
import type { DocsContext, Widget } from "../widget-api.ts";
import { Interpreter } from "../../../interpreter/src/interpreter.ts";
import type { DebugSession, DebugStatus } from "../../../interpreter/src/debugger.ts";
import { PRELUDE_FILES } from "../../../interpreter/src/runtime/index.ts";
import {
  compiledProcedure,
  expandForms,
  readTree,
  type DatumNode,
} from "../../../interpreter/src/inspect.ts";
import { writeString } from "../../../interpreter/src/printer.ts";
import { SchemeError, errorMessage } from "../../../interpreter/src/errors.ts";
import { ErrorObject, type Loc } from "../../../interpreter/src/values.ts";

const preludeTexts = import.meta.glob("../../../interpreter/src/runtime/prelude/*.scm", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const FILE = "inspector.scm";
const EXAMPLE = `(define-syntax swap!
  (syntax-rules ()
    ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp)))))

(define (count-down n)
  (if (= n 0) 'done (count-down (- n 1))))

(let ((tmp 1) (other 2))
  (swap! tmp other)
  (list tmp other (count-down 3)))`;
/** The datum tree shows at most this many nodes (a long program would bury the page). */
const MAX_TREE_NODES = 400;
/** Steps one "Run to the end" may take before it gives up (an endless loop). */
const RUN_BUDGET = 5_000_000;
const MAX_VALUE_TEXT = 80;

const STYLE_ID = "interpreter-inspector-style";
const STYLE = `
.inspector textarea { width: 100%; box-sizing: border-box; min-height: 13em; font: 13px/1.45 var(--mono, monospace); background: var(--bg, transparent); color: inherit; border: 1px solid var(--border); border-radius: 6px; padding: 8px; }
.inspector .inspector-bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
.inspector h4 { margin: 14px 0 4px; font-size: 0.95em; }
.inspector pre { margin: 0; padding: 8px; max-height: 22em; overflow: auto; font: 12.5px/1.45 var(--mono, monospace); border: 1px solid var(--border); border-radius: 6px; background: var(--bg, transparent); white-space: pre; }
.inspector .datum-row { cursor: pointer; white-space: pre; }
.inspector .datum-row:hover { background: var(--hover, rgba(127,127,127,0.15)); }
.inspector .datum-kind { color: var(--text-dim); }
.inspector .datum-loc { color: var(--accent, #3a7bd5); }
.inspector mark.current { background: var(--highlight, #ffe08a); color: #000; border-radius: 2px; }
.inspector table { border-collapse: collapse; font-size: 0.9em; }
.inspector td, .inspector th { border: 1px solid var(--border); padding: 2px 8px; text-align: left; vertical-align: top; font-family: var(--mono, monospace); }
.inspector .inspector-error { color: var(--danger, #d43c3c); white-space: pre-wrap; }
.inspector .inspector-note { color: var(--text-dim); margin: 2px 0; }
`;

function ensureStyle(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLE;
  document.head.append(style);
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  parent: HTMLElement,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  const el = Object.assign(document.createElement(tag), props);
  parent.append(el);
  return el;
}

function prelude() {
  return PRELUDE_FILES.map((name) => {
    const text = preludeTexts[`../../../interpreter/src/runtime/prelude/${name}`];
    if (text === undefined) throw new Error(`prelude file ${name} is missing from the bundle`);
    return { name: `<prelude>/${name}`, text };
  });
}

function formatRange(loc: Loc | null): string {
  if (!loc) return "—";
  return `${loc.line}:${loc.col}–${loc.endLine}:${loc.endCol}`;
}

/** The character offset of line:col (both from 1) in text. */
function offsetOf(text: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + col - 1);
}

/** A thrown Scheme error as the REPL words it, or any other error's message. */
function describeError(e: unknown): string {
  if (e instanceof SchemeError && e.payload instanceof ErrorObject) {
    const where = e.payload.loc ? ` (${formatRange(e.payload.loc)})` : "";
    return errorMessage(e.payload) + where;
  }
  return e instanceof Error ? e.message : String(e);
}

function shorten(text: string): string {
  return text.length > MAX_VALUE_TEXT ? text.slice(0, MAX_VALUE_TEXT - 1) + "…" : text;
}

const inspector: Widget = (el: HTMLElement, ctx: DocsContext) => {
  const t = (key: string, fallback: string) => ctx.t(`inspector.${key}`, fallback);
  ensureStyle();
  el.classList.add("inspector");
  el.replaceChildren();

  const editor = element("textarea", el, {
    value: el.dataset.source ?? EXAMPLE,
    spellcheck: false,
  });
  editor.setAttribute("aria-label", t("source", "Scheme code to inspect"));
  const bar = element("div", el, { className: "inspector-bar" });
  const inspectButton = element("button", bar, {
    type: "button",
    textContent: t("inspect", "Inspect"),
  });
  const exampleButton = element("button", bar, {
    type: "button",
    textContent: t("example", "Example"),
  });
  const timing = element("span", bar, { className: "inspector-note" });

  const readerSection = element("section", el);
  element("h4", readerSection, {
    textContent: t("reader", "1. Reader: datums and where they came from"),
  });
  element("p", readerSection, {
    className: "inspector-note",
    textContent: t("reader-note", "Click a row to select its range in the code."),
  });
  const readerOut = element("pre", readerSection);

  const expanderSection = element("section", el);
  element("h4", expanderSection, {
    textContent: t("expander", "2. Expander: the Core language, macros and derived forms gone"),
  });
  const expanderOut = element("pre", expanderSection);

  const compilerSection = element("section", el);
  element("h4", compilerSection, {
    textContent: t("compiler", "3. Compiler: the last procedure definition, as JavaScript"),
  });
  const compilerFacts = element("div", compilerSection);
  const compilerOut = element("pre", compilerSection);

  const vmSection = element("section", el);
  element("h4", vmSection, { textContent: t("vm", "4. VM: step it") });
  const vmBar = element("div", vmSection, { className: "inspector-bar" });
  const stepInto = element("button", vmBar, {
    type: "button",
    textContent: t("step-into", "Step into"),
  });
  const stepOver = element("button", vmBar, {
    type: "button",
    textContent: t("step-over", "Step over"),
  });
  const stepOut = element("button", vmBar, {
    type: "button",
    textContent: t("step-out", "Step out"),
  });
  const runEnd = element("button", vmBar, {
    type: "button",
    textContent: t("run", "Run to the end"),
  });
  const restart = element("button", vmBar, {
    type: "button",
    textContent: t("restart", "Restart"),
  });
  const vmStatus = element("span", vmBar, { className: "inspector-note" });
  const vmSource = element("pre", vmSection);
  const vmFrames = element("div", vmSection);
  const vmOutput = element("pre", vmSection);
  vmOutput.hidden = true;

  let session: DebugSession | null = null;
  let scheme: Interpreter | null = null;
  let source = "";
  let steps = 0;
  let maxDepth = 0;
  let programOutput = "";

  function fail(target: HTMLElement, e: unknown): void {
    target.replaceChildren();
    element("span", target, { className: "inspector-error", textContent: describeError(e) });
  }

  function showTree(nodes: DatumNode[]): void {
    readerOut.replaceChildren();
    let count = 0;
    const walk = (node: DatumNode, depth: number) => {
      if (++count > MAX_TREE_NODES) return;
      const row = element("div", readerOut, { className: "datum-row" });
      const label = node.children.length > 0 ? `(${node.kind})` : node.text;
      row.append("  ".repeat(depth));
      element("span", row, { textContent: label });
      row.append(" ");
      if (node.children.length === 0)
        element("span", row, { className: "datum-kind", textContent: node.kind + " " });
      element("span", row, { className: "datum-loc", textContent: formatRange(node.loc) });
      if (node.loc) {
        const loc = node.loc;
        row.addEventListener("click", () => {
          editor.focus();
          editor.setSelectionRange(
            offsetOf(editor.value, loc.line, loc.col),
            offsetOf(editor.value, loc.endLine, loc.endCol),
          );
        });
      }
      for (const child of node.children) walk(child, depth + 1);
    };
    for (const node of nodes) walk(node, 0);
    if (count > MAX_TREE_NODES)
      element("div", readerOut, {
        className: "inspector-note",
        textContent: `… ${t("more", "and more")} (${count - MAX_TREE_NODES})`,
      });
  }

  /** Source with the expression at `loc` marked. */
  function showSource(loc: Loc | null): void {
    vmSource.replaceChildren();
    if (!loc || loc.file !== FILE) {
      vmSource.textContent = source;
      return;
    }
    const start = offsetOf(source, loc.line, loc.col);
    const end = offsetOf(source, loc.endLine, loc.endCol);
    vmSource.append(source.slice(0, start));
    element("mark", vmSource, { className: "current", textContent: source.slice(start, end) });
    vmSource.append(source.slice(end));
    vmSource.querySelector("mark")?.scrollIntoView({ block: "nearest" });
  }

  function showStatus(status: DebugStatus): void {
    const frames = status.state === "paused" ? session!.frames() : [];
    maxDepth = Math.max(maxDepth, frames.length);
    vmFrames.replaceChildren();
    if (status.state === "paused") {
      showSource(status.loc);
      const table = element("table", vmFrames);
      const head = element("tr", table);
      for (const h of [t("frame", "frame"), t("at", "at"), t("variables", "variables")])
        element("th", head, { textContent: h });
      frames.forEach((frame) => {
        const row = element("tr", table);
        element("td", row, { textContent: frame.name });
        element("td", row, { textContent: frame.loc ? `${frame.loc.line}:${frame.loc.col}` : "—" });
        element("td", row, {
          textContent:
            frame.variables.map((v) => `${v.name} = ${shorten(writeString(v.value))}`).join(", ") ||
            "—",
        });
      });
      vmStatus.textContent =
        `${t("step", "step")} ${steps} · ${t("depth", "frames on the stack")}: ${frames.length}` +
        ` (${t("deepest", "deepest so far")} ${maxDepth})`;
    } else {
      showSource(null);
      const what =
        status.state === "done"
          ? `${t("done", "done")} ⇒ ${status.value === undefined ? "" : shorten(writeString(status.value))}`
          : status.state === "error"
            ? `${t("error", "error")}: ${status.report}`
            : status.state === "running"
              ? t("too-long", `still running after ${RUN_BUDGET.toLocaleString("en")} steps`)
              : t("exit", "exited");
      vmStatus.textContent = `${t("step", "step")} ${steps} · ${what} · ${t("deepest", "deepest stack")} ${maxDepth}`;
    }
    vmOutput.hidden = programOutput === "";
    vmOutput.textContent = programOutput;
    const over = session === null || session.finished;
    for (const b of [stepInto, stepOver, stepOut, runEnd]) b.disabled = over;
  }

  function startSession(): void {
    steps = 0;
    maxDepth = 0;
    programOutput = "";
    try {
      session = scheme!.debug(source, FILE);
      showStatus(session.stepInto());
      steps = 1;
      showStatus(session.status);
    } catch (e) {
      session = null;
      fail(vmFrames, e);
      showSource(null);
    }
  }

  function step(action: (s: DebugSession) => DebugStatus): void {
    if (!session || session.finished) return;
    try {
      const status = action(session);
      steps++;
      showStatus(status);
    } catch (e) {
      fail(vmFrames, e);
    }
  }

  /** Every stage for the code in the editor, each from a fresh interpreter's own modules. */
  function inspect(): void {
    const started = performance.now();
    source = editor.value;
    try {
      scheme = new Interpreter({
        prelude: prelude(),
        stdout: (text) => {
          programOutput += text;
        },
      });
    } catch (e) {
      fail(readerOut, e);
      return;
    }
    try {
      showTree(readTree(source, FILE));
    } catch (e) {
      fail(readerOut, e);
    }
    try {
      expanderOut.textContent = expandForms(scheme, source, FILE)
        .map((f) => f.core)
        .join("\n\n");
    } catch (e) {
      fail(expanderOut, e);
    }
    // the expansion defined the macros in `scheme`; compile and run in a fresh one
    try {
      const compiler = new Interpreter({ prelude: prelude(), stdout: () => {} });
      const c = compiledProcedure(compiler, source, FILE);
      compilerFacts.replaceChildren();
      element("p", compilerFacts, {
        className: "inspector-note",
        textContent:
          `${c.name}: ${t("frame-size", "a frame of")} ${c.frameSize} ${t("slots", "stack slots")}` +
          ` (${t("frame-parts", "the closure, arguments, locals, temporaries")})`,
      });
      const table = element("table", compilerFacts);
      const head = element("tr", table);
      for (const h of [
        "lambda",
        t("params", "parameters"),
        t("free", "free (copied into the closure)"),
        t("boxed", "boxed (assigned)"),
      ])
        element("th", head, { textContent: h });
      for (const l of c.lambdas) {
        const row = element("tr", table);
        for (const cell of [l.name, l.params.join(" "), l.free.join(" "), l.boxed.join(" ")])
          element("td", row, { textContent: cell || "—" });
      }
      compilerOut.textContent = c.javascript;
    } catch (e) {
      compilerFacts.replaceChildren();
      fail(compilerOut, e);
    }
    startSession();
    timing.textContent = `${t("took", "inspected in")} ${Math.round(performance.now() - started)} ms`;
  }

  inspectButton.addEventListener("click", inspect);
  exampleButton.addEventListener("click", () => {
    editor.value = EXAMPLE;
    inspect();
  });
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      inspect();
    }
  });
  stepInto.addEventListener("click", () => step((s) => s.stepInto()));
  stepOver.addEventListener("click", () => step((s) => s.stepOver()));
  stepOut.addEventListener("click", () => step((s) => s.stepOut()));
  runEnd.addEventListener("click", () => step((s) => s.run(RUN_BUDGET)));
  restart.addEventListener("click", () => {
    if (scheme) startSession();
  });

  inspect();
  el.dataset.ready = "true";
};

export default inspector;
