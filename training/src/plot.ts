// plot.ts — loss curves from a training log (`log.jsonl`) drawn to SVG or PNG, with no dependency:
// the chart is built once as a list of shapes, then either written as SVG text or rasterized here
// (anti-aliased lines, a built-in 5×7 bitmap font) and encoded as PNG with node:zlib.
import { deflateSync } from "node:zlib";

/** A log that cannot be plotted; the message names the file and line. */
export class PlotError extends Error {
  override name = "PlotError";
}

// ---- reading the log ----------------------------------------------------------------------------

/** One value of a curve. */
export interface CurvePoint {
  step: number;
  value: number;
}

/** The curves a log holds. */
export interface LossCurves {
  train: CurvePoint[];
  val: CurvePoint[];
  /** Lines skipped, with why (e.g. a last line cut short by a killed run). */
  warnings: string[];
}

// Append a point; a step at or before the last one means the run was resumed from a checkpoint
// and logs those steps again: the newer values replace the older ones from there on.
function addPoint(curve: CurvePoint[], point: CurvePoint): void {
  while (curve.length > 0 && curve[curve.length - 1].step >= point.step) curve.pop();
  curve.push(point);
}

/**
 * Parse a training log: one JSON object per line, `{"step", "loss", …}` for training steps and
 * `{"step", "val_loss"}` for validations; other objects are ignored. `source` names the file in
 * error messages, which give the line number.
 */
export function parseLog(text: string, source = "log"): LossCurves {
  const curves: LossCurves = { train: [], val: [], warnings: [] };
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const where = `${source}:${index + 1}`;
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      // A run killed mid-write leaves its last line unfinished: skip it, as the run would on resume.
      if (index === lines.length - 1) {
        curves.warnings.push(`${where}: skipped an unfinished last line`);
        return;
      }
      throw new PlotError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new PlotError(`${where}: expected a JSON object like {"step": 1, "loss": 2.5}`);
    }
    const r = record as Record<string, unknown>;
    if (!("loss" in r) && !("val_loss" in r)) return;
    const step = r.step;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new PlotError(
        `${where}: "step" must be a non-negative integer, got ${JSON.stringify(step)}`,
      );
    }
    for (const [key, curve] of [
      ["loss", curves.train],
      ["val_loss", curves.val],
    ] as const) {
      if (!(key in r)) continue;
      const value = r[key];
      // JSON has no NaN or Infinity: JSON.stringify writes them as null.
      if (value === null) {
        curves.warnings.push(`${where}: ${key} is not finite (null); left out`);
        continue;
      }
      if (typeof value !== "number") {
        throw new PlotError(`${where}: "${key}" must be a number, got ${JSON.stringify(value)}`);
      }
      addPoint(curve, { step, value });
    }
  });
  if (curves.train.length === 0 && curves.val.length === 0) {
    throw new PlotError(`${source}: no "loss" or "val_loss" values to plot`);
  }
  return curves;
}

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight in [0, 1). */
export function smooth(points: CurvePoint[], weight = 0.9): CurvePoint[] {
  let average = 0;
  return points.map((p, i) => {
    average = weight * average + (1 - weight) * p.value;
    return { step: p.step, value: average / (1 - Math.pow(weight, i + 1)) };
  });
}

// ---- the chart as shapes ------------------------------------------------------------------------

/** A shape of the chart, in pixels from the top left. */
export type Shape =
  | { kind: "polyline"; points: [number, number][]; color: string; width: number; series?: string }
  | { kind: "circle"; x: number; y: number; r: number; color: string; series?: string }
  | {
      kind: "text";
      x: number;
      y: number;
      text: string;
      size: number;
      color: string;
      anchor: "start" | "middle" | "end";
      vertical?: boolean;
    };

/** A whole chart: its size and its shapes, in drawing order. */
export interface Chart {
  width: number;
  height: number;
  shapes: Shape[];
}

const COLORS = {
  train: "#9ecae1",
  smoothed: "#1f77b4",
  val: "#d62728",
  axis: "#333333",
  grid: "#e6e6e6",
  text: "#222222",
};

/** About `count` round tick values (1, 2 or 5 × a power of ten apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (max <= min) return [min];
  const rough = (max - min) / count;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  // Of the round spacings near the rough one, the one whose tick count is closest to `count`.
  const spacings = [1, 2, 5, 10].map((m) => m * power);
  const misfit = (s: number) => Math.abs((max - min) / s - count);
  const step = spacings.reduce((best, s) => (misfit(s) < misfit(best) ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12))); // no 0.30000000000000004
  }
  return ticks;
}

// Tick labels: short, no float noise (0.25 → "0.25"); thousands as "k" when the axis reaches
// 10000 and every tick is a whole thousand, so one axis never mixes "8000" and "10k".
function tickLabels(ticks: number[]): string[] {
  const inThousands = ticks.some((t) => Math.abs(t) >= 10000) && ticks.every((t) => t % 1000 === 0);
  return ticks.map((t) =>
    inThousands && t !== 0 ? `${t / 1000}k` : String(Number(t.toPrecision(6))),
  );
}

/** Lay out the loss curves: axes with ticks and labels, grid, train (raw, smoothed), validation, legend. */
export function lossChart(
  curves: LossCurves,
  opts: { title?: string; width?: number; height?: number } = {},
): Chart {
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  const left = 70;
  const right = width - 20;
  const top = 40;
  const bottom = height - 55;
  const smoothed = smooth(curves.train);
  const all = [...curves.train, ...curves.val];
  let [x0, x1] = [Math.min(...all.map((p) => p.step)), Math.max(...all.map((p) => p.step))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = [Math.min(...all.map((p) => p.value)), Math.max(...all.map((p) => p.value))];
  const pad = y1 > y0 ? 0.05 * (y1 - y0) : 0.5;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (step: number) => left + ((step - x0) / (x1 - x0)) * (right - left);
  const py = (value: number) => bottom - ((value - y0) / (y1 - y0)) * (bottom - top);
  const shapes: Shape[] = [];
  const text = (x: number, y: number, s: string, anchor: "start" | "middle" | "end", size = 12) =>
    shapes.push({ kind: "text", x, y, text: s, size, color: COLORS.text, anchor });

  // Grid and ticks first, so the curves draw over them.
  const xTicks = niceTicks(x0, x1);
  const xLabels = tickLabels(xTicks);
  xTicks.forEach((t, i) => {
    const x = px(t);
    shapes.push({
      kind: "polyline",
      points: [
        [x, top],
        [x, bottom],
      ],
      color: COLORS.grid,
      width: 1,
    });
    shapes.push({
      kind: "polyline",
      points: [
        [x, bottom],
        [x, bottom + 5],
      ],
      color: COLORS.axis,
      width: 1,
    });
    text(x, bottom + 20, xLabels[i], "middle");
  });
  const yTicks = niceTicks(y0, y1, 8);
  const yLabels = tickLabels(yTicks);
  yTicks.forEach((t, i) => {
    const y = py(t);
    shapes.push({
      kind: "polyline",
      points: [
        [left, y],
        [right, y],
      ],
      color: COLORS.grid,
      width: 1,
    });
    shapes.push({
      kind: "polyline",
      points: [
        [left - 5, y],
        [left, y],
      ],
      color: COLORS.axis,
      width: 1,
    });
    text(left - 8, y + 4, yLabels[i], "end");
  });
  shapes.push({
    kind: "polyline",
    points: [
      [left, top],
      [left, bottom],
      [right, bottom],
    ],
    color: COLORS.axis,
    width: 1.5,
  });
  text((left + right) / 2, height - 12, "step", "middle");
  shapes.push({
    kind: "text",
    x: 18,
    y: (top + bottom) / 2,
    text: "loss",
    size: 12,
    color: COLORS.text,
    anchor: "middle",
    vertical: true,
  });
  if (opts.title) text(width / 2, 24, opts.title, "middle", 16);

  const curve = (points: CurvePoint[], color: string, lineWidth: number, series: string) =>
    shapes.push({
      kind: "polyline",
      points: points.map((p) => [px(p.step), py(p.value)]),
      color,
      width: lineWidth,
      series,
    });
  const legend: [string, string][] = [];
  if (curves.train.length > 0) {
    curve(curves.train, COLORS.train, 1, "train");
    curve(smoothed, COLORS.smoothed, 2, "train-smoothed");
    legend.push(["train loss", COLORS.train], ["train loss (smoothed)", COLORS.smoothed]);
  }
  if (curves.val.length > 0) {
    curve(curves.val, COLORS.val, 2, "val");
    for (const p of curves.val) {
      shapes.push({
        kind: "circle",
        x: px(p.step),
        y: py(p.value),
        r: 3,
        color: COLORS.val,
        series: "val",
      });
    }
    legend.push(["validation loss", COLORS.val]);
  }
  // Wide enough for the bitmap font's 12 px per character (the wider of the two renderings).
  const legendLeft = right - 40 - 12 * Math.max(0, ...legend.map(([label]) => label.length));
  legend.forEach(([label, color], i) => {
    const y = top + 14 + 18 * i;
    shapes.push({
      kind: "polyline",
      points: [
        [legendLeft, y],
        [legendLeft + 25, y],
      ],
      color,
      width: 3,
    });
    text(legendLeft + 32, y + 4, label, "start");
  });
  return { width, height, shapes };
}

// ---- SVG ----------------------------------------------------------------------------------------

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: number) => String(Math.round(v * 100) / 100);

/** The chart as an SVG document. */
export function renderSvg(chart: Chart): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${chart.width}" height="${chart.height}" viewBox="0 0 ${chart.width} ${chart.height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  for (const s of chart.shapes) {
    const series = "series" in s && s.series ? ` class="${s.series}"` : "";
    if (s.kind === "polyline") {
      const points = s.points.map(([x, y]) => `${num(x)},${num(y)}`).join(" ");
      out.push(
        `<polyline${series} points="${points}" fill="none" stroke="${s.color}" stroke-width="${s.width}" stroke-linejoin="round"/>`,
      );
    } else if (s.kind === "circle") {
      out.push(`<circle${series} cx="${num(s.x)}" cy="${num(s.y)}" r="${s.r}" fill="${s.color}"/>`);
    } else {
      const rotate = s.vertical ? ` transform="rotate(-90 ${num(s.x)} ${num(s.y)})"` : "";
      out.push(
        `<text x="${num(s.x)}" y="${num(s.y)}" font-family="sans-serif" font-size="${s.size}" fill="${s.color}" text-anchor="${s.anchor}"${rotate}>${xmlEscape(s.text)}</text>`,
      );
    }
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}

// ---- rasterizing --------------------------------------------------------------------------------

// A 5×7 bitmap font: capitals, digits and the punctuation labels use ('#' = ink). Lower case is
// drawn as capitals; anything else as a hollow box.
const FONT: Record<string, string> = {
  "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
  "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
  "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
  "3": "#####|...#.|..#..|...#.|....#|#...#|.###.",
  "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
  "5": "#####|#....|####.|....#|....#|#...#|.###.",
  "6": "..##.|.#...|#....|####.|#...#|#...#|.###.",
  "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
  "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
  "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
  A: ".###.|#...#|#...#|#####|#...#|#...#|#...#",
  B: "####.|#...#|#...#|####.|#...#|#...#|####.",
  C: ".###.|#...#|#....|#....|#....|#...#|.###.",
  D: "###..|#..#.|#...#|#...#|#...#|#..#.|###..",
  E: "#####|#....|#....|####.|#....|#....|#####",
  F: "#####|#....|#....|####.|#....|#....|#....",
  G: ".###.|#...#|#....|#.###|#...#|#...#|.####",
  H: "#...#|#...#|#...#|#####|#...#|#...#|#...#",
  I: ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
  J: "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
  K: "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
  L: "#....|#....|#....|#....|#....|#....|#####",
  M: "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
  N: "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",
  O: ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
  P: "####.|#...#|#...#|####.|#....|#....|#....",
  Q: ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
  R: "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
  S: ".####|#....|#....|.###.|....#|....#|####.",
  T: "#####|..#..|..#..|..#..|..#..|..#..|..#..",
  U: "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
  V: "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
  W: "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
  X: "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
  Y: "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
  Z: "#####|....#|...#.|..#..|.#...|#....|#####",
  " ": ".....|.....|.....|.....|.....|.....|.....",
  ".": ".....|.....|.....|.....|.....|.##..|.##..",
  ",": ".....|.....|.....|.....|.##..|..#..|.#...",
  ":": ".....|.##..|.##..|.....|.##..|.##..|.....",
  "-": ".....|.....|.....|#####|.....|.....|.....",
  "+": ".....|..#..|..#..|#####|..#..|..#..|.....",
  _: ".....|.....|.....|.....|.....|.....|#####",
  "/": ".....|....#|...#.|..#..|.#...|#....|.....",
  "(": "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
  ")": ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
  "=": ".....|.....|#####|.....|#####|.....|.....",
  "%": "##...|##..#|...#.|..#..|.#...|#..##|...##",
  "'": ".##..|..#..|.#...|.....|.....|.....|.....",
};
const UNKNOWN_GLYPH = "#####|#...#|#...#|#...#|#...#|#...#|#####";

// Pixels per font pixel for a text size in SVG units (12 → 2: 10×14 glyphs).
const fontScale = (size: number) => Math.max(1, Math.round(size / 6));

/** An RGB image, 3 bytes a pixel, rows top to bottom. */
export interface Raster {
  width: number;
  height: number;
  rgb: Uint8Array;
}

function parseColor(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// Blend `color` over pixel (x, y) with coverage in [0, 1].
function blend(
  img: Raster,
  x: number,
  y: number,
  color: [number, number, number],
  coverage: number,
): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height || coverage <= 0) return;
  const i = 3 * (y * img.width + x);
  const a = Math.min(1, coverage);
  for (let k = 0; k < 3; k++) img.rgb[i + k] = Math.round(img.rgb[i + k] * (1 - a) + color[k] * a);
}

// Distance from (x, y) to the segment (ax, ay)–(bx, by).
function segmentDistance(
  x: number,
  y: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

// An anti-aliased polyline: coverage is the max over its segments (so joints are not drawn twice),
// 1 inside half the stroke width and fading over one pixel at the edge.
function drawPolyline(img: Raster, points: [number, number][], color: string, width: number): void {
  const rgb = parseColor(color);
  const half = width / 2;
  const coverage = new Map<number, number>();
  const segments: [number, number, number, number][] =
    points.length === 1
      ? [[points[0][0], points[0][1], points[0][0], points[0][1]]]
      : points.slice(1).map((p, i) => [points[i][0], points[i][1], p[0], p[1]]);
  for (const [ax, ay, bx, by] of segments) {
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - half - 1));
    const x1 = Math.min(img.width - 1, Math.ceil(Math.max(ax, bx) + half + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - half - 1));
    const y1 = Math.min(img.height - 1, Math.ceil(Math.max(ay, by) + half + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Pixel centres are at +0.5, as in SVG.
        const d = segmentDistance(x + 0.5, y + 0.5, ax, ay, bx, by);
        const c = Math.min(1, Math.max(0, half + 0.5 - d));
        const key = y * img.width + x;
        if (c > (coverage.get(key) ?? 0)) coverage.set(key, c);
      }
    }
  }
  for (const [key, c] of coverage) blend(img, key % img.width, Math.floor(key / img.width), rgb, c);
}

function drawCircle(img: Raster, cx: number, cy: number, r: number, color: string): void {
  const rgb = parseColor(color);
  for (let y = Math.floor(cy - r - 1); y <= Math.ceil(cy + r + 1); y++) {
    for (let x = Math.floor(cx - r - 1); x <= Math.ceil(cx + r + 1); x++) {
      blend(img, x, y, rgb, r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy));
    }
  }
}

// Text in the bitmap font; (x, y) is the baseline point the anchor refers to, as in SVG.
function drawText(img: Raster, s: Extract<Shape, { kind: "text" }>): void {
  const rgb = parseColor(s.color);
  const scale = fontScale(s.size);
  const advance = 6 * scale;
  const textWidth = s.text.length * advance - scale;
  const start = s.anchor === "start" ? 0 : s.anchor === "middle" ? -textWidth / 2 : -textWidth;
  [...s.text].forEach((ch, i) => {
    const rows = (FONT[ch.toUpperCase()] ?? UNKNOWN_GLYPH).split("|");
    rows.forEach((row, gy) => {
      for (let gx = 0; gx < 5; gx++) {
        if (row[gx] !== "#") continue;
        // Along the text (u) and up from the baseline (v), then placed horizontally or vertically.
        const u = Math.round(start + i * advance + gx * scale);
        const v = (7 - gy) * scale;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const [x, y] = s.vertical
              ? [Math.round(s.x) - v + dy, Math.round(s.y) - u - dx]
              : [Math.round(s.x) + u + dx, Math.round(s.y) - v + dy];
            blend(img, x, y, rgb, 1);
          }
        }
      }
    });
  });
}

/** Draw the chart into an RGB raster on white. */
export function rasterize(chart: Chart): Raster {
  const img: Raster = {
    width: chart.width,
    height: chart.height,
    rgb: new Uint8Array(chart.width * chart.height * 3).fill(255),
  };
  for (const s of chart.shapes) {
    if (s.kind === "polyline") drawPolyline(img, s.points, s.color, s.width);
    else if (s.kind === "circle") drawCircle(img, s.x, s.y, s.r, s.color);
    else drawText(img, s);
  }
  return img;
}

// ---- PNG ----------------------------------------------------------------------------------------

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), which every PNG chunk ends with.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes, as PNG and zlib's crc32 compute it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// length, type, data, CRC over type + data.
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const dv = new DataView(chunk.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  dv.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** PNG signature (the first 8 bytes of every PNG file). */
export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** Encode an RGB raster as a PNG: 8-bit truecolor, every row with filter 0 (none), one IDAT. */
export function encodePng(img: Raster): Uint8Array {
  const header = new Uint8Array(13);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, img.width);
  dv.setUint32(4, img.height);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, color type 2 (RGB), deflate, filter set 0, no interlace
  const rowBytes = img.width * 3;
  const raw = new Uint8Array(img.height * (rowBytes + 1));
  for (let y = 0; y < img.height; y++) {
    raw[y * (rowBytes + 1)] = 0; // filter type: none
    raw.set(img.rgb.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const parts = [
    PNG_SIGNATURE,
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(raw, { level: 9 })),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The chart of a log's text as SVG text or PNG bytes. */
export function plotLog(
  logText: string,
  format: "svg" | "png",
  opts: { title?: string; source?: string } = {},
): { output: string | Uint8Array; curves: LossCurves } {
  const curves = parseLog(logText, opts.source);
  const chart = lossChart(curves, { title: opts.title });
  return { output: format === "svg" ? renderSvg(chart) : encodePng(rasterize(chart)), curves };
}
