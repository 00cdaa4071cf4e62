/// <reference lib="dom" />
// The program editor: Monaco with the Scheme mode, a tab for the user's program and one per
// scheme-lib source (editable; "reset" restores them), breakpoints in the gutter, the paused
// expression highlighted, errors marked, theme switch and the debugger's keyboard shortcuts.

import * as monaco from "monaco-editor/editor";
// Only the editor features the playground uses (the full editor.main registers ~80 languages).
import "monaco-editor/features/codicon/register";
import "monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching";
import "monaco-editor/editor/contrib/caretOperations/browser/caretOperations";
import "monaco-editor/editor/contrib/clipboard/browser/clipboard";
import "monaco-editor/editor/contrib/comment/browser/comment";
import "monaco-editor/editor/contrib/contextmenu/browser/contextmenu";
import "monaco-editor/editor/contrib/cursorUndo/browser/cursorUndo";
import "monaco-editor/features/find/register";
import "monaco-editor/editor/contrib/folding/browser/folding";
import "monaco-editor/editor/contrib/hover/browser/hoverContribution";
import "monaco-editor/editor/contrib/gotoError/browser/gotoError";
import "monaco-editor/editor/contrib/linesOperations/browser/linesOperations";
import "monaco-editor/editor/contrib/multicursor/browser/multicursor";
import "monaco-editor/editor/contrib/smartSelect/browser/smartSelect";
import "monaco-editor/editor/contrib/snippet/browser/snippetController2";
import "monaco-editor/editor/contrib/suggest/browser/suggestController";
import "monaco-editor/editor/contrib/wordHighlighter/browser/wordHighlighter";
import "monaco-editor/editor/contrib/wordOperations/browser/wordOperations";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import type { Loc } from "./protocol.ts";
import {
  SCHEME_LANGUAGE_ID,
  computeIndent,
  registerSchemeLanguage,
  setLibrarySources,
  defineSchemeThemes,
} from "./scheme-language.ts";

export type Theme = "dark" | "light";

export interface EditorOptions {
  /** The program tab's initial text (the ready example). */
  program: string;
  /** The program's file name, as sent to the worker (default "program.scm"). */
  programName?: string;
  /** scheme-lib sources, path (like "nano/model.sld") → text; shown as tabs, editable. */
  libraries?: Record<string, string> | Map<string, string>;
  theme?: Theme;
  /** How the interpreter names library files: breakpoints of the tab "nano/model.sld" are
   *  reported for `${libraryPrefix}nano/model.sld` (default "scheme-lib/"). */
  libraryPrefix?: string;
  /** A file's text changed (the program or a library: send set-file for libraries). */
  onChange?(path: string, text: string, isProgram: boolean): void;
  /** "Reset" restored every library to its original text (send reset-files). */
  onResetLibraries?(): void;
  /** A file's breakpoints changed (send set-breakpoints while debugging); `file` as in
   *  breakpoints(). */
  onBreakpointsChange?(file: string, lines: number[]): void;
  /** Keyboard shortcuts (work anywhere on the page). */
  keys?: {
    /** F5: continue, or start debugging when nothing runs. */
    continue?(): void;
    /** F10 */
    stepOver?(): void;
    /** F11 */
    stepInto?(): void;
    /** Shift+F11 */
    stepOut?(): void;
    /** Ctrl/Cmd+Enter */
    run?(): void;
  };
}

export interface EditorApi {
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  readonly programName: string;
  getProgram(): string;
  setProgram(text: string): void;
  /** The text of a tab (program or library path). */
  getFile(path: string): string | undefined;
  /** Library paths → current texts. */
  libraries(): Map<string, string>;
  /** Library paths whose text differs from the original. */
  modifiedLibraries(): string[];
  resetLibraries(): void;
  /** The open tab's path. */
  activeFile(): string;
  showFile(path: string): void;
  /** Breakpoints of every file (as the worker's debug message wants them; library files carry
   *  the libraryPrefix, like "scheme-lib/nano/model.sld"). */
  breakpoints(): { file: string; lines: number[] }[];
  toggleBreakpoint(line: number, file?: string): void;
  /** Highlights the paused expression (switching to its tab and revealing it); null clears. */
  highlight(loc: Loc | null): void;
  clearHighlight(): void;
  /** The paused expression's line, or null. */
  currentLine(): number | null;
  /** Marks an error at `loc` and jumps there. */
  showError(loc: Loc | null, message: string): void;
  clearErrors(): void;
  /** Moves the cursor to `loc` (switching tabs), without marking anything. */
  reveal(loc: Loc): void;
  setTheme(theme: Theme): void;
  layout(): void;
  dispose(): void;
}

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

const STYLE_ID = "nanolm-editor-style";
const STYLE = `
.tabs { display: flex; gap: 2px; overflow-x: auto; align-items: stretch; min-width: 0; }
.tabs .tab { display: inline-flex; align-items: center; gap: 4px; padding: 4px 10px; border: 1px solid transparent;
  border-bottom: none; border-radius: 6px 6px 0 0; background: transparent; color: var(--text-dim);
  font: inherit; font-size: 12px; cursor: pointer; white-space: nowrap; }
.tabs .tab:hover { color: var(--text); background: var(--bg-panel); }
.tabs .tab.active { color: var(--text); background: var(--bg-input); border-color: var(--border); }
.tabs .tab .tab-dot { color: var(--warn); font-size: 10px; }
.tabs .tab.library { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.tabs .tab-sep { width: 1px; margin: 4px 4px; background: var(--border); flex: none; }
.tabs .tab-reset { border: none; background: transparent; color: var(--accent); cursor: pointer; font: inherit;
  font-size: 12px; padding: 4px 8px; white-space: nowrap; }
.tabs .tab-reset[hidden] { display: none; }
.breakpoint-glyph { cursor: pointer; }
.breakpoint-glyph::before { content: ""; display: block; width: 10px; height: 10px; margin: 4px auto 0;
  border-radius: 50%; background: #e5484d; box-shadow: 0 0 0 1px rgba(0,0,0,.25); }
.breakpoint-hover-glyph { cursor: pointer; }
.breakpoint-hover-glyph::before { content: ""; display: block; width: 10px; height: 10px; margin: 4px auto 0;
  border-radius: 50%; background: rgba(229, 72, 77, .35); }
.current-expression { background: rgba(255, 200, 40, .30); box-shadow: inset 0 0 0 1px rgba(255, 190, 30, .8); border-radius: 3px; }
.current-expression-line { background: rgba(255, 200, 40, .08); }
.current-expression-glyph::after { content: "➜"; display: block; color: #f2b84b; font-size: 13px; line-height: 18px; text-align: center; }
.error-line { background: rgba(229, 72, 77, .12); }
.error-glyph::before { content: "✕"; display: block; color: #e5484d; font-size: 12px; line-height: 18px; text-align: center; }
`;

let themesDefined = false;
function defineThemes(): void {
  if (themesDefined) return;
  themesDefined = true;
  defineSchemeThemes(monaco);
}

const themeName = (theme: Theme | undefined) =>
  theme === "light" ? "nanolm-light" : "nanolm-dark";

function injectStyle(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLE;
  document.head.appendChild(style);
}

/** Does the interpreter's file name `file` name the tab `path`? ("/scheme-lib/nano/model.sld"
 *  and "nano/model.sld" do.) */
function sameFile(file: string, path: string): boolean {
  if (file === path) return true;
  const a = file.replace(/\\/g, "/");
  return a.endsWith(`/${path}`) || path.endsWith(`/${a}`);
}

export function initEditor(
  container: HTMLElement,
  tabsContainer: HTMLElement,
  opts: EditorOptions,
): EditorApi {
  injectStyle();
  if (!window.MonacoEnvironment) {
    window.MonacoEnvironment = { getWorker: () => new EditorWorker() };
  }
  registerSchemeLanguage(monaco);
  defineThemes();

  const programName = opts.programName ?? "program.scm";
  const libraryPrefix = opts.libraryPrefix ?? "scheme-lib/";
  /** The interpreter's name for a tab's file. */
  const fileName = (path: string) => (path === programName ? path : `${libraryPrefix}${path}`);
  const originals = new Map<string, string>(
    opts.libraries instanceof Map ? opts.libraries : Object.entries(opts.libraries ?? {}),
  );
  const paths = [programName, ...[...originals.keys()].sort()];
  const models = new Map<string, monaco.editor.ITextModel>();
  for (const path of paths) {
    const text = path === programName ? opts.program : (originals.get(path) ?? "");
    const uri = monaco.Uri.parse(
      `file:///${path === programName ? "" : "scheme-lib/"}${path}`.replace(/\/\/\/\//, "///"),
    );
    models.set(path, monaco.editor.createModel(text, SCHEME_LANGUAGE_ID, uri));
  }
  const libraryTexts = () => {
    const out = new Map<string, string>();
    for (const path of originals.keys()) out.set(path, models.get(path)!.getValue());
    return out;
  };
  setLibrarySources(libraryTexts());

  const editor = monaco.editor.create(container, {
    model: models.get(programName)!,
    theme: themeName(opts.theme),
    automaticLayout: true,
    glyphMargin: true,
    lineNumbersMinChars: 3,
    fontSize: 13,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    tabSize: 2,
    insertSpaces: true,
    detectIndentation: false,
    bracketPairColorization: { enabled: true, independentColorPoolPerBracketType: false },
    guides: { bracketPairs: "active", indentation: false },
    matchBrackets: "always",
    autoClosingBrackets: "always",
    autoClosingQuotes: "languageDefined",
    autoIndent: "keep",
    wordBasedSuggestions: "off",
    quickSuggestions: { other: true, comments: false, strings: false },
    suggestOnTriggerCharacters: true,
    // Enter always makes a new line (Lisp-indented); Tab accepts a completion.
    acceptSuggestionOnEnter: "off",
    renderLineHighlight: "line",
    fixedOverflowWidgets: true,
    padding: { top: 6 },
  });
  const viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();
  let active = programName;

  // ---- tabs ----------------------------------------------------------------------------------
  const tabs = new Map<string, HTMLButtonElement>();
  tabsContainer.replaceChildren();
  for (const path of paths) {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = `tab${path === programName ? " program" : " library"}`;
    tab.dataset.path = path;
    tab.setAttribute("role", "tab");
    tab.title = path === programName ? "Your program" : `scheme-lib/${path} (editable)`;
    const label = document.createElement("span");
    label.textContent = path === programName ? path : path.replace(/^.*\//, "");
    const dot = document.createElement("span");
    dot.className = "tab-dot";
    tab.append(label, dot);
    tab.addEventListener("click", () => showFile(path));
    tabs.set(path, tab);
    tabsContainer.appendChild(tab);
    if (path === programName && originals.size > 0) {
      const sep = document.createElement("span");
      sep.className = "tab-sep";
      tabsContainer.appendChild(sep);
    }
  }
  const resetButton = document.createElement("button");
  resetButton.type = "button";
  resetButton.className = "tab-reset";
  resetButton.textContent = "↺ reset scheme-lib";
  resetButton.title = "Restore the original scheme-lib sources";
  resetButton.hidden = true;
  resetButton.addEventListener("click", () => resetLibraries());
  tabsContainer.appendChild(resetButton);

  function refreshTabs(): void {
    for (const [path, tab] of tabs) {
      tab.classList.toggle("active", path === active);
      tab.setAttribute("aria-selected", String(path === active));
      const modified = originals.has(path) && models.get(path)!.getValue() !== originals.get(path);
      const dot = tab.querySelector(".tab-dot") as HTMLElement;
      dot.textContent = modified ? "●" : "";
      dot.title = modified ? "modified" : "";
    }
    resetButton.hidden = modifiedLibraries().length === 0;
  }

  function showFile(path: string): void {
    const model = models.get(path);
    if (!model || path === active) return;
    viewStates.set(active, editor.saveViewState());
    active = path;
    editor.setModel(model);
    const state = viewStates.get(path);
    if (state) editor.restoreViewState(state);
    refreshTabs();
  }

  function modifiedLibraries(): string[] {
    return [...originals.keys()].filter((p) => models.get(p)!.getValue() !== originals.get(p));
  }

  function resetLibraries(): void {
    for (const [path, text] of originals) {
      const model = models.get(path)!;
      if (model.getValue() !== text) model.setValue(text);
    }
    setLibrarySources(libraryTexts());
    refreshTabs();
    opts.onResetLibraries?.();
  }

  // ---- breakpoints ---------------------------------------------------------------------------
  const breakpointLines = new Map<string, number[]>();
  const bpIds = new Map<string, string[]>();
  function setBreakpointLines(path: string, lines: number[]): void {
    const model = models.get(path);
    if (!model) return;
    const sorted = [...new Set(lines)]
      .filter((l) => l >= 1 && l <= model.getLineCount())
      .sort((a, b) => a - b);
    breakpointLines.set(path, sorted);
    const decorations = sorted.map((line) => ({
      range: new monaco.Range(line, 1, line, 1),
      options: {
        glyphMarginClassName: "breakpoint-glyph",
        glyphMarginHoverMessage: { value: "Breakpoint (click to remove)" },
        stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
      },
    }));
    bpIds.set(path, model.deltaDecorations(bpIds.get(path) ?? [], decorations));
    opts.onBreakpointsChange?.(fileName(path), sorted);
  }
  function toggleBreakpoint(line: number, file?: string): void {
    const path = file
      ? (paths.find((p) => p === file || sameFile(file, p)) ?? programName)
      : active;
    const lines = breakpointLines.get(path) ?? [];
    setBreakpointLines(
      path,
      lines.includes(line) ? lines.filter((l) => l !== line) : [...lines, line],
    );
  }
  /** After an edit, breakpoints move with their lines (the decorations track them). */
  function syncBreakpoints(path: string): void {
    const model = models.get(path)!;
    const ids = bpIds.get(path) ?? [];
    if (ids.length === 0) return;
    const lines = ids
      .map((id) => model.getDecorationRange(id)?.startLineNumber)
      .filter((l): l is number => l !== undefined);
    const before = breakpointLines.get(path) ?? [];
    const unique = [...new Set(lines)].sort((a, b) => a - b);
    if (unique.join() !== before.join()) setBreakpointLines(path, unique);
  }

  editor.onMouseDown((e) => {
    const t = e.target.type;
    if (
      (t === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN ||
        t === monaco.editor.MouseTargetType.GUTTER_LINE_NUMBERS) &&
      e.target.position
    ) {
      toggleBreakpoint(e.target.position.lineNumber);
    }
  });
  const hover = editor.createDecorationsCollection();
  editor.onMouseMove((e) => {
    const line = e.target.position?.lineNumber;
    if (
      e.target.type === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN &&
      line &&
      !(breakpointLines.get(active) ?? []).includes(line)
    ) {
      hover.set([
        {
          range: new monaco.Range(line, 1, line, 1),
          options: { glyphMarginClassName: "breakpoint-hover-glyph" },
        },
      ]);
    } else hover.clear();
  });
  editor.onMouseLeave(() => hover.clear());

  // ---- changes -------------------------------------------------------------------------------
  for (const [path, model] of models) {
    model.onDidChangeContent(() => {
      syncBreakpoints(path);
      if (originals.has(path)) setLibrarySources(libraryTexts());
      refreshTabs();
      opts.onChange?.(path, model.getValue(), path === programName);
    });
  }

  // ---- current expression and errors ---------------------------------------------------------
  let currentLoc: { path: string; line: number } | null = null;
  let currentIds: string[] = [];
  const errorIds = new Map<string, string[]>();

  /** The tab showing `loc`'s file; null for files without a tab (the interpreter's prelude). */
  function pathOf(loc: Loc): string | null {
    if (!loc.file) return programName;
    for (const path of paths) if (sameFile(loc.file, path)) return path;
    return null;
  }
  function rangeOf(loc: Loc, model: monaco.editor.ITextModel): monaco.Range {
    const line = Math.min(Math.max(1, loc.line), model.getLineCount());
    const endLine = Math.min(Math.max(line, loc.endLine || line), model.getLineCount());
    const endCol =
      loc.endCol && (endLine > line || loc.endCol > loc.col)
        ? loc.endCol
        : model.getLineMaxColumn(endLine);
    return new monaco.Range(line, Math.max(1, loc.col), endLine, endCol);
  }

  function clearHighlight(): void {
    if (currentLoc) {
      const model = models.get(currentLoc.path);
      if (model) currentIds = model.deltaDecorations(currentIds, []);
    }
    currentIds = [];
    currentLoc = null;
  }

  function highlight(loc: Loc | null): void {
    clearHighlight();
    if (!loc) return;
    const path = pathOf(loc);
    if (!path) return;
    showFile(path);
    const model = models.get(path)!;
    const range = rangeOf(loc, model);
    currentIds = model.deltaDecorations(
      [],
      [
        {
          range,
          options: {
            // A continuous background (an inline class would box every token separately).
            className: "current-expression",
            stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
            overviewRuler: {
              color: "rgba(255, 190, 30, .9)",
              position: monaco.editor.OverviewRulerLane.Full,
            },
          },
        },
        {
          range: new monaco.Range(range.startLineNumber, 1, range.startLineNumber, 1),
          options: {
            isWholeLine: true,
            className: "current-expression-line",
            glyphMarginClassName: "current-expression-glyph",
          },
        },
      ],
    );
    currentLoc = { path, line: range.startLineNumber };
    editor.revealRangeInCenterIfOutsideViewport(range, monaco.editor.ScrollType.Smooth);
  }

  function reveal(loc: Loc): void {
    const path = pathOf(loc);
    if (!path) return;
    showFile(path);
    const model = models.get(path)!;
    const range = rangeOf(loc, model);
    editor.setPosition({ lineNumber: range.startLineNumber, column: range.startColumn });
    editor.revealRangeInCenterIfOutsideViewport(range);
    editor.focus();
  }

  function clearErrors(): void {
    for (const [path, model] of models) {
      monaco.editor.setModelMarkers(model, "scheme", []);
      errorIds.set(path, model.deltaDecorations(errorIds.get(path) ?? [], []));
    }
  }

  function showError(loc: Loc | null, message: string): void {
    clearErrors();
    if (!loc) return;
    const path = pathOf(loc);
    if (!path) return;
    const model = models.get(path)!;
    const range = rangeOf(loc, model);
    monaco.editor.setModelMarkers(model, "scheme", [
      {
        severity: monaco.MarkerSeverity.Error,
        message,
        startLineNumber: range.startLineNumber,
        startColumn: range.startColumn,
        endLineNumber: range.endLineNumber,
        endColumn: range.endColumn,
      },
    ]);
    errorIds.set(
      path,
      model.deltaDecorations(
        [],
        [
          {
            range: new monaco.Range(range.startLineNumber, 1, range.startLineNumber, 1),
            options: {
              isWholeLine: true,
              className: "error-line",
              glyphMarginClassName: "error-glyph",
              glyphMarginHoverMessage: { value: message },
            },
          },
        ],
      ),
    );
    reveal(loc);
  }
  // An edit makes old error marks stale.
  editor.onDidChangeModelContent(() => {
    const ids = errorIds.get(active);
    if (ids && ids.length > 0) clearErrors();
  });

  // ---- Lisp indentation on Enter -------------------------------------------------------------
  editor.addCommand(
    monaco.KeyCode.Enter,
    () => {
      editor.trigger("lisp-indent", "hideSuggestWidget", {});
      const model = editor.getModel();
      const selections = editor.getSelections();
      if (!model || !selections || selections.length !== 1) {
        editor.trigger("keyboard", "type", { text: "\n" });
        return;
      }
      const sel = selections[0];
      const before = model.getValueInRange(
        new monaco.Range(1, 1, sel.startLineNumber, sel.startColumn),
      );
      const indent = computeIndent(before);
      // Drop the blanks right after the cursor: the new line starts at the indentation.
      const lineText = model.getLineContent(sel.endLineNumber);
      let end = sel.endColumn;
      while (end <= lineText.length && lineText[end - 1] === " ") end++;
      const range = new monaco.Range(sel.startLineNumber, sel.startColumn, sel.endLineNumber, end);
      // Trailing blanks left on the old line go too.
      const head = model.getLineContent(sel.startLineNumber).slice(0, sel.startColumn - 1);
      const trimmed = head.replace(/\s+$/, "");
      const start =
        trimmed.length < head.length && trimmed.length > 0
          ? new monaco.Range(
              sel.startLineNumber,
              trimmed.length + 1,
              range.endLineNumber,
              range.endColumn,
            )
          : range;
      editor.pushUndoStop();
      editor.executeEdits(
        "lisp-indent",
        [{ range: start, text: `\n${" ".repeat(indent)}`, forceMoveMarkers: true }],
        [
          new monaco.Selection(
            sel.startLineNumber + 1,
            indent + 1,
            sel.startLineNumber + 1,
            indent + 1,
          ),
        ],
      );
      editor.pushUndoStop();
    },
    "editorTextFocus && !editorReadonly",
  );

  // Reindent the current line (or the selected lines) with Tab when the cursor is in the leading
  // blanks; elsewhere Tab behaves as usual.
  editor.addAction({
    id: "scheme.reindent",
    label: "Scheme: Reindent Lines",
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyI],
    contextMenuGroupId: "1_modification",
    run: (ed) => {
      const model = ed.getModel();
      const sel = ed.getSelection();
      if (!model || !sel) return;
      ed.pushUndoStop();
      for (let line = sel.startLineNumber; line <= sel.endLineNumber; line++) {
        if (line === 1) continue;
        const text = model.getLineContent(line);
        const blanks = /^\s*/.exec(text)![0].length;
        const before = model.getValueInRange(
          new monaco.Range(1, 1, line - 1, model.getLineMaxColumn(line - 1)),
        );
        const indent = computeIndent(`${before}\n`);
        if (indent !== blanks)
          ed.executeEdits("lisp-indent", [
            { range: new monaco.Range(line, 1, line, blanks + 1), text: " ".repeat(indent) },
          ]);
      }
      ed.pushUndoStop();
    },
  });
  editor.addAction({
    id: "scheme.resetLibraries",
    label: "Scheme: Reset scheme-lib Sources",
    run: () => resetLibraries(),
  });

  // ---- keyboard shortcuts (anywhere on the page) ----------------------------------------------
  const onKey = (e: KeyboardEvent) => {
    const keys = opts.keys ?? {};
    let handler: (() => void) | undefined;
    if (e.key === "F5" && !e.shiftKey && !e.ctrlKey) handler = keys.continue;
    else if (e.key === "F10") handler = keys.stepOver;
    else if (e.key === "F11") handler = e.shiftKey ? keys.stepOut : keys.stepInto;
    else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) handler = keys.run;
    if (!handler) return;
    e.preventDefault();
    e.stopPropagation();
    handler();
  };
  window.addEventListener("keydown", onKey, true);

  // ---- theme ---------------------------------------------------------------------------------
  function setTheme(theme: Theme): void {
    monaco.editor.setTheme(themeName(theme));
  }

  const api: EditorApi = {
    editor,
    programName,
    getProgram: () => models.get(programName)!.getValue(),
    setProgram(text: string) {
      const model = models.get(programName)!;
      if (model.getValue() !== text) model.setValue(text);
      showFile(programName);
    },
    getFile: (path) => models.get(path)?.getValue(),
    libraries: libraryTexts,
    modifiedLibraries,
    resetLibraries,
    activeFile: () => active,
    showFile,
    breakpoints: () =>
      [...breakpointLines]
        .filter(([, l]) => l.length > 0)
        .map(([file, lines]) => ({ file, lines })),
    toggleBreakpoint,
    highlight,
    clearHighlight,
    currentLine: () => currentLoc?.line ?? null,
    showError,
    clearErrors,
    reveal,
    setTheme,
    layout: () => editor.layout(),
    dispose() {
      window.removeEventListener("keydown", onKey, true);
      editor.dispose();
      for (const m of models.values()) m.dispose();
    },
  };

  // Test hooks (the playwright tests drive the editor through these).
  const w = window as unknown as { nanolm?: Record<string, unknown> };
  const hooks = (w.nanolm ??= {});
  Object.assign(hooks, {
    setProgram: (text: string) => api.setProgram(text),
    getProgram: () => api.getProgram(),
    toggleBreakpoint: (line: number, file?: string) =>
      api.toggleBreakpoint(line, file ?? programName),
    currentLine: () => api.currentLine(),
    breakpoints: () => api.breakpoints(),
    activeFile: () => api.activeFile(),
  });

  refreshTabs();
  return api;
}
