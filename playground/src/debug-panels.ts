/// <reference lib="dom" />
// The debugger's panels: the call stack (click a frame to see its variables), the variables
// (numeric vectors drawn as sparklines or heatmaps, long lists folded), the console (program
// output, errors that jump to their line) and the REPL input with its history.

import type { FrameInfo, Loc, Preview } from "./protocol.ts";
import { createVectorPlot, extent } from "./sparkline.ts";

export interface DebugPanelElements {
  callstack: HTMLElement;
  variables: HTMLElement;
  console: HTMLElement;
  replInput: HTMLInputElement;
}

export interface DebugPanelCallbacks {
  /** The user picked a frame (0 = innermost): e.g. highlight its loc in the editor. */
  onSelectFrame?(index: number, frame: FrameInfo): void;
  /** Enter in the REPL input (the text is echoed to the console first). */
  onRepl?(source: string): void;
  /** A clickable error or frame location was clicked. */
  onJump?(loc: Loc): void;
}

export interface DebugPanelsApi {
  /** Shows a pause: the frames (innermost first); selects frame 0. */
  showPaused(frames: FrameInfo[]): void;
  /** The program resumed or ended: empties the stack and variables. */
  clearPaused(message?: string): void;
  selectFrame(index: number): void;
  selectedFrame(): number;
  /** Appends program output. */
  appendOutput(text: string, stream?: "stdout" | "stderr"): void;
  /** Appends an error; with a loc it is a link that jumps to the line. */
  appendError(message: string, loc?: Loc | null): void;
  /** Appends a line in the console's "info" style (run started, done in 12 ms, …). */
  appendInfo(text: string): void;
  /** Appends REPL / evaluate results. */
  appendValues(values: Preview[]): void;
  clearConsole(): void;
  /** The console's whole text. */
  consoleText(): string;
}

const STYLE_ID = "nanolm-debug-panels-style";
const STYLE = `
.callstack .frame { display: flex; justify-content: space-between; gap: 8px; padding: 3px 8px; cursor: pointer;
  border-radius: 4px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.callstack .frame:hover { background: var(--token-a); }
.callstack .frame.selected { background: var(--accent); color: var(--accent-text); }
.callstack .frame .frame-loc { color: var(--text-dim); white-space: nowrap; }
.callstack .frame.selected .frame-loc { color: inherit; opacity: .8; }
.debug-empty { color: var(--text-dim); font-size: 12px; padding: 4px 8px; font-style: italic; }
.variables { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.variables .variable, .variables .variable-item { display: grid; grid-template-columns: minmax(60px, max-content) 1fr;
  gap: 2px 10px; padding: 2px 8px; align-items: start; border-bottom: 1px solid var(--border); }
.variables .variable-item { border-bottom: none; padding: 1px 0 1px 14px; }
.variables .name { color: var(--accent); white-space: nowrap; }
.variables .value { color: var(--text); min-width: 0; overflow-wrap: anywhere; }
.variables .value-text { white-space: pre-wrap; }
.variables .value-meta { color: var(--text-dim); margin-left: 6px; }
.variables .value-plot { display: block; margin-top: 3px; }
.variables .value-plot canvas { display: block; border-radius: 3px; background: var(--bg-input); border: 1px solid var(--border); }
.variables .expander { cursor: pointer; user-select: none; color: var(--text-dim); display: inline-block; width: 12px; }
.variables .children { grid-column: 1 / -1; }
.variables .children[hidden] { display: none; }
.variables .more { color: var(--text-dim); padding-left: 14px; font-style: italic; }
.console .out-stdout { color: var(--text); }
.console .out-stderr { color: var(--danger); }
.console .out-info { color: var(--text-dim); font-style: italic; }
.console .out-echo { color: var(--accent); }
.console .out-value { color: var(--ok); }
.console .out-error { color: var(--danger); display: block; }
.console a.error-link { color: var(--danger); text-decoration: underline; cursor: pointer; }
`;

function injectStyle(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLE;
  document.head.appendChild(style);
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function shortFile(file: string): string {
  return file.replace(/^.*\//, "");
}

function formatLoc(loc: Loc): string {
  return `${shortFile(loc.file)}:${loc.line}:${loc.col}`;
}

/** Lists and vectors longer than this start folded. */
const FOLD_AT = 8;

/** The `.value` contents for a preview: the printed text, a plot for numeric vectors, an
 *  expander over the items of lists, vectors and records. */
export function renderValue(preview: Preview): HTMLElement {
  const value = el("span", "value");
  value.dataset.kind = preview.kind;
  const text = el("span", "value-text", preview.text);
  const children = childrenOf(preview);
  if (children.length > 0) {
    const expander = el("span", "expander", "▸");
    expander.setAttribute("role", "button");
    expander.title = "Show the elements";
    const box = el("div", "children");
    const folded = (preview.length ?? children.length) > FOLD_AT || preview.kind === "record";
    let filled = false;
    const fill = () => {
      if (filled) return;
      filled = true;
      for (const [name, child] of children)
        box.appendChild(renderRow(name, child, "variable-item"));
      const shown = children.length;
      const total = preview.kind === "record" ? shown : (preview.length ?? shown);
      if (total > shown) box.appendChild(el("div", "more", `… ${total - shown} more`));
    };
    const setOpen = (open: boolean) => {
      if (open) fill();
      box.hidden = !open;
      expander.textContent = open ? "▾" : "▸";
    };
    setOpen(!folded);
    expander.addEventListener("click", () => setOpen(box.hidden));
    value.append(expander, text);
    if (preview.length !== undefined && preview.kind !== "string")
      value.appendChild(el("span", "value-meta", `${preview.length} items`));
    value.appendChild(box);
    return value;
  }
  value.appendChild(text);
  if (preview.kind === "numeric-vector" && preview.numbers && preview.numbers.length > 1) {
    const numbers = preview.numbers;
    const { min, max } = extent(numbers);
    const total = preview.length ?? numbers.length;
    const meta = `${preview.elementType ?? "vector"}[${total}] min ${fmt(min)} max ${fmt(max)}`;
    value.appendChild(
      el("span", "value-meta", total > numbers.length ? `${meta} (first ${numbers.length})` : meta),
    );
    const plot = el("span", "value-plot");
    plot.appendChild(createVectorPlot(numbers));
    value.appendChild(plot);
  } else if (preview.kind === "string" && preview.length !== undefined && preview.length > 60) {
    value.appendChild(el("span", "value-meta", `${preview.length} chars`));
  }
  return value;
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(3);
}

function childrenOf(preview: Preview): [string, Preview][] {
  if (preview.kind === "record" && preview.fields)
    return preview.fields.map((f) => [f.name, f.value]);
  if (
    (preview.kind === "list" || preview.kind === "vector") &&
    preview.items &&
    preview.items.length > 0
  )
    return preview.items.map((item, i) => [String(i), item]);
  return [];
}

function renderRow(name: string, preview: Preview, className: string): HTMLElement {
  const row = el("div", className);
  row.appendChild(el("span", "name", name));
  row.appendChild(renderValue(preview));
  return row;
}

export function initDebugPanels(
  elements: DebugPanelElements,
  callbacks: DebugPanelCallbacks = {},
): DebugPanelsApi {
  injectStyle();
  const { callstack, variables, console: out, replInput } = elements;
  let frames: FrameInfo[] = [];
  let selected = 0;

  function empty(target: HTMLElement, message: string): void {
    target.replaceChildren(el("div", "debug-empty", message));
  }

  function renderVariables(): void {
    const frame = frames[selected];
    if (!frame) return empty(variables, "Not paused");
    if (frame.variables.length === 0) return empty(variables, "No local variables");
    variables.replaceChildren(
      ...frame.variables.map((v) => renderRow(v.name, v.value, "variable")),
    );
  }

  function renderStack(): void {
    if (frames.length === 0) return empty(callstack, "Not paused");
    callstack.replaceChildren(
      ...frames.map((frame, i) => {
        const row = el("div", `frame${i === selected ? " selected" : ""}`);
        row.setAttribute("role", "button");
        row.dataset.index = String(i);
        row.appendChild(el("span", "frame-name", frame.name || "(anonymous)"));
        if (frame.loc) row.appendChild(el("span", "frame-loc", formatLoc(frame.loc)));
        row.title = frame.loc ? `${frame.loc.file}:${frame.loc.line}:${frame.loc.col}` : "";
        row.addEventListener("click", () => api.selectFrame(i));
        return row;
      }),
    );
  }

  const autoscroll = () => {
    out.scrollTop = out.scrollHeight;
  };

  /** Appends text to the console, merging with the last span of the same class. */
  function append(text: string, className: string): void {
    if (!text) return;
    const last = out.lastChild;
    if (last instanceof HTMLSpanElement && last.className === className) last.textContent += text;
    else out.appendChild(el("span", className, text));
    autoscroll();
  }

  /** Makes sure the console ends with a newline before a block line. */
  function newlineIfNeeded(): void {
    const text = out.textContent ?? "";
    if (text.length > 0 && !text.endsWith("\n")) out.appendChild(document.createTextNode("\n"));
  }

  // ---- REPL input with history ---------------------------------------------------------------
  const history: string[] = [];
  let historyIndex = 0;
  let draft = "";
  replInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      const source = replInput.value;
      if (!source.trim()) return;
      if (history[history.length - 1] !== source) history.push(source);
      historyIndex = history.length;
      draft = "";
      replInput.value = "";
      newlineIfNeeded();
      append(`λ> ${source}\n`, "out-echo");
      callbacks.onRepl?.(source);
    } else if (e.key === "ArrowUp") {
      if (historyIndex === 0) return;
      e.preventDefault();
      if (historyIndex === history.length) draft = replInput.value;
      historyIndex--;
      replInput.value = history[historyIndex];
    } else if (e.key === "ArrowDown") {
      if (historyIndex >= history.length) return;
      e.preventDefault();
      historyIndex++;
      replInput.value = historyIndex === history.length ? draft : history[historyIndex];
    }
  });

  const api: DebugPanelsApi = {
    showPaused(newFrames) {
      frames = newFrames;
      selected = 0;
      renderStack();
      renderVariables();
    },
    clearPaused(message = "Not paused") {
      frames = [];
      selected = 0;
      empty(callstack, message);
      empty(variables, message);
    },
    selectFrame(index) {
      if (index < 0 || index >= frames.length) return;
      selected = index;
      renderStack();
      renderVariables();
      callbacks.onSelectFrame?.(index, frames[index]);
    },
    selectedFrame: () => selected,
    appendOutput(text, stream = "stdout") {
      append(text, stream === "stderr" ? "out-stderr" : "out-stdout");
    },
    appendError(message, loc) {
      newlineIfNeeded();
      const line = el("span", "out-error");
      if (loc) {
        const link = el("a", "error-link", formatLoc(loc));
        link.href = "#";
        link.title = "Go to the error";
        link.addEventListener("click", (e) => {
          e.preventDefault();
          callbacks.onJump?.(loc);
        });
        line.append(link, document.createTextNode(": "));
      }
      line.appendChild(document.createTextNode(message.endsWith("\n") ? message : `${message}\n`));
      out.appendChild(line);
      autoscroll();
    },
    appendInfo(text) {
      newlineIfNeeded();
      append(text.endsWith("\n") ? text : `${text}\n`, "out-info");
    },
    appendValues(values) {
      newlineIfNeeded();
      for (const v of values) {
        if (v.kind === "unspecified") continue;
        append(`${v.text}\n`, "out-value");
      }
    },
    clearConsole() {
      out.replaceChildren();
    },
    consoleText: () => out.textContent ?? "",
  };
  api.clearPaused();
  return api;
}
