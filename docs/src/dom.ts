// dom.ts — the small DOM builders the course's widgets (docs/src/widgets/*.ts) share; how the
// pieces look is in style.css, under "widgets". It lives outside widgets/ because every file there
// is registered as a widget by its name.
import type { DocsContext } from "./widget-api.ts";

/** A new element with a class (or several, space-separated) and text, when given. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A new element with `props` set, appended to `parent`: for building a tree from the top down. */
export function appendElement<K extends keyof HTMLElementTagNameMap>(
  parent: HTMLElement,
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  parent.append(e);
  return e;
}

/** Empty a widget's element (its "Loading…" line) and draw the bordered box of a widget that lays
 *  out its own rows (style.css: .widget-frame). */
export function widgetFrame(el: HTMLElement): void {
  el.replaceChildren();
  el.classList.add("widget-frame");
}

/** A button; "button" (not the HTML default "submit") unless it is meant to submit a form. */
export function button(text: string, type: "button" | "submit" = "button"): HTMLButtonElement {
  const b = element("button", "", text);
  b.type = type;
  return b;
}

/** A line with a prompt box: its name, then a text box taking the rest of the line (`label` also
 *  names the box for screen readers). A "form" row lets Enter submit it. */
export function promptRow<K extends "form" | "label">(
  tag: K,
  label: string,
  value: string,
): { row: HTMLElementTagNameMap[K]; input: HTMLInputElement } {
  const row = element(tag, "widget-row");
  const input = element("input", "widget-prompt");
  input.type = "text";
  input.value = value;
  input.setAttribute("aria-label", label);
  row.append(element("span", "widget-prompt-name", label), input);
  return { row, input };
}

/** A table row of header ("th") or data ("td") cells holding `cells` as text. */
export function tableRow(cell: "th" | "td", cells: readonly string[]): HTMLTableRowElement {
  const row = element("tr");
  for (const text of cells) row.append(element(cell, "", text));
  return row;
}

/** A range slider in a `<label class="widget-slider">`: its name, the slider, and its value as
 *  `format` writes it, which follows the slider as it moves. */
export function slider(
  label: string,
  range: { min: number; max: number; step: number; value: number },
  format: (value: number) => string = String,
): { row: HTMLLabelElement; input: HTMLInputElement } {
  const row = element("label", "widget-slider");
  const input = element("input");
  input.type = "range";
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(range.step);
  input.value = String(range.value);
  input.setAttribute("aria-label", label);
  const shown = element("output");
  const refresh = () => {
    shown.textContent = format(Number(input.value));
  };
  refresh();
  input.addEventListener("input", refresh);
  row.append(element("span", "", label), input, shown);
  return { row, input };
}

/** Say in a widget's status line that something failed, in the error colour (.widget-error); the
 *  colour stays until the caller removes the class. */
export function showFailure(status: HTMLElement, message: string, t: DocsContext["t"]): void {
  status.textContent = `${t("widget.error", "Error")}: ${message}`;
  status.classList.add("widget-error");
}
