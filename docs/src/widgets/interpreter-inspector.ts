// interpreter-inspector — chapter 13's look inside NanoLM's Scheme: the reader types code and sees
// each stage of the pipeline on it, computed by the interpreter's own modules running in the page
// (interpreter/src/inspect.ts): the datum tree with the reader's source locations, the Core the
// expander produced, what the compiler made of a procedure (closure analysis and JavaScript), and
// a stepper that runs the code under the debugger (DebugSession) one expression at a time,
// showing the frames on the VM's stack.
//
//   <div data-widget="interpreter-inspector"></div>
import type { DocsContext, Widget } from "../widget-api.ts";
import { appendElement, button, element, tableRow } from "../dom.ts";
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
  el.classList.add("inspector");
  el.replaceChildren();

  const editor = appendElement(el, "textarea", {
    value: el.dataset.source ?? EXAMPLE,
    spellcheck: false,
  });
  editor.setAttribute("aria-label", t("source", "Scheme code to inspect"));
  const bar = appendElement(el, "div", { className: "inspector-bar" });
  const inspectButton = button(t("inspect", "Inspect"));
  const exampleButton = button(t("example", "Example"));
  const timing = element("span", "inspector-note");
  bar.append(inspectButton, exampleButton, timing);

  /** One stage of the pipeline: a section under its heading. */
  const stage = (title: string): HTMLElement => {
    const section = appendElement(el, "section");
    appendElement(section, "h4", { textContent: title });
    return section;
  };

  const readerSection = stage(t("reader", "1. Reader: datums and where they came from"));
  appendElement(readerSection, "p", {
    className: "inspector-note",
    textContent: t("reader-note", "Click a row to select its range in the code."),
  });
  const readerOut = appendElement(readerSection, "pre");

  const expanderSection = stage(
    t("expander", "2. Expander: the Core language, macros and derived forms gone"),
  );
  const expanderOut = appendElement(expanderSection, "pre");

  const compilerSection = stage(
    t("compiler", "3. Compiler: the last procedure definition, as JavaScript"),
  );
  const compilerFacts = appendElement(compilerSection, "div");
  const compilerOut = appendElement(compilerSection, "pre");

  const vmSection = stage(t("vm", "4. VM: step it"));
  const vmBar = appendElement(vmSection, "div", { className: "inspector-bar" });
  const stepInto = button(t("step-into", "Step into"));
  const stepOver = button(t("step-over", "Step over"));
  const stepOut = button(t("step-out", "Step out"));
  const runEnd = button(t("run", "Run to the end"));
  const restart = button(t("restart", "Restart"));
  const vmStatus = element("span", "inspector-note");
  vmBar.append(stepInto, stepOver, stepOut, runEnd, restart, vmStatus);
  const vmSource = appendElement(vmSection, "pre");
  const vmFrames = appendElement(vmSection, "div");
  const vmOutput = appendElement(vmSection, "pre");
  vmOutput.hidden = true;

  let session: DebugSession | null = null;
  let scheme: Interpreter | null = null;
  let source = "";
  let steps = 0;
  let maxDepth = 0;
  let programOutput = "";

  function fail(target: HTMLElement, e: unknown): void {
    target.replaceChildren();
    appendElement(target, "span", { className: "inspector-error", textContent: describeError(e) });
  }

  function showTree(nodes: DatumNode[]): void {
    readerOut.replaceChildren();
    let count = 0;
    const walk = (node: DatumNode, depth: number) => {
      if (++count > MAX_TREE_NODES) return;
      const row = appendElement(readerOut, "div", { className: "datum-row" });
      const label = node.children.length > 0 ? `(${node.kind})` : node.text;
      row.append("  ".repeat(depth));
      appendElement(row, "span", { textContent: label });
      row.append(" ");
      if (node.children.length === 0)
        appendElement(row, "span", { className: "datum-kind", textContent: node.kind + " " });
      appendElement(row, "span", { className: "datum-loc", textContent: formatRange(node.loc) });
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
      appendElement(readerOut, "div", {
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
    appendElement(vmSource, "mark", {
      className: "current",
      textContent: source.slice(start, end),
    });
    vmSource.append(source.slice(end));
    vmSource.querySelector("mark")?.scrollIntoView({ block: "nearest" });
  }

  function showStatus(status: DebugStatus): void {
    const frames = status.state === "paused" ? session!.frames() : [];
    maxDepth = Math.max(maxDepth, frames.length);
    vmFrames.replaceChildren();
    if (status.state === "paused") {
      showSource(status.loc);
      appendElement(vmFrames, "table").append(
        tableRow("th", [t("frame", "frame"), t("at", "at"), t("variables", "variables")]),
        ...frames.map((frame) =>
          tableRow("td", [
            frame.name,
            frame.loc ? `${frame.loc.line}:${frame.loc.col}` : "—",
            frame.variables.map((v) => `${v.name} = ${shorten(writeString(v.value))}`).join(", ") ||
              "—",
          ]),
        ),
      );
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
      appendElement(compilerFacts, "p", {
        className: "inspector-note",
        textContent:
          `${c.name}: ${t("frame-size", "a frame of")} ${c.frameSize} ${t("slots", "stack slots")}` +
          ` (${t("frame-parts", "the closure, arguments, locals, temporaries")})`,
      });
      appendElement(compilerFacts, "table").append(
        tableRow("th", [
          "lambda",
          t("params", "parameters"),
          t("free", "free (copied into the closure)"),
          t("boxed", "boxed (assigned)"),
        ]),
        ...c.lambdas.map((l) =>
          tableRow(
            "td",
            [l.name, l.params.join(" "), l.free.join(" "), l.boxed.join(" ")].map(
              (cell) => cell || "—",
            ),
          ),
        ),
      );
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
