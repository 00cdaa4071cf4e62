// tokenizer-playground.ts — the `tokenizer-playground` widget of chapter 2: a text box whose
// contents are encoded, as the reader types, by the Scheme engine's own tokenizer ((nano tokenizer)
// in the page's worker), and drawn as tokens with visible boundaries and their ids.
//
//   <div data-widget="tokenizer-playground" data-model="nano-pico" data-text="Once upon a time"></div>
//
// Optional labels (a translated chapter sets them): data-label (the box's label) and data-summary
// ("{chars} characters → {tokens} tokens, {unknown} unknown").
import type { DocsContext, Widget } from "../widget-api.ts";
import { element, showFailure, widgetFrame } from "../dom.ts";

/** Wait this long after the last keystroke before encoding, so typing stays smooth. */
const TYPING_PAUSE_MS = 150;

/** The name the widget's tokenizer has in the page's Scheme environment (not a reader's name). */
const TOKENIZER_NAME = "%tokenizer-playground";

/** A JavaScript string as a Scheme string literal. */
export function schemeString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

/** The Scheme that encodes `text`, draws its tokens and returns (tokens unknown). */
export function encodeSource(text: string): string {
  return `(let ((ids (encode ${TOKENIZER_NAME} ${schemeString(text)})))
  (show-tokens (map (lambda (id) (cons (token-text ${TOKENIZER_NAME} id) id)) ids))
  (list (length ids) (length (filter (lambda (id) (= id token-unknown)) ids))))`;
}

const tokenizerPlayground: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const t = ctx.t;
  const modelName = el.dataset.model ?? "nano-pico";
  const summaryTemplate =
    el.dataset.summary ??
    t("tokenizer.summary", "{chars} characters → {tokens} tokens, {unknown} of them <|unknown|>");
  widgetFrame(el);

  const label = element(
    "label",
    "tokenizer-label",
    el.dataset.label ?? t("tokenizer.label", "Type some text:"),
  );
  const input = element("textarea", "tokenizer-text");
  input.rows = 2;
  input.value = el.dataset.text ?? "Once upon a time";
  input.spellcheck = false;
  input.dataset.role = "text";
  label.append(input);
  const picture = element("div", "tokenizer-tokens");
  picture.dataset.role = "tokens";
  const status = element("div", "widget-note tokenizer-status");
  status.dataset.role = "status";
  status.textContent = t("tokenizer.loading", "Loading the tokenizer…");
  el.append(label, picture, status);

  const showError = (message: string) => showFailure(status, message, t);

  // The tokenizer lives in the page's environment under a name of its own; after a Stop (which
  // empties the environment) it is made again on the next keystroke.
  const makeTokenizer = async (): Promise<string | null> => {
    ctx.scheme.addFile(`models/${modelName}.bin`, await ctx.modelBytes(modelName));
    const made = await ctx.runScheme(
      `(import (nano format) (nano tokenizer) (nanolm extras))
(define ${TOKENIZER_NAME} (make-tokenizer (read-model "models/${modelName}.bin")))`,
    );
    return made.error;
  };

  let running = false;
  let pending = false;
  const encode = async (): Promise<void> => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      const text = input.value;
      let run = await ctx.runScheme(encodeSource(text));
      if (run.error && /unbound|undefined/i.test(run.error)) {
        const failed = await makeTokenizer();
        if (failed) return showError(failed);
        run = await ctx.runScheme(encodeSource(text));
      }
      if (run.error) return showError(run.error);
      const figure = run.figures[0];
      if (figure) ctx.renderFigure(picture, figure);
      const [tokens, unknown] = (/^\((\d+) (\d+)\)$/.exec(run.value ?? "") ?? [])
        .slice(1)
        .map(Number);
      status.classList.remove("widget-error");
      status.textContent = summaryTemplate
        .replace("{chars}", String([...text].length))
        .replace("{tokens}", String(tokens ?? "?"))
        .replace("{unknown}", String(unknown ?? "?"));
      el.dataset.ready = "true";
    } catch (e) {
      showError((e as Error).message);
    } finally {
      running = false;
      if (pending) {
        pending = false;
        void encode();
      }
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void encode(), TYPING_PAUSE_MS);
  });

  try {
    const failed = await makeTokenizer();
    if (failed) return showError(failed);
  } catch (e) {
    return showError((e as Error).message);
  }
  await encode();
};

export default tokenizerPlayground;
