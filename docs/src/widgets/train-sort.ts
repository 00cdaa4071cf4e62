// train-sort — trains the sort model in the page with NanoLM's own trainer (training/src/browser.ts:
// model.ts, optim.ts and the sort task, on TensorFlow.js), drawing the loss and the held-out
// exact-match accuracy as it goes, with a box that sorts the reader's digits with the model as it
// is right now. Chapter 9 (docs/content/en/09-training.md) embeds it: <div data-widget="train-sort">.
import type { DocsContext, Widget } from "../widget-api.ts";
import { appendElement, button, showFailure } from "../dom.ts";
import type { Figure } from "../../../playground/src/protocol.ts";
// The wasm backend's binaries, served as assets; tfjs picks the one the browser supports.
import wasmPlainUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimdUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

type TrainerModule = typeof import("../../../training/src/browser.ts");
type Trainer = InstanceType<TrainerModule["SortTrainer"]>;

/** Held-out loss and accuracy are measured every this many steps (one chart point each). */
const EVAL_EVERY = 25;
/** Milliseconds of training between two looks at the event loop (Stop, typing, redraws). */
const SLICE_MS = 60;

/** One point of the charts: measured after `step` optimizer steps. */
interface Point {
  step: number;
  /** mean training loss of the steps since the previous point (NaN for the point at step 0) */
  trainLoss: number;
  heldOutLoss: number;
  accuracy: number;
  seconds: number;
}

function choice(
  parent: HTMLElement,
  label: string,
  options: [string, number][],
  selected: number,
): HTMLSelectElement {
  const wrap = appendElement(parent, "label", { className: "train-sort-option" });
  wrap.append(label + " ");
  const select = appendElement(wrap, "select");
  for (const [text, value] of options) {
    appendElement(select, "option", {
      textContent: text,
      value: String(value),
      selected: value === selected,
    });
  }
  return select;
}

const trainSort: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const t = (key: string, fallback: string) => ctx.t(`train-sort.${key}`, fallback);
  el.classList.add("train-sort");
  el.replaceChildren();
  const status = appendElement(el, "p", {
    className: "train-sort-status",
    textContent: t("loading", "Starting TensorFlow.js…"),
  });

  let lib: TrainerModule;
  let backend: string;
  try {
    lib = await import("../../../training/src/browser.ts");
    backend = await lib.startBrowserBackend({
      "tfjs-backend-wasm.wasm": wasmPlainUrl,
      "tfjs-backend-wasm-simd.wasm": wasmSimdUrl,
      "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedUrl,
    });
  } catch (e) {
    showFailure(status, (e as Error).message, ctx.t);
    el.dataset.error = (e as Error).message;
    return;
  }
  el.dataset.backend = backend;

  const defaults = lib.BROWSER_SORT_SETTINGS;
  const controls = appendElement(el, "div", { className: "train-sort-controls" });
  const startButton = button(t("start", "Start"));
  const resetButton = button(t("reset", "Reset"));
  controls.append(startButton, resetButton);
  const lrSelect = choice(
    controls,
    t("lr", "learning rate"),
    [
      ["0.003", 3e-3],
      ["0.01", 1e-2],
      ["0.03", 3e-2],
    ],
    defaults.lr,
  );
  const batchSelect = choice(
    controls,
    t("batch", "batch"),
    [
      ["16", 16],
      ["32", 32],
      ["64", 64],
    ],
    defaults.batchSize,
  );
  const stepsSelect = choice(
    controls,
    t("steps", "steps"),
    [
      ["500", 500],
      ["1500", 1500],
      ["3000", 3000],
    ],
    defaults.maxSteps,
  );
  const facts = appendElement(el, "p", { className: "train-sort-facts" });
  const lossChart = appendElement(el, "div", { className: "train-sort-chart" });
  const accuracyChart = appendElement(el, "div", { className: "train-sort-chart" });
  const tryRow = appendElement(el, "div", { className: "train-sort-try" });
  const tryLabel = appendElement(tryRow, "label", {
    textContent: t("try", "Try it: six digits") + " ",
  });
  const tryInput = appendElement(tryLabel, "input", {
    type: "text",
    value: "531902",
    maxLength: 6,
    inputMode: "numeric",
    spellcheck: false,
  });
  tryInput.setAttribute("aria-label", t("try", "Try it: six digits"));
  const tryOutput = appendElement(tryRow, "output", { className: "train-sort-answer" });

  let trainer: Trainer | null = null;
  let points: Point[] = [];
  let running = false;
  let trainedSeconds = 0;
  let lossesSincePoint: number[] = [];

  const settings = () => ({
    ...defaults,
    lr: Number(lrSelect.value),
    minLr: Number(lrSelect.value) / 20,
    batchSize: Number(batchSelect.value),
    maxSteps: Number(stepsSelect.value),
  });

  /** Measure the model on the held-out inputs and add a chart point. */
  function measure(): void {
    const tr = trainer!;
    const trainLoss = lossesSincePoint.length
      ? lossesSincePoint.reduce((a, b) => a + b, 0) / lossesSincePoint.length
      : NaN;
    lossesSincePoint = [];
    points.push({
      step: tr.stepCount,
      trainLoss,
      heldOutLoss: tr.heldOutLoss(),
      accuracy: tr.heldOutAccuracy().accuracy,
      seconds: trainedSeconds,
    });
  }

  function draw(): void {
    const tr = trainer!;
    const last = points[points.length - 1];
    const lossFigure: Figure = {
      kind: "line",
      series: [
        { name: t("train-loss", "training loss"), values: points.map((p) => p.trainLoss) },
        { name: t("held-out-loss", "held-out loss"), values: points.map((p) => p.heldOutLoss) },
      ],
      options: {
        title: t("loss-title", "cross-entropy loss"),
        "x-label": t("x-label", `step ÷ ${EVAL_EVERY}`),
        "y-label": t("loss", "loss"),
      },
    };
    const accuracyFigure: Figure = {
      kind: "line",
      series: [
        {
          name: t("accuracy", "held-out exact match, %"),
          values: points.map((p) => 100 * p.accuracy),
        },
      ],
      options: {
        title: t("accuracy-title", "inputs sorted entirely right (of 500 never trained on)"),
        "x-label": t("x-label", `step ÷ ${EVAL_EVERY}`),
        "y-label": "%",
      },
    };
    ctx.renderFigure(lossChart, lossFigure);
    ctx.renderFigure(accuracyChart, accuracyFigure);
    const rate = trainedSeconds > 0 ? tr.stepCount / trainedSeconds : 0;
    facts.textContent =
      `${t("backend", "backend")}: ${backend} · ${tr.parameters.toLocaleString("en")} ` +
      `${t("parameters", "parameters")} · ${t("step", "step")} ${tr.stepCount} / ` +
      `${tr.settings.maxSteps} · ${trainedSeconds.toFixed(1)} s` +
      (rate > 0 ? ` (${rate.toFixed(1)} ${t("steps-per-s", "steps/s")})` : "") +
      ` · ${t("held-out-loss", "held-out loss")} ${last.heldOutLoss.toFixed(3)}` +
      ` · ${t("exact", "exact match")} ${(100 * last.accuracy).toFixed(1)}%`;
    el.dataset.step = String(tr.stepCount);
    el.dataset.loss = last.heldOutLoss.toFixed(4);
    el.dataset.accuracy = last.accuracy.toFixed(4);
    el.dataset.seconds = trainedSeconds.toFixed(1);
    sortReadersDigits();
  }

  function sortReadersDigits(): void {
    const digits = tryInput.value.trim();
    if (!/^[0-9]{6}$/.test(digits)) {
      tryOutput.textContent = t("six-digits", "type exactly six digits");
      tryOutput.className = "train-sort-answer";
      return;
    }
    const got = trainer!.sort([digits])[0];
    const right = [...digits].sort().join("");
    tryOutput.textContent = `→ ${got} ${got === right ? "✓" : `✗ (${right})`}`;
    tryOutput.className = `train-sort-answer ${got === right ? "right" : "wrong"}`;
  }

  function fresh(): void {
    trainer?.dispose();
    trainer = new lib.SortTrainer(settings());
    points = [];
    lossesSincePoint = [];
    trainedSeconds = 0;
    measure(); // the untrained model: loss ≈ ln 17, accuracy 0
    draw();
    status.textContent = t("ready", "Ready: press Start to train.");
    status.classList.remove("widget-error");
    startButton.textContent = t("start", "Start");
  }

  /** Train until Stop, Reset or the end of the schedule, in slices that leave the page alive. */
  async function train(): Promise<void> {
    const tr = trainer!;
    running = true;
    startButton.textContent = t("stop", "Stop");
    status.textContent = t("training", "Training…");
    try {
      while (running && !tr.finished) {
        let sliceStart = performance.now();
        let due = false;
        while (!due && !tr.finished && performance.now() - sliceStart < SLICE_MS) {
          lossesSincePoint.push(tr.step().loss);
          due = tr.stepCount % EVAL_EVERY === 0;
        }
        if (due || tr.finished) {
          trainedSeconds += (performance.now() - sliceStart) / 1000;
          sliceStart = performance.now();
          measure();
          draw();
        }
        trainedSeconds += (performance.now() - sliceStart) / 1000;
        // a turn for the event loop: clicks, typing and painting
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      status.textContent = tr.finished
        ? t("finished", "Finished: the schedule is done. Reset to train again.")
        : t("stopped", "Stopped. Start goes on; Reset begins again.");
    } catch (e) {
      showFailure(status, (e as Error).message, ctx.t);
    } finally {
      running = false;
      startButton.textContent = t("start", "Start");
    }
  }

  let training: Promise<void> = Promise.resolve();
  startButton.addEventListener("click", () => {
    if (running) running = false;
    else if (!trainer!.finished) training = train();
  });
  resetButton.addEventListener("click", async () => {
    running = false;
    await training; // the slice in progress ends before its trainer is disposed
    fresh();
  });
  for (const select of [lrSelect, batchSelect, stepsSelect]) {
    select.addEventListener("change", () => {
      if (!running && trainer!.stepCount === 0) fresh();
      else status.textContent = t("reset-to-apply", "Reset to train with the new settings.");
    });
  }
  tryInput.addEventListener("input", sortReadersDigits);

  try {
    fresh();
  } catch (e) {
    showFailure(status, (e as Error).message, ctx.t);
    el.dataset.error = (e as Error).message;
    return;
  }
  el.dataset.ready = "true";
  if (el.dataset.autostart === "true") training = train();
};

export default trainSort;
