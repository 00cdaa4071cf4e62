/// <reference lib="dom" />
// The course's pictures: every `Figure` the `(nanolm docs)` procedures emit (show-heatmap,
// show-bars, show-line, show-vector, show-tokens, show-arrows, show-table; docs/AUTHORING.md)
// drawn as SVG or HTML — crisp at any zoom, coloured by the page's theme through CSS classes
// (docs/src/style.css), with values shown on hover. The colour maps are the playground's.
import type { Figure, FigureOptions } from "../../playground/src/protocol.ts";
import { divergingColor, extent, sequentialColor } from "../../playground/src/sparkline.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
/** Series and arrow colours; the first is the theme's accent. */
const PALETTE = ["accent", "#e8793a", "#3fae6d", "#b35bd6", "#d1a42c", "#e5484d", "#2fb3c6"];

// ---- small helpers ----------------------------------------------------------------------------

type Attrs = Record<string, string | number>;

function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  parent?: Element,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

function htmlEl<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function svgText(parent: Element, x: number, y: number, text: string, attrs: Attrs = {}): void {
  const t = svgEl("text", { x, y, ...attrs }, parent);
  t.textContent = text;
}

/** A colour for the i-th series: the palette entry (the accent as a CSS variable). */
function seriesColor(i: number): string {
  const c = PALETTE[i % PALETTE.length];
  return c === "accent" ? "var(--accent)" : c;
}

function rgb([r, g, b]: [number, number, number]): string {
  return `rgb(${r},${g},${b})`;
}

/** A value as hover text: integers as they are, others to 4 significant digits. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** A value short enough to print inside a heatmap cell (hover shows it in full). */
function cellText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e4) return String(v);
  const a = Math.abs(v);
  const text = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  return /^-?0\.0+$/.test(text) ? "0" : text;
}

/** Round tick values ("nice numbers", Heckbert) covering [min, max] with about `count` steps. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (min === max) {
    const pad = Math.abs(min) || 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max)
    ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function optString(o: FigureOptions, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : null;
}
function optNumber(o: FigureOptions, key: string): number | null {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
function optStrings(o: FigureOptions, key: string): string[] | null {
  const v = o[key];
  return Array.isArray(v) ? v.map(String) : null;
}

// ---- hover tooltip ----------------------------------------------------------------------------

let tip: HTMLDivElement | null = null;

/** Show `text` next to the pointer (one tooltip for the page); null hides it. */
function showTip(event: MouseEvent, text: string | null): void {
  if (!tip) {
    tip = htmlEl("div", "figure-tip");
    tip.setAttribute("role", "tooltip");
    document.body.appendChild(tip);
  }
  if (text === null) {
    tip.hidden = true;
    return;
  }
  tip.hidden = false;
  tip.textContent = text;
  const pad = 14;
  const { innerWidth, innerHeight } = window;
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  const x = event.clientX + pad + w > innerWidth ? event.clientX - pad - w : event.clientX + pad;
  const y = event.clientY + pad + h > innerHeight ? event.clientY - pad - h : event.clientY + pad;
  tip.style.left = `${Math.max(0, x)}px`;
  tip.style.top = `${Math.max(0, y)}px`;
}

/** Hover text for positions in `el`: `lookup` maps (x, y) in the element's own units to text. */
function hover(el: Element, lookup: (x: number, y: number) => string | null, width: number): void {
  el.addEventListener("mousemove", (e) => {
    const event = e as MouseEvent;
    const rect = el.getBoundingClientRect();
    const scale = width / rect.width;
    showTip(event, lookup((event.clientX - rect.left) * scale, (event.clientY - rect.top) * scale));
  });
  el.addEventListener("mouseleave", (e) => showTip(e as MouseEvent, null));
}

/** An <svg> of a natural size that shrinks with narrow screens (its text scales with it). */
function chartSvg(width: number, height: number, label: string): SVGSVGElement {
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": label,
  });
  svg.classList.add("chart");
  return svg;
}

// ---- the figures ------------------------------------------------------------------------------

function heatmap(f: Extract<Figure, { kind: "heatmap" }>): Element {
  const rows = f.rows;
  const nRows = rows.length;
  const nCols = Math.max(0, ...rows.map((r) => r.length));
  const rowLabels = optStrings(f.options, "row-labels");
  const colLabels = optStrings(f.options, "col-labels");
  const all = rows.flat();
  const data = extent(all);
  const diverging = f.options.diverging === true;
  const bound = Math.max(Math.abs(data.min), Math.abs(data.max)) || 1;
  const min = optNumber(f.options, "min") ?? (diverging ? -bound : data.min);
  const max = optNumber(f.options, "max") ?? (diverging ? bound : data.max);
  const color = (v: number) => {
    if (!Number.isFinite(v)) return "rgb(255,0,255)";
    if (diverging) return rgb(divergingColor(v / (Math.max(Math.abs(min), Math.abs(max)) || 1)));
    return rgb(sequentialColor(max === min ? 0.5 : (v - min) / (max - min)));
  };
  const cell = Math.max(4, Math.min(40, Math.floor(560 / Math.max(1, nCols))));
  const charW = 6.6;
  const left = rowLabels
    ? Math.min(140, 8 + charW * Math.max(...rowLabels.map((l) => l.length)))
    : 4;
  const longestCol = colLabels ? Math.max(...colLabels.map((l) => l.length)) : 0;
  const rotateCols = colLabels !== null && longestCol * charW > cell - 2;
  const top = colLabels ? (rotateCols ? Math.min(120, 10 + longestCol * charW * 0.72) : 18) : 4;
  const legendH = 34;
  const width = left + nCols * cell + 8;
  const height = top + nRows * cell + legendH;
  const svg = chartSvg(Math.max(width, 220), height, optString(f.options, "title") ?? "heatmap");
  const showValues = cell >= 30 && nRows * nCols <= 400;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < rows[r].length; c++) {
      const v = rows[r][c];
      svgEl(
        "rect",
        { x: left + c * cell, y: top + r * cell, width: cell, height: cell, fill: color(v) },
        svg,
      );
      if (showValues) {
        const t = diverging ? Math.abs(v) / bound : (v - min) / (max - min || 1);
        svgText(svg, left + c * cell + cell / 2, top + r * cell + cell / 2 + 4, cellText(v), {
          class: diverging ? "cell-value" : t > 0.6 ? "cell-value dark" : "cell-value light",
          "text-anchor": "middle",
        });
      }
    }
  }
  rowLabels?.forEach((label, r) =>
    svgText(svg, left - 6, top + r * cell + cell / 2 + 4, label, {
      class: "tick-label mono",
      "text-anchor": "end",
    }),
  );
  colLabels?.forEach((label, c) => {
    const x = left + c * cell + cell / 2;
    if (rotateCols)
      svgText(svg, x, top - 6, label, {
        class: "tick-label mono",
        transform: `rotate(-45 ${x} ${top - 6})`,
      });
    else svgText(svg, x, top - 6, label, { class: "tick-label mono", "text-anchor": "middle" });
  });
  // Colour legend: the scale from min to max.
  const legendW = Math.min(200, Math.max(120, nCols * cell));
  const ly = top + nRows * cell + 10;
  const gradientId = `grad-${Math.random().toString(36).slice(2)}`;
  const gradient = svgEl("linearGradient", { id: gradientId }, svgEl("defs", {}, svg));
  for (let i = 0; i <= 10; i++) {
    const v = min + ((max - min) * i) / 10;
    svgEl("stop", { offset: `${i * 10}%`, "stop-color": color(v) }, gradient);
  }
  svgEl("rect", { x: left, y: ly, width: legendW, height: 8, fill: `url(#${gradientId})` }, svg);
  svgText(svg, left, ly + 20, formatValue(min), { class: "tick-label" });
  svgText(svg, left + legendW, ly + 20, formatValue(max), {
    class: "tick-label",
    "text-anchor": "end",
  });
  hover(
    svg,
    (x, y) => {
      const c = Math.floor((x - left) / cell);
      const r = Math.floor((y - top) / cell);
      if (r < 0 || r >= nRows || c < 0 || c >= rows[r].length) return null;
      const rl = rowLabels?.[r] ?? `row ${r}`;
      const cl = colLabels?.[c] ?? `col ${c}`;
      return `${rl}, ${cl}: ${formatValue(rows[r][c])}`;
    },
    Math.max(width, 220),
  );
  return svg;
}

function bars(f: Extract<Figure, { kind: "bars" }>): Element {
  const n = f.values.length;
  const highlight = optNumber(f.options, "highlight");
  const data = extent(f.values);
  const yMax = optNumber(f.options, "max") ?? Math.max(0, data.max);
  const yMin = Math.min(0, data.min);
  const ticks = niceTicks(yMin, yMax, 4);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const barW = Math.max(3, Math.min(48, Math.floor(600 / Math.max(1, n))));
  const showLabels = n <= 48;
  const longest = Math.max(0, ...f.labels.map((l) => l.length));
  const rotate = showLabels && longest * 6.6 > barW - 2;
  const left = 46;
  const top = 12;
  const plotH = 180;
  const bottom = showLabels ? (rotate ? Math.min(90, 14 + longest * 5) : 22) : 18;
  const width = left + n * barW + 12;
  const height = top + plotH + bottom;
  const svg = chartSvg(Math.max(width, 200), height, optString(f.options, "title") ?? "bars");
  const y = (v: number) => top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  for (const t of ticks) {
    svgEl("line", { x1: left, x2: left + n * barW, y1: y(t), y2: y(t), class: "grid" }, svg);
    svgText(svg, left - 6, y(t) + 4, formatValue(t), { class: "tick-label", "text-anchor": "end" });
  }
  f.values.forEach((v, i) => {
    const y0 = y(0);
    const yv = y(Math.min(v, hi));
    const rect = svgEl(
      "rect",
      {
        x: left + i * barW + (barW > 6 ? 1 : 0),
        y: Math.min(y0, yv),
        width: Math.max(1, barW - (barW > 6 ? 2 : 0)),
        height: Math.max(v === 0 ? 0 : 1, Math.abs(y0 - yv)),
      },
      svg,
    );
    rect.classList.add("bar");
    if (highlight === i) rect.classList.add("highlight");
    else if (highlight !== null) rect.classList.add("dim");
    if (showLabels) {
      const x = left + i * barW + barW / 2;
      const label = f.labels[i] ?? "";
      if (rotate)
        svgText(svg, x + 3, top + plotH + 10, label, {
          class: `tick-label mono${highlight === i ? " strong" : ""}`,
          "text-anchor": "end",
          transform: `rotate(-55 ${x + 3} ${top + plotH + 10})`,
        });
      else
        svgText(svg, x, top + plotH + 15, label, {
          class: `tick-label mono${highlight === i ? " strong" : ""}`,
          "text-anchor": "middle",
        });
    }
  });
  svgEl("line", { x1: left, x2: left + n * barW, y1: y(0), y2: y(0), class: "axis" }, svg);
  hover(
    svg,
    (x) => {
      const i = Math.floor((x - left) / barW);
      if (i < 0 || i >= n) return null;
      return `${f.labels[i] ?? i}: ${formatValue(f.values[i])}`;
    },
    Math.max(width, 200),
  );
  return svg;
}

function line(f: Extract<Figure, { kind: "line" }>): Element {
  const logY = f.options["log-y"] === true;
  const series = f.series.map((s) => ({
    name: s.name,
    values: s.values,
    plotted: s.values.map((v) => (logY ? (v > 0 ? Math.log10(v) : NaN) : v)),
  }));
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const data = extent(series.flatMap((s) => s.plotted));
  const ticks = logY
    ? (() => {
        const out: number[] = [];
        // Decades, with 2× and 5× between them when there are few decades to show.
        const lo = Math.floor(data.min);
        const hi = Math.ceil(data.max);
        for (let e = lo; e <= hi; e++) {
          out.push(e);
          if (hi - lo <= 2 && e < hi) out.push(e + Math.log10(2), e + Math.log10(5));
        }
        return out.length > 1 ? out : [Math.floor(data.min), Math.floor(data.min) + 1];
      })()
    : niceTicks(data.min, data.max, 5);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  // x is an index (a step, a position): whole-number ticks only.
  const xTicks = niceTicks(0, Math.max(1, n - 1), 6).filter(
    (t) => Number.isInteger(t) && t <= Math.max(1, n - 1),
  );
  const xLabel = optString(f.options, "x-label");
  const yLabel = optString(f.options, "y-label");
  const named = series.some((s) => s.name !== "");
  const left = yLabel ? 66 : 52;
  const top = 12;
  const plotW = 520;
  const plotH = 220;
  const bottom = xLabel ? 44 : 28;
  const legendH = named ? 24 : 0;
  const width = left + plotW + 16;
  const height = top + plotH + bottom + legendH;
  const svg = chartSvg(width, height, optString(f.options, "title") ?? "line chart");
  const x = (i: number) => left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  for (const t of ticks) {
    svgEl("line", { x1: left, x2: left + plotW, y1: y(t), y2: y(t), class: "grid" }, svg);
    svgText(svg, left - 6, y(t) + 4, logY ? formatValue(10 ** t) : formatValue(t), {
      class: "tick-label",
      "text-anchor": "end",
    });
  }
  for (const t of xTicks) {
    svgEl("line", { x1: x(t), x2: x(t), y1: top + plotH, y2: top + plotH + 4, class: "axis" }, svg);
    svgText(svg, x(t), top + plotH + 16, formatValue(t), {
      class: "tick-label",
      "text-anchor": "middle",
    });
  }
  svgEl(
    "line",
    { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, class: "axis" },
    svg,
  );
  svgEl("line", { x1: left, x2: left, y1: top, y2: top + plotH, class: "axis" }, svg);
  if (xLabel)
    svgText(svg, left + plotW / 2, top + plotH + 36, xLabel, {
      class: "axis-label",
      "text-anchor": "middle",
    });
  if (yLabel)
    svgText(svg, 14, top + plotH / 2, yLabel, {
      class: "axis-label",
      "text-anchor": "middle",
      transform: `rotate(-90 14 ${top + plotH / 2})`,
    });
  series.forEach((s, k) => {
    let d = "";
    let pen = false;
    s.plotted.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    const path = svgEl("path", { d, class: "series" }, svg);
    path.style.stroke = seriesColor(k);
    if (s.values.length <= 40)
      s.plotted.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        const dot = svgEl("circle", { cx: x(i), cy: y(v), r: 2.2 }, svg);
        dot.style.fill = seriesColor(k);
      });
  });
  if (named) {
    let lx = left;
    const ly = height - 8;
    series.forEach((s, k) => {
      const swatch = svgEl("rect", { x: lx, y: ly - 8, width: 14, height: 3, rx: 1 }, svg);
      swatch.style.fill = seriesColor(k);
      svgText(svg, lx + 18, ly - 3, s.name, { class: "legend" });
      lx += 30 + s.name.length * 7;
    });
  }
  const cursor = svgEl(
    "line",
    { y1: top, y2: top + plotH, class: "cursor", visibility: "hidden" },
    svg,
  );
  hover(
    svg,
    (px) => {
      if (n === 0) return null;
      const i = Math.max(0, Math.min(n - 1, Math.round(((px - left) / plotW) * (n - 1))));
      cursor.setAttribute("x1", String(x(i)));
      cursor.setAttribute("x2", String(x(i)));
      cursor.setAttribute("visibility", "visible");
      const parts = series
        .filter((s) => i < s.values.length)
        .map((s) => `${s.name ? `${s.name} ` : ""}${formatValue(s.values[i])}`);
      return `[${i}] ${parts.join(", ")}`;
    },
    width,
  );
  svg.addEventListener("mouseleave", () => cursor.setAttribute("visibility", "hidden"));
  return svg;
}

function vector(f: Extract<Figure, { kind: "vector" }>): Element {
  const values = f.values;
  const n = values.length;
  const data = extent(values);
  const diverging = f.options.diverging === true || (data.min < 0 && data.max > 0);
  const bound = Math.max(Math.abs(data.min), Math.abs(data.max)) || 1;
  const cellW = Math.max(1.5, Math.min(24, 600 / Math.max(1, n)));
  const stripH = 26;
  const sparkH = 48;
  const left = 4;
  const width = Math.max(160, left * 2 + n * cellW);
  const height = stripH + 10 + sparkH + 24;
  const svg = chartSvg(width, height, optString(f.options, "title") ?? "vector");
  values.forEach((v, i) => {
    const fill = !Number.isFinite(v)
      ? "rgb(255,0,255)"
      : diverging
        ? rgb(divergingColor(v / bound))
        : rgb(
            sequentialColor(data.max === data.min ? 0.5 : (v - data.min) / (data.max - data.min)),
          );
    svgEl("rect", { x: left + i * cellW, y: 0, width: cellW + 0.3, height: stripH, fill }, svg);
  });
  // The sparkline below the strip, on the same x positions.
  const sy = (v: number) =>
    stripH +
    10 +
    (data.max === data.min ? sparkH / 2 : (1 - (v - data.min) / (data.max - data.min)) * sparkH);
  if (data.min < 0 && data.max > 0)
    svgEl("line", { x1: left, x2: left + n * cellW, y1: sy(0), y2: sy(0), class: "grid" }, svg);
  let d = "";
  values.forEach((v, i) => {
    if (Number.isFinite(v))
      d += `${d ? "L" : "M"}${(left + (i + 0.5) * cellW).toFixed(1)} ${sy(v).toFixed(1)}`;
  });
  svgEl("path", { d, class: "series" }, svg).style.stroke = seriesColor(0);
  svgText(
    svg,
    left,
    height - 3,
    `${n} values · min ${formatValue(data.min)} · max ${formatValue(data.max)}`,
    {
      class: "tick-label",
    },
  );
  hover(
    svg,
    (x) => {
      const i = Math.floor((x - left) / cellW);
      return i >= 0 && i < n ? `[${i}] = ${formatValue(values[i])}` : null;
    },
    width,
  );
  return svg;
}

/** A token's text with its invisible characters made visible. */
function visibleText(text: string): string {
  return text.replace(/ /g, "·").replace(/\n/g, "↵").replace(/\t/g, "→");
}

function tokens(f: Extract<Figure, { kind: "tokens" }>): Element {
  const box = htmlEl("div", "token-strip");
  f.tokens.forEach((t, i) => {
    const span = htmlEl("span", `token ${i % 2 ? "odd" : "even"}`);
    span.textContent = t.text === "" ? "∅" : visibleText(t.text);
    const label = `${JSON.stringify(t.text)}${t.id === null ? "" : ` → id ${t.id}`}`;
    span.title = label;
    span.dataset.id = t.id === null ? "" : String(t.id);
    span.addEventListener("mousemove", (e) => showTip(e, label));
    span.addEventListener("mouseleave", (e) => showTip(e, null));
    box.appendChild(span);
  });
  const count = htmlEl("div", "figure-note", `${f.tokens.length} tokens`);
  const wrap = htmlEl("div");
  wrap.append(box, count);
  return wrap;
}

function arrows(f: Extract<Figure, { kind: "arrows" }>): Element {
  const reach = Math.max(1e-9, ...f.arrows.flatMap((a) => [Math.abs(a.x), Math.abs(a.y)]));
  const ticks = niceTicks(-reach, reach, 6);
  const bound = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
  const size = 320;
  const pad = 24;
  // Labels sit past the arrow heads: room for them left and right of the plane.
  const longest = Math.max(0, ...f.arrows.map((a) => (a.label ?? "").length));
  const side = Math.max(pad, Math.min(120, 14 + longest * 7));
  const width = size + 2 * side;
  const height = size + 2 * pad;
  const svg = chartSvg(width, height, optString(f.options, "title") ?? "arrows");
  // The outermost grid line sits a little inside the frame, so no arrow head lies on the frame.
  const s = (v: number) => (v / bound) * (size / 2) * 0.92;
  const cx = side + size / 2;
  const cy = pad + size / 2;
  const left = side;
  /** Label boxes drawn so far: a label that would overlap one is left to the hover text. */
  const placed: { x0: number; x1: number; y0: number; y1: number }[] = [];
  for (const t of ticks) {
    svgEl("line", { x1: cx + s(t), x2: cx + s(t), y1: pad, y2: pad + size, class: "grid" }, svg);
    svgEl("line", { x1: left, x2: left + size, y1: cy - s(t), y2: cy - s(t), class: "grid" }, svg);
    if (t !== 0) {
      svgText(svg, cx + s(t), cy + 14, formatValue(t), {
        class: "tick-label",
        "text-anchor": "middle",
      });
      svgText(svg, cx - 5, cy - s(t) + 4, formatValue(t), {
        class: "tick-label",
        "text-anchor": "end",
      });
    }
  }
  svgEl("line", { x1: left, x2: left + size, y1: cy, y2: cy, class: "axis" }, svg);
  svgEl("line", { x1: cx, x2: cx, y1: pad, y2: pad + size, class: "axis" }, svg);
  const defs = svgEl("defs", {}, svg);
  f.arrows.forEach((a, i) => {
    const color = seriesColor(i);
    const id = `arrowhead-${Math.random().toString(36).slice(2)}`;
    const marker = svgEl(
      "marker",
      {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: "auto-start-reverse",
      },
      defs,
    );
    svgEl("path", { d: "M0 0L10 5L0 10z" }, marker).style.fill = color;
    const x2 = cx + s(a.x);
    const y2 = cy - s(a.y);
    const shaft = svgEl(
      "line",
      { x1: cx, y1: cy, x2, y2, class: "arrow", "marker-end": `url(#${id})` },
      svg,
    );
    shaft.style.stroke = color;
    const title = svgEl("title", {}, shaft);
    title.textContent = `${a.label ?? `#${i}`}: (${formatValue(a.x)}, ${formatValue(a.y)})`;
    if (a.label) {
      const len = Math.hypot(x2 - cx, y2 - cy) || 1;
      const lx = x2 + ((x2 - cx) / len) * 10;
      const ly = y2 + ((y2 - cy) / len) * 10 + 4;
      const w = a.label.length * 7;
      const box = x2 < cx ? { x0: lx - w, x1: lx } : { x0: lx, x1: lx + w };
      const at = { ...box, y0: ly - 11, y1: ly + 2 };
      if (placed.some((p) => p.x0 < at.x1 && at.x0 < p.x1 && p.y0 < at.y1 && at.y0 < p.y1)) return;
      placed.push(at);
      const label = svgEl(
        "text",
        { x: lx, y: ly, class: "arrow-label", "text-anchor": x2 < cx ? "end" : "start" },
        svg,
      );
      label.textContent = a.label;
      label.style.fill = color;
    }
  });
  return svg;
}

function table(f: Extract<Figure, { kind: "table" }>): Element {
  const wrap = htmlEl("div", "table-scroll");
  const t = htmlEl("table", "figure-table");
  const header = optStrings(f.options, "header");
  if (header) {
    const tr = htmlEl("tr");
    for (const h of header) tr.appendChild(htmlEl("th", "", h));
    t.appendChild(htmlEl("thead")).appendChild(tr);
  }
  const body = htmlEl("tbody");
  for (const row of f.rows) {
    const tr = htmlEl("tr");
    for (const cell of row)
      tr.appendChild(htmlEl("td", /^[-+]?\d[\d.e+-]*$/i.test(cell.trim()) ? "num" : "", cell));
    body.appendChild(tr);
  }
  t.appendChild(body);
  wrap.appendChild(t);
  return wrap;
}

/** A figure as a <figure> element: its title as the caption, then the picture. */
export function createFigure(figure: Figure): HTMLElement {
  const box = htmlEl("figure", `figure figure-${figure.kind}`);
  box.dataset.figureKind = figure.kind;
  const title = optString(figure.options, "title");
  if (title) box.appendChild(htmlEl("figcaption", "", title));
  let picture: Element;
  try {
    switch (figure.kind) {
      case "heatmap":
        picture = heatmap(figure);
        break;
      case "bars":
        picture = bars(figure);
        break;
      case "line":
        picture = line(figure);
        break;
      case "vector":
        picture = vector(figure);
        break;
      case "tokens":
        picture = tokens(figure);
        break;
      case "arrows":
        picture = arrows(figure);
        break;
      case "table":
        picture = table(figure);
        break;
    }
  } catch (e) {
    picture = htmlEl(
      "p",
      "error",
      `cannot draw this ${figure.kind}: ${e instanceof Error ? e.message : e}`,
    );
  }
  box.appendChild(picture);
  return box;
}

/** Draw `figure` into `el`, replacing what was there. */
export function renderFigure(el: HTMLElement, figure: Figure): void {
  el.replaceChildren(createFigure(figure));
}
