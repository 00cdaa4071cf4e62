// speed.ts — the `speed` widget of chapter 12: measures, in this page, the WebAssembly engine's
// decode speed on nano-pico and on a synthetic ~21M-parameter model built here
// (engine-c/ts/synthetic.ts), at 1 thread and at 2 where the page may use threads, next to the
// engine's own memory-bandwidth probe, and draws tokens/s against the bandwidth roofline
// (tokens/s ≤ bandwidth / bytes of weights read per token).
//
//   <div data-widget="speed" data-model="nano-pico"></div>
import type { DocsContext, Widget } from "../widget-api.ts";
import { Engine } from "../../../engine-c/ts/engine.ts";
import { makeSyntheticModel, type SyntheticConfig } from "../../../engine-c/ts/synthetic.ts";
import { writeModel } from "../../../engine-c/ts/format.ts";
import { button, element, showFailure, tableRow, widgetFrame } from "../dom.ts";

/** The synthetic model: big enough (84 MB as F32) that its weights cannot stay in any CPU cache,
 *  small enough to build in a second or two. 20,978,176 parameters. */
const SYNTHETIC_SHAPE: SyntheticConfig = {
  blockSize: 256,
  vocabSize: 4096,
  nLayer: 6,
  nEmbd: 512,
  nHead: 8,
  nKvHead: 4,
  nHidden: 1536,
};
/** The bandwidth probe's buffer: far larger than the caches, quick to read. */
const PROBE_BYTES = 128 * 1024 * 1024;
const PROBE_PASSES = 3;
/** Any short prompt will do: speed does not depend on which tokens run. */
const PROMPT = [10, 11, 12, 13];

interface ModelUnderTest {
  name: string;
  bytes: Uint8Array;
  /** Timed decode steps per round (three rounds, the best kept). */
  steps: number;
}

interface Measurement {
  model: string;
  format: string;
  params: number;
  /** Weight bytes read per decoded token: every matrix (and norm) once. */
  bytesPerToken: number;
  threads: number;
  tokensPerSecond: number;
  bandwidthGBps: number;
}

/** Give the page a chance to paint between long steps. */
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Best tokens/s over three rounds of greedy decode steps after a warm-up. */
function decodeSpeed(engine: Engine, steps: number): number {
  let best = 0;
  for (let round = 0; round < 4; round++) {
    engine.reset();
    let logits = engine.prefill(PROMPT);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) logits = engine.step(argmax(logits));
    const seconds = (performance.now() - t0) / 1000;
    if (round > 0) best = Math.max(best, steps / seconds); // round 0 warms the JIT and caches
  }
  return best;
}

/** Bytes of weights one decode step reads: the parameter section minus the RoPE tables, which
 *  are only read a row at a time. */
function weightBytes(engine: Engine): number {
  const { config, paramCount } = engine.info;
  if (config.quantType === "F32") return 4 * paramCount;
  const norms = 2 * config.nLayer * config.nEmbd + config.nEmbd;
  const matrixWeights = paramCount - norms;
  return 4 * norms + matrixWeights * (1 + 4 / config.groupSize);
}

/** The log-log picture: one roofline per thread count, one point per measurement. */
function rooflineChart(measurements: Measurement[], bandwidths: Map<number, number>): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const width = 560;
  const height = 300;
  const margin = { left: 60, right: 16, top: 14, bottom: 40 };
  const xs = [1e5, 1e9]; // bytes per token
  const ys = [1, 1e6]; // tokens per second
  const x = (v: number) =>
    margin.left +
    ((Math.log10(v) - Math.log10(xs[0])) / (Math.log10(xs[1]) - Math.log10(xs[0]))) *
      (width - margin.left - margin.right);
  const y = (v: number) =>
    height -
    margin.bottom -
    ((Math.log10(v) - Math.log10(ys[0])) / (Math.log10(ys[1]) - Math.log10(ys[0]))) *
      (height - margin.top - margin.bottom);
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.classList.add("speed-chart");
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text) e.textContent = text;
    svg.append(e);
    return e;
  };
  const dim = "var(--text-dim,#5f6779)";
  for (let p = 5; p <= 9; p++) {
    add("line", {
      x1: x(10 ** p),
      x2: x(10 ** p),
      y1: y(ys[0]),
      y2: y(ys[1]),
      stroke: dim,
      "stroke-opacity": 0.25,
    });
    const label = ["100 kB", "1 MB", "10 MB", "100 MB", "1 GB"][p - 5];
    add(
      "text",
      { x: x(10 ** p), y: height - margin.bottom + 14, "text-anchor": "middle", fill: dim },
      label,
    );
  }
  for (let p = 0; p <= 6; p++) {
    add("line", {
      x1: x(xs[0]),
      x2: x(xs[1]),
      y1: y(10 ** p),
      y2: y(10 ** p),
      stroke: dim,
      "stroke-opacity": 0.25,
    });
    add(
      "text",
      { x: margin.left - 6, y: y(10 ** p) + 4, "text-anchor": "end", fill: dim },
      String(10 ** p),
    );
  }
  add(
    "text",
    { x: (margin.left + width) / 2, y: height - 6, "text-anchor": "middle", fill: dim },
    "weight bytes read per token",
  );
  add(
    "text",
    {
      x: 12,
      y: (margin.top + height - margin.bottom) / 2,
      transform: `rotate(-90 12 ${(margin.top + height - margin.bottom) / 2})`,
      "text-anchor": "middle",
      fill: dim,
    },
    "tokens / s",
  );
  const colours = ["var(--accent,#2f6fdb)", "var(--warn,#b7791f)"];
  [...bandwidths].forEach(([threads, gbps], i) => {
    // tokens/s = bandwidth / bytes: a straight line of slope −1 on log-log axes.
    const from = Math.max(xs[0], (gbps * 1e9) / ys[1]);
    const to = Math.min(xs[1], (gbps * 1e9) / ys[0]);
    add("line", {
      x1: x(from),
      y1: y((gbps * 1e9) / from),
      x2: x(to),
      y2: y((gbps * 1e9) / to),
      stroke: colours[i % 2],
      "stroke-dasharray": "5 3",
    });
    // Each line's label sits above it, the second a decade further right so they never collide.
    const labelAt = Math.max(from, 3e5 * 10 ** i);
    add(
      "text",
      { x: x(labelAt), y: y((gbps * 1e9) / labelAt) - 8, fill: colours[i % 2] },
      `roofline, ${threads} thread${threads > 1 ? "s" : ""}: ${gbps.toFixed(1)} GB/s`,
    );
  });
  // One dot per measurement, coloured by thread count and labelled "1T"/"2T" beside it; the
  // model's name once above its dots.
  const byModel = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.model} ${m.format}`;
    byModel.set(key, [...(byModel.get(key) ?? []), m]);
  }
  for (const [name, group] of byModel) {
    const top = Math.max(...group.map((m) => m.tokensPerSecond));
    for (const m of group) {
      const i = [...bandwidths.keys()].indexOf(m.threads);
      const colour = colours[Math.max(0, i) % 2];
      add("circle", { cx: x(m.bytesPerToken), cy: y(m.tokensPerSecond), r: 5, fill: colour });
      // The fastest dot's label above its centre, the others' below: close dots stay readable.
      const dy = m.tokensPerSecond === top ? -3 : 12;
      add(
        "text",
        { x: x(m.bytesPerToken) + 8, y: y(m.tokensPerSecond) + dy, fill: colour },
        `${m.threads}T`,
      );
    }
    add(
      "text",
      {
        x: x(group[0].bytesPerToken),
        y: y(top) - 12,
        "text-anchor": "middle",
        fill: "currentColor",
      },
      name,
    );
  }
  return svg;
}

const speed: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const t = ctx.t;
  const modelName = el.dataset.model ?? "nano-pico";
  widgetFrame(el);
  const environment = element("div", "widget-note");
  const controls = element("div", "widget-row speed-controls");
  const again = button(t("speed.again", "Measure again"));
  const withQ8 = element("label", "speed-option");
  const q8Box = element("input");
  q8Box.type = "checkbox";
  withQ8.append(q8Box, t("speed.q8", "also the synthetic model in Q8_0"));
  controls.append(again, withQ8);
  const status = element("div", "speed-status");
  status.dataset.role = "status";
  const chart = element("div");
  const table = element("table", "widget-table speed-measurements");
  table.dataset.role = "measurements";
  el.append(environment, controls, status, chart, table);

  const isolated = globalThis.crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency || 1;
  const threadCounts = isolated && cores >= 2 ? [1, 2] : [1];
  environment.textContent = t(
    "speed.environment",
    "This page: cross-origin isolated {isolated} (SharedArrayBuffer, hence WebAssembly threads), " +
      "{cores} logical cores; measuring at {threads} thread(s).",
  )
    .replace("{isolated}", isolated ? "yes" : "no")
    .replace("{cores}", String(cores))
    .replace("{threads}", threadCounts.join(" and "));

  let synthetic: { f32: Uint8Array; q8: Uint8Array | null } | null = null;

  const run = async () => {
    again.disabled = true;
    status.classList.remove("widget-error");
    const measurements: Measurement[] = [];
    const bandwidths = new Map<number, number>();
    const say = async (text: string) => {
      status.textContent = text;
      await nextFrame();
    };
    try {
      const models: ModelUnderTest[] = [
        { name: modelName, bytes: await ctx.modelBytes(modelName), steps: 48 },
      ];
      await say(t("speed.building", "Building the synthetic 21M-parameter model…"));
      synthetic ??= { f32: writeModel(makeSyntheticModel({ config: SYNTHETIC_SHAPE })), q8: null };
      models.push({ name: "synthetic-21M", bytes: synthetic.f32, steps: 12 });
      if (q8Box.checked) {
        synthetic.q8 ??= writeModel(makeSyntheticModel({ config: SYNTHETIC_SHAPE, quant: "q8_0" }));
        models.push({ name: "synthetic-21M", bytes: synthetic.q8, steps: 12 });
      }
      for (const threads of threadCounts) {
        await say(
          t("speed.probing", "Measuring memory bandwidth with {threads} thread(s)…").replace(
            "{threads}",
            String(threads),
          ),
        );
        // The engine itself rather than ctx.wasmEngine's playground wrapper: the wrapper records
        // attention at every step (work a speed test must not include) and has no bandwidth probe.
        const engine = await Engine.create({ threads });
        try {
          // The probe needs the engine's threads, which a loaded model's session holds.
          const gbps = engine.measureReadBandwidth(PROBE_BYTES, PROBE_PASSES);
          bandwidths.set(threads, gbps);
          for (const m of models) {
            engine.load(m.bytes);
            await say(
              t("speed.decoding", "Decoding {model} with {threads} thread(s)…")
                .replace("{model}", m.name)
                .replace("{threads}", String(threads)),
            );
            measurements.push({
              model: m.name,
              format: engine.info.config.quantType,
              params: engine.info.paramCount,
              bytesPerToken: weightBytes(engine),
              threads,
              tokensPerSecond: decodeSpeed(engine, m.steps),
              bandwidthGBps: gbps,
            });
          }
        } finally {
          engine.dispose();
        }
      }
      chart.replaceChildren(rooflineChart(measurements, bandwidths));
      drawTable(measurements);
      status.textContent = t(
        "speed.done",
        "Bandwidth {bandwidth}. The dashed lines are the most tokens/s any engine could decode " +
          "at that bandwidth: bandwidth ÷ bytes per token.",
      ).replace(
        "{bandwidth}",
        [...bandwidths].map(([n, g]) => `${g.toFixed(1)} GB/s at ${n} thread(s)`).join(", "),
      );
      const one = bandwidths.get(1);
      const two = bandwidths.get(2);
      if (one !== undefined && two !== undefined && two < one)
        status.textContent += ` ${t(
          "speed.contended",
          "Two threads read more slowly than one: another program is using the cores. " +
            "Measure again when the machine is quieter.",
        )}`;
      el.dataset.measurements = JSON.stringify(measurements);
      el.dataset.ready = "true";
    } catch (e) {
      el.dataset.error = "failed"; // the course's tests fail at once instead of waiting for ready
      showFailure(status, (e as Error).message, t);
    } finally {
      again.disabled = false;
    }
  };

  function drawTable(measurements: Measurement[]) {
    const header = tableRow("th", [
      t("speed.model", "model"),
      t("speed.params", "parameters"),
      t("speed.bytes", "MB read / token"),
      t("speed.threads", "threads"),
      t("speed.measured", "tokens/s"),
      t("speed.roofline", "roofline tokens/s"),
      t("speed.share", "% of roofline"),
    ]);
    const rows = measurements.map((m) => {
      const roofline = (m.bandwidthGBps * 1e9) / m.bytesPerToken;
      return tableRow("td", [
        `${m.model} (${m.format})`,
        `${(m.params / 1e6).toFixed(2)} M`,
        (m.bytesPerToken / 1e6).toFixed(1),
        String(m.threads),
        m.tokensPerSecond.toFixed(0),
        roofline.toFixed(0),
        // Above 100 %: the probe was slowed by other programs, or the weights sit in cache.
        `${((100 * m.tokensPerSecond) / roofline).toFixed(0)} %`,
      ]);
    });
    table.replaceChildren(header, ...rows);
  }

  again.addEventListener("click", () => void run());
  await run();
};

export default speed;
