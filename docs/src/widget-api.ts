// The interface between the course's pages and the interactive widgets chapters embed
// (`<div data-widget="NAME">` in a chapter's Markdown, implemented by docs/src/widgets/NAME.ts).
// See docs/AUTHORING.md, "Widgets".
import type { SchemeClient } from "../../playground/src/scheme-client.ts";
import type { WasmEngine } from "../../playground/src/engines.ts";
import type { Figure } from "../../playground/src/protocol.ts";

/** The outcome of running Scheme source in the page's environment, as a cell shows it. */
export interface SchemeRun {
  /** What the code wrote to the output port. */
  output: string;
  /** The written form of the last expression's value, or null when it is unspecified. */
  value: string | null;
  /** The error message, when the code raised one. */
  error: string | null;
  /** The pictures drawn with the (nanolm docs) figure procedures, in call order. */
  figures: Figure[];
}

/** What a widget is given besides its element. */
export interface DocsContext {
  /** The page's language ("en", "zh"): widgets label themselves with `t`. */
  lang: string;
  /** A UI string in the page's language (docs/src/i18n.ts), English when not translated. */
  t(key: string, fallback: string): string;
  /** The page's Scheme worker, shared with the cells (one environment per page). */
  scheme: SchemeClient;
  /** Run Scheme source in the page's environment, queued after the cells. */
  runScheme(source: string): Promise<SchemeRun>;
  /** A bundled model's bytes ("nano-pico", "sort"), fetched once per page. */
  modelBytes(name: string): Promise<Uint8Array>;
  /** A new WebAssembly engine (threads > 1 only when the page is cross-origin isolated). */
  wasmEngine(threads?: number): Promise<WasmEngine>;
  /** Draw a figure (the same renderer the cells use) into `el`, replacing what was there. */
  renderFigure(el: HTMLElement, figure: Figure): void;
}

/** A widget: draw into `el` (its `data-*` attributes are its parameters); set
 *  `el.dataset.ready = "true"` when the first real picture is drawn. */
export type Widget = (el: HTMLElement, ctx: DocsContext) => Promise<void> | void;
