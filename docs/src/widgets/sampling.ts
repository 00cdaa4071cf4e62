// sampling.ts — the `sampling` widget of chapter 7: sliders for temperature, top-k, top-p and the
// repetition penalty over the live next-token distribution of a prompt the reader types. The
// logits come from the WebAssembly build of the C engine; the bars follow the sampler's steps in
// its order (engine-c/src/sampler.c: penalty → temperature → softmax → top-k → top-p → draw), and
// "Sample 20 times" draws with the engine's own seeded sampler.
//
//   <div data-widget="sampling" data-model="nano-pico" data-prompt="Lily and Tom went to the "></div>
import type { DocsContext, Widget } from "../widget-api.ts";
import type { WasmEngine } from "../../../playground/src/engines.ts";
import { button, element, promptRow, showFailure, slider, widgetFrame } from "../dom.ts";

/** Bars shown: the most probable tokens before the filters. */
const SHOWN_TOKENS = 16;
const DRAWS = 20;

/** The sampler's settings as the sliders hold them. */
interface Settings {
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
}

/** One token's place in the distribution. */
interface TokenProbability {
  id: number;
  /** After penalty, temperature and softmax: before top-k and top-p. */
  before: number;
  /** After the filters, renormalized over the kept tokens (0 for a removed one). */
  after: number;
  kept: boolean;
}

/** The repetition penalty as the C sampler applies it (float32, once per distinct id). */
export function penalize(logits: Float32Array, history: readonly number[], penalty: number) {
  const out = Float32Array.from(logits);
  const r = Math.fround(penalty);
  if (r === 1) return out;
  for (const id of new Set(history)) {
    if (id < 0 || id >= out.length) continue;
    const z = out[id];
    out[id] = z > 0 ? Math.fround(z / r) : Math.fround(z * r);
  }
  return out;
}

/** The distribution the sampler draws from, every token ranked (most probable first). The
 *  ranking ties break toward the lower id, as the C sampler's total order does. */
export function distribution(penalized: Float32Array, s: Settings): TokenProbability[] {
  const n = penalized.length;
  const before = new Float64Array(n);
  if (!(s.temperature > 0)) {
    // Greedy: all the probability on the largest logit, the lowest id among equals.
    let best = 0;
    for (let i = 1; i < n; i++) if (penalized[i] > penalized[best]) best = i;
    before[best] = 1;
  } else {
    let max = -Infinity;
    for (const z of penalized) max = Math.max(max, z / s.temperature);
    let total = 0;
    for (let i = 0; i < n; i++) total += before[i] = Math.exp(penalized[i] / s.temperature - max);
    for (let i = 0; i < n; i++) before[i] /= total;
  }
  const ranked = Array.from({ length: n }, (_, id) => id).sort(
    (a, b) => before[b] - before[a] || a - b,
  );
  let keptCount = s.topK > 0 && s.topK < n ? s.topK : n;
  if (s.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < keptCount; i++) {
      cumulative += before[ranked[i]];
      if (cumulative >= s.topP) {
        keptCount = i + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let i = 0; i < keptCount; i++) keptTotal += before[ranked[i]];
  return ranked.map((id, rank) => ({
    id,
    before: before[id],
    after: rank < keptCount ? before[id] / keptTotal : 0,
    kept: rank < keptCount,
  }));
}

/** A token's text with its invisible characters made visible. */
function visible(text: string): string {
  return text.replace(/ /g, "␣").replace(/\n/g, "↵").replace(/\t/g, "⇥");
}

const sampling: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const t = ctx.t;
  const modelName = el.dataset.model ?? "nano-pico";
  widgetFrame(el);

  const { row: prompt, input: promptInput } = promptRow(
    "label",
    t("sampling.prompt", "Prompt"),
    el.dataset.prompt ?? "Once upon a time",
  );

  const percent = (v: number) => `${(100 * v).toFixed(0)} %`;
  const off = t("sampling.off", "off");
  const temperature = slider(
    t("sampling.temperature", "Temperature"),
    { min: 0, max: 2, step: 0.05, value: 1 },
    (v) => (v === 0 ? t("sampling.greedy", "0 (greedy)") : v.toFixed(2)),
  );
  const topK = slider(t("sampling.topK", "Top-k"), { min: 0, max: 40, step: 1, value: 0 }, (v) =>
    v === 0 ? off : String(v),
  );
  const topP = slider(
    t("sampling.topP", "Top-p"),
    { min: 0.05, max: 1, step: 0.01, value: 1 },
    (v) => (v >= 1 ? off : percent(v)),
  );
  const penalty = slider(
    t("sampling.penalty", "Repetition penalty"),
    { min: 1, max: 2, step: 0.05, value: 1 },
    (v) => (v === 1 ? off : v.toFixed(2)),
  );

  const drawRow = element("div", "widget-row sampling-draw");
  const seedInput = element("input", "sampling-seed");
  seedInput.type = "number";
  seedInput.min = "0";
  seedInput.value = "42";
  seedInput.setAttribute("aria-label", t("sampling.seed", "Seed"));
  const drawButton = button(t("sampling.draw", "Sample 20 times"));
  drawButton.dataset.role = "draw";
  drawRow.append(element("span", "", t("sampling.seed", "Seed")), seedInput, drawButton);

  const status = element("div", "widget-note sampling-status");
  status.dataset.role = "status";
  const bars = element("div", "sampling-bars");
  bars.dataset.role = "bars";
  const draws = element("div", "sampling-draws");
  draws.dataset.role = "draws";

  el.append(prompt, temperature.row, topK.row, topP.row, penalty.row, drawRow, status, bars, draws);
  status.textContent = t("sampling.loading", "Loading the model into the WebAssembly engine…");

  let engine: WasmEngine;
  try {
    engine = await ctx.wasmEngine(1);
    engine.load(await ctx.modelBytes(modelName));
  } catch (e) {
    showError(e);
    return;
  }

  let promptIds: number[] = [];
  let logits: Float32Array | null = null;

  const settings = (): Settings => ({
    temperature: Number(temperature.input.value),
    topK: Number(topK.input.value),
    topP: Number(topP.input.value),
    repetitionPenalty: Number(penalty.input.value),
    seed: Math.max(0, Math.floor(Number(seedInput.value) || 0)),
  });

  /** Redraw the bars from the current logits and sliders. */
  const drawBars = () => {
    if (!logits) return;
    const s = settings();
    const ranked = distribution(penalize(logits, promptIds, s.repetitionPenalty), s);
    const kept = ranked.filter((r) => r.kept);
    const rows: HTMLElement[] = [];
    const scale = Math.max(
      ...ranked.slice(0, SHOWN_TOKENS).map((r) => Math.max(r.after, r.before)),
    );
    for (const r of ranked.slice(0, SHOWN_TOKENS)) {
      const label = element("span", "sampling-token", visible(engine.tokenText(r.id)));
      label.title = `id ${r.id}`;
      const track = element("div", "sampling-track");
      // The faint bar is the probability before the filters; the solid one what is drawn from.
      const beforeBar = element("div", "sampling-bar before");
      beforeBar.style.width = `${(100 * r.before) / scale}%`;
      const afterBar = element("div", "sampling-bar after");
      afterBar.style.width = `${(100 * r.after) / scale}%`;
      track.append(beforeBar, afterBar);
      const value = element(
        "span",
        r.kept ? "sampling-probability" : "sampling-probability removed",
        `${(100 * (r.kept ? r.after : r.before)).toFixed(1)} %`,
      );
      rows.push(label, track, value);
    }
    bars.replaceChildren(...rows);
    status.classList.remove("widget-error");
    const covered = kept.reduce((sum, r) => sum + r.before, 0);
    status.textContent = t(
      "sampling.summary",
      "{tokens} prompt tokens · {kept} of {vocab} tokens kept, {covered} of the probability · " +
        "blue: what the sampler draws from; grey: before top-k/top-p",
    )
      .replace("{tokens}", String(promptIds.length))
      .replace("{kept}", String(kept.length))
      .replace("{vocab}", String(ranked.length))
      .replace("{covered}", `${(100 * covered).toFixed(1)} %`);
    el.dataset.ready = "true";
  };

  /** Run the prompt through the engine: the logits for the token after it. */
  const runPrompt = async () => {
    const ids = engine.encode(promptInput.value);
    if (ids.length === 0) {
      status.textContent = t("sampling.empty", "Type a prompt.");
      return;
    }
    const block = engine.info.config.blockSize;
    promptIds = ids.slice(-block);
    logits = await engine.start(promptIds, null);
    draws.replaceChildren();
    drawBars();
  };

  /** Draw 20 tokens with the C engine's sampler and seed, and count them. */
  const drawTokens = () => {
    if (!logits) return;
    const s = settings();
    // The penalty is applied here exactly as the C sampler does (float32, distinct ids), so the
    // engine's sampler runs with it off and draws the same ids it would with it on.
    const penalized = penalize(logits, promptIds, s.repetitionPenalty);
    const counts = new Map<number, number>();
    for (let i = 0; i < DRAWS; i++) {
      const id = engine.sample(penalized, { ...s }, i === 0);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const title = element(
      "div",
      "sampling-draws-title",
      t("sampling.drawn", "{n} draws with seed {seed}:")
        .replace("{n}", String(DRAWS))
        .replace("{seed}", String(s.seed)),
    );
    const list = element("div", "sampling-draws-list");
    for (const [id, count] of sorted) {
      const item = element("span", "sampling-token", `${visible(engine.tokenText(id))} ×${count}`);
      item.dataset.id = String(id);
      list.append(item);
    }
    draws.replaceChildren(title, list);
  };

  let promptTimer: ReturnType<typeof setTimeout> | undefined;
  promptInput.addEventListener("input", () => {
    clearTimeout(promptTimer);
    promptTimer = setTimeout(() => void runPrompt().catch(showError), 200);
  });
  for (const s of [temperature, topK, topP, penalty])
    s.input.addEventListener("input", () => {
      drawBars();
      draws.replaceChildren();
    });
  drawButton.addEventListener("click", () => {
    try {
      drawTokens();
    } catch (e) {
      showError(e);
    }
  });

  function showError(e: unknown) {
    el.dataset.error = "failed"; // the course's tests fail at once instead of waiting for ready
    showFailure(status, (e as Error).message, t);
  }

  try {
    await runPrompt();
  } catch (e) {
    showError(e);
  }
};

export default sampling;
