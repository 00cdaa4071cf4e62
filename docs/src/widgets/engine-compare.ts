// engine-compare.ts — the `engine-compare` widget of chapter 8: one prompt decoded greedily by the
// Scheme engine (scheme-lib's (nano model), in the page's interpreter) and, fed the same tokens,
// by the C engine compiled to WebAssembly and by the plain float64 forward pass the tests use as
// their oracle (engine-c/ts/reference.ts). Per step: the tokens and the largest logit differences.
//
//   <div data-widget="engine-compare" data-model="nano-pico" data-prompt="…" data-steps="12"></div>
import type { DocsContext, Widget } from "../widget-api.ts";
import type { WasmEngine } from "../../../playground/src/engines.ts";
import { readModel } from "../../../engine-c/ts/format.ts";
import { ReferenceSession } from "../../../engine-c/ts/reference.ts";
import { button, element, promptRow, showFailure, tableRow, widgetFrame } from "../dom.ts";

/** What the Scheme engine produced: the prompt's ids, then per step the logits and its token. */
interface SchemeDecode {
  promptIds: number[];
  steps: { logits: Float64Array; id: number }[];
  tokensPerSecond: number;
}

/** A Scheme string literal for `text`. */
function schemeString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Scheme source that decodes greedily and prints one line per step:
 *  `prompt ID…`, then `step ID LOGIT…` (the logits the token was chosen from), then `ms N`
 *  (milliseconds spent in forward!, for tokens per second). */
export function schemeProgram(model: string, prompt: string, steps: number): string {
  return `
(import (scheme time) (nano format) (nano tokenizer) (nano model))
(let* ((model (read-model "models/${model}.bin"))
       (session (make-session model))
       (ids (encode (make-tokenizer model) ${schemeString(prompt)}))
       (block (config-block-size (model-config model)))
       (spent 0)
       (forward (lambda (id)
                  (let* ((t0 (current-jiffy)) (logits (forward! session id)))
                    (set! spent (+ spent (- (current-jiffy) t0)))
                    logits)))
       (print-all (lambda (label xs)
                    (display label)
                    (for-each (lambda (x) (display " ") (display x)) xs)
                    (newline))))
  (print-all "prompt" ids)
  (let loop ((logits (let run ((ids ids) (last #f))
                       (if (null? ids) last (run (cdr ids) (forward (car ids))))))
             (step 0))
    (let ((next (argmax logits)))
      (print-all "step" (cons next (f32vector->list logits)))
      (when (and (< (+ step 1) ${steps}) (< (session-position session) block))
        (loop (forward next) (+ step 1)))))
  (print-all "ms" (list (* 1000.0 (/ spent (jiffies-per-second)))
                        (+ (length ids) (- ${steps} 1)))))`;
}

export function parseSchemeDecode(output: string): SchemeDecode {
  const result: SchemeDecode = { promptIds: [], steps: [], tokensPerSecond: NaN };
  for (const line of output.split("\n")) {
    const [label, ...fields] = line.trim().split(/\s+/);
    const numbers = fields.map(Number);
    if (label === "prompt") result.promptIds = numbers;
    else if (label === "step")
      result.steps.push({ id: numbers[0], logits: Float64Array.from(numbers.slice(1)) });
    else if (label === "ms") result.tokensPerSecond = (1000 * numbers[1]) / numbers[0];
  }
  if (result.steps.length === 0) throw new Error(`the Scheme engine printed no steps:\n${output}`);
  return result;
}

/** max_i |a[i] − b[i]|, NaN when the lengths differ. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** A difference as the table shows it: 0 exactly, else three significant digits. */
function formatDifference(d: number): string {
  return d === 0 ? "0" : d.toExponential(2);
}

function visible(text: string): string {
  return text.replace(/ /g, "␣").replace(/\n/g, "↵");
}

const engineCompare: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const t = ctx.t;
  const modelName = el.dataset.model ?? "nano-pico";
  const steps = Math.max(1, Math.min(64, Number(el.dataset.steps ?? 12) || 12));
  widgetFrame(el);

  const { row: form, input: promptInput } = promptRow(
    "form",
    t("compare.prompt", "Prompt"),
    el.dataset.prompt ?? "Once upon a time",
  );
  const runButton = button(t("compare.run", "Run on both engines"), "submit");
  form.append(runButton);
  const summary = element("div", "compare-summary");
  summary.dataset.role = "summary";
  const table = element("table", "widget-table compare-steps");
  table.dataset.role = "steps";
  el.append(form, summary, table);

  let wasm: WasmEngine;
  let reference: ReferenceSession;
  try {
    summary.textContent = t("compare.loading", "Loading the model into both engines…");
    const bytes = await ctx.modelBytes(modelName);
    wasm = await ctx.wasmEngine(1);
    wasm.load(bytes);
    reference = new ReferenceSession(readModel(bytes));
  } catch (e) {
    showError(e);
    return;
  }

  function showError(e: unknown) {
    el.dataset.error = "failed"; // the course's tests fail at once instead of waiting for ready
    showFailure(summary, (e as Error).message, t);
  }

  const run = async () => {
    runButton.disabled = true;
    summary.classList.remove("widget-error");
    summary.textContent = t(
      "compare.running",
      "Decoding {steps} tokens on the Scheme engine (in this page's interpreter)…",
    ).replace("{steps}", String(steps));
    try {
      const prompt = promptInput.value;
      const ran = await ctx.runScheme(schemeProgram(modelName, prompt, steps));
      if (ran.error) throw new Error(ran.error);
      const scheme = parseSchemeDecode(ran.output);

      // The WebAssembly engine and the float64 reference, fed the Scheme engine's tokens.
      const wasmIds = wasm.encode(prompt);
      const sameIds = wasmIds.join(" ") === scheme.promptIds.join(" ");
      const t0 = performance.now();
      let wasmLogits: Float32Array = await wasm.start(scheme.promptIds, null);
      let wasmMs = performance.now() - t0;
      reference.reset();
      let referenceLogits: Float64Array = new Float64Array(0);
      for (const id of scheme.promptIds) referenceLogits = reference.step(id);

      const rows: HTMLElement[] = [
        tableRow("th", [
          t("compare.step", "step"),
          t("compare.schemeToken", "Scheme engine"),
          t("compare.wasmToken", "WebAssembly engine"),
          t("compare.schemeWasm", "max |Δlogit| Scheme–WASM"),
          t("compare.wasmReference", "max |Δlogit| WASM–float64"),
        ]),
      ];
      let worstEngines = 0;
      let worstReference = 0;
      let agreeing = 0;
      scheme.steps.forEach((step, i) => {
        const wasmId = argmax(wasmLogits);
        const engines = maxDifference(step.logits, wasmLogits);
        const toReference = maxDifference(wasmLogits, referenceLogits);
        worstEngines = Math.max(worstEngines, engines);
        worstReference = Math.max(worstReference, toReference);
        if (wasmId === step.id) agreeing++;
        const row = tableRow("td", [
          String(i),
          visible(wasm.tokenText(step.id)),
          visible(wasm.tokenText(wasmId)),
          formatDifference(engines),
          formatDifference(toReference),
        ]);
        row.dataset.difference = String(engines);
        rows.push(row);
        if (i + 1 < scheme.steps.length) {
          const s0 = performance.now();
          wasmLogits = wasm.push(step.id, null);
          wasmMs += performance.now() - s0;
          referenceLogits = reference.step(step.id);
        }
      });
      table.replaceChildren(...rows);
      const wasmTokens = scheme.promptIds.length + scheme.steps.length - 1;
      summary.textContent = t(
        "compare.summary",
        "{steps} steps: the same token at {agree} of them. Largest logit difference Scheme–WASM: " +
          "{engines}; WASM–float64 reference: {reference}. Scheme engine {schemeRate} tok/s, " +
          "WebAssembly engine {wasmRate} tok/s.",
      )
        .replace("{steps}", String(scheme.steps.length))
        .replace("{agree}", String(agreeing))
        .replace("{engines}", formatDifference(worstEngines))
        .replace("{reference}", formatDifference(worstReference))
        .replace("{schemeRate}", scheme.tokensPerSecond.toFixed(0))
        .replace("{wasmRate}", ((1000 * wasmTokens) / Math.max(wasmMs, 1e-3)).toFixed(0));
      if (!sameIds)
        summary.textContent += ` ${t("compare.idsDiffer", "(The two tokenizers split the prompt differently!)")}`;
      el.dataset.maxDifference = String(worstEngines);
      el.dataset.maxReferenceDifference = String(worstReference);
      el.dataset.ready = "true";
    } catch (e) {
      showError(e);
    } finally {
      runButton.disabled = false;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run();
  });
  await run();
};

export default engineCompare;
