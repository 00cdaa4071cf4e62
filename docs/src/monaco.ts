/// <reference lib="dom" />
// Monaco for the course's cells: small editors with the playground's Scheme mode (highlighting,
// completion, Lisp indentation on Enter), sized to their content, and colouring of the read-only
// `scheme` code blocks. Only the editor features a cell needs are loaded.
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/codicon/register";
import "monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching";
import "monaco-editor/editor/contrib/clipboard/browser/clipboard";
import "monaco-editor/editor/contrib/comment/browser/comment";
import "monaco-editor/editor/contrib/cursorUndo/browser/cursorUndo";
import "monaco-editor/editor/contrib/linesOperations/browser/linesOperations";
import "monaco-editor/editor/contrib/multicursor/browser/multicursor";
import "monaco-editor/editor/contrib/suggest/browser/suggestController";
import "monaco-editor/editor/contrib/wordOperations/browser/wordOperations";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import {
  SCHEME_LANGUAGE_ID,
  computeIndent,
  defineSchemeThemes,
  registerSchemeLanguage,
} from "../../playground/src/scheme-language.ts";

export type Theme = "dark" | "light";

const LINE_HEIGHT = 19;
const PADDING = 8;

let initialized = false;
/* The playground's Scheme mode and token colours, on the course's panel backgrounds. */
function init(): void {
  if (initialized) return;
  initialized = true;
  if (!window.MonacoEnvironment) window.MonacoEnvironment = { getWorker: () => new EditorWorker() };
  registerSchemeLanguage(monaco);
  defineSchemeThemes(monaco, { dark: "#10131a", light: "#fbfcfd" });
}

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

/** Switch every editor and coloured block to `theme`. */
export function setEditorTheme(theme: Theme): void {
  init();
  monaco.editor.setTheme(theme === "light" ? "nanolm-light" : "nanolm-dark");
}

export interface CellEditor {
  getValue(): string;
  setValue(text: string): void;
  focus(): void;
}

/** An editor for one cell in `container`, as tall as its text; `run` is Ctrl/Cmd+Enter. */
export function createCellEditor(
  container: HTMLElement,
  text: string,
  theme: Theme,
  run: () => void,
): CellEditor {
  init();
  const model = monaco.editor.createModel(text.replace(/\n$/, ""), SCHEME_LANGUAGE_ID);
  const editor = monaco.editor.create(container, {
    model,
    theme: theme === "light" ? "nanolm-light" : "nanolm-dark",
    automaticLayout: true,
    fontSize: 13,
    lineHeight: LINE_HEIGHT,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
    lineNumbers: "off",
    glyphMargin: false,
    folding: false,
    lineDecorationsWidth: 10,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    scrollbar: { vertical: "hidden", alwaysConsumeMouseWheel: false, horizontalScrollbarSize: 8 },
    overviewRulerLanes: 0,
    hideCursorInOverviewRuler: true,
    renderLineHighlight: "none",
    guides: { indentation: false, bracketPairs: false },
    tabSize: 2,
    insertSpaces: true,
    detectIndentation: false,
    matchBrackets: "always",
    autoClosingBrackets: "always",
    autoIndent: "keep",
    wordBasedSuggestions: "off",
    quickSuggestions: { other: true, comments: false, strings: false },
    acceptSuggestionOnEnter: "off",
    fixedOverflowWidgets: true,
    padding: { top: PADDING / 2, bottom: PADDING / 2 },
    ariaLabel: "Scheme cell",
  });
  const fit = () => {
    const lines = model.getLineCount();
    container.style.height = `${lines * LINE_HEIGHT + PADDING + 2}px`;
    editor.layout();
  };
  fit();
  model.onDidChangeContent(fit);
  editor.addAction({
    id: "nanolm.runCell",
    label: "Run cell",
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
    run: () => run(),
  });
  // Per-editor action (addCommand would bind the last editor's handler for every editor).
  editor.addAction({
    id: "nanolm.lispEnter",
    label: "Newline with Lisp indentation",
    keybindings: [monaco.KeyCode.Enter],
    precondition: "editorTextFocus && !editorReadonly && !suggestWidgetVisible",
    run: (ed) => {
      const selections = ed.getSelections();
      if (!selections || selections.length !== 1) {
        ed.trigger("keyboard", "type", { text: "\n" });
        return;
      }
      const sel = selections[0];
      const indent = computeIndent(
        model.getValueInRange(new monaco.Range(1, 1, sel.startLineNumber, sel.startColumn)),
      );
      ed.pushUndoStop();
      ed.executeEdits(
        "lisp-indent",
        [{ range: sel, text: `\n${" ".repeat(indent)}`, forceMoveMarkers: true }],
        [
          new monaco.Selection(
            sel.startLineNumber + 1,
            indent + 1,
            sel.startLineNumber + 1,
            indent + 1,
          ),
        ],
      );
      ed.pushUndoStop();
    },
  });
  return {
    getValue: () => model.getValue(),
    setValue: (t: string) => model.setValue(t.replace(/\n$/, "")),
    focus: () => editor.focus(),
  };
}

/** Colour the read-only Scheme code blocks (`pre.code.scheme`) with the Scheme mode. */
export async function colorizeSchemeBlocks(root: ParentNode): Promise<void> {
  init();
  for (const pre of root.querySelectorAll<HTMLElement>("pre.code.scheme")) {
    const code = pre.querySelector("code") ?? pre;
    const html = await monaco.editor.colorize(code.textContent ?? "", SCHEME_LANGUAGE_ID, {
      tabSize: 2,
    });
    code.innerHTML = html;
    pre.classList.add("colorized");
  }
}
