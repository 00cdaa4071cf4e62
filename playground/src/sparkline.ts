/// <reference lib="dom" />
// Small canvas renderers for numeric vectors in the variables panel: a sparkline for short 1-D
// vectors and a heatmap (the vector reshaped into rows) for long ones. Hovering either shows the
// element's index and value.

export interface Extent {
  min: number;
  max: number;
}

/** The finite minimum and maximum of `numbers` ({0, 0} when none is finite). */
export function extent(numbers: ArrayLike<number>): Extent {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < numbers.length; i++) {
    const v = numbers[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

/** Rows × columns for showing `n` values as a heatmap: about twice as wide as tall. */
export function heatmapShape(n: number, maxCols = 64): { rows: number; cols: number } {
  if (n <= 0) return { rows: 0, cols: 0 };
  const cols = Math.max(1, Math.min(maxCols, Math.ceil(Math.sqrt(n * 2))));
  return { rows: Math.ceil(n / cols), cols };
}

/** An [r, g, b] color for `t` in [0, 1] (sequential: dark blue → teal → yellow, viridis-like). */
export function sequentialColor(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  return interpolate(stops, t);
}

/** An [r, g, b] color for `t` in [-1, 1] (diverging: blue ← grey → red). */
export function divergingColor(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [33, 102, 172],
    [146, 197, 222],
    [200, 200, 200],
    [244, 165, 130],
    [178, 24, 43],
  ];
  return interpolate(stops, (t + 1) / 2);
}

function interpolate(stops: [number, number, number][], t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

function cssVar(name: string, fallback: string): string {
  if (typeof document === "undefined") return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function makeCanvas(width: number, height: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement("canvas");
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d canvas");
  ctx.scale(dpr, dpr);
  return [canvas, ctx];
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** A sparkline of `numbers` (a line with the zero axis, min/max dots); hover shows [i] = value. */
export function createSparkline(
  numbers: ArrayLike<number>,
  opts: { width?: number; height?: number } = {},
): HTMLCanvasElement {
  const width = opts.width ?? 160;
  const height = opts.height ?? 28;
  const [canvas, ctx] = makeCanvas(width, height);
  canvas.className = "sparkline";
  const n = numbers.length;
  const { min, max } = extent(numbers);
  const pad = 3;
  const span = max - min || 1;
  const x = (i: number) =>
    pad + (n <= 1 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (n - 1));
  const y = (v: number) =>
    max === min ? height / 2 : pad + (1 - (v - min) / span) * (height - 2 * pad);
  const accent = cssVar("--accent", "#6aa8ff");
  const dim = cssVar("--border", "#2a3040");
  if (min < 0 && max > 0) {
    ctx.strokeStyle = dim;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(pad, y(0));
    ctx.lineTo(width - pad, y(0));
    ctx.stroke();
  }
  ctx.strokeStyle = accent;
  ctx.lineWidth = 1.25;
  ctx.beginPath();
  let started = false;
  for (let i = 0; i < n; i++) {
    const v = numbers[i];
    if (!Number.isFinite(v)) {
      started = false;
      continue;
    }
    if (started) ctx.lineTo(x(i), y(v));
    else ctx.moveTo(x(i), y(v));
    started = true;
  }
  ctx.stroke();
  if (n > 0 && n <= 48) {
    ctx.fillStyle = accent;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(numbers[i])) continue;
      ctx.beginPath();
      ctx.arc(x(i), y(numbers[i]), 1.4, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  canvas.title = `${n} values, min ${formatNumber(min)}, max ${formatNumber(max)}`;
  canvas.addEventListener("mousemove", (e) => {
    if (n === 0) return;
    const rect = canvas.getBoundingClientRect();
    const fx = ((e.clientX - rect.left) / rect.width) * width;
    const i = Math.max(0, Math.min(n - 1, Math.round(((fx - pad) / (width - 2 * pad)) * (n - 1))));
    canvas.title = `[${i}] = ${formatNumber(numbers[i])}`;
  });
  return canvas;
}

/** A heatmap of `numbers` reshaped into rows (diverging colors when the values change sign);
 *  hover shows [i] = value. */
export function createHeatmap(
  numbers: ArrayLike<number>,
  opts: { cell?: number; maxCols?: number } = {},
): HTMLCanvasElement {
  const n = numbers.length;
  const { rows, cols } = heatmapShape(n, opts.maxCols ?? 64);
  const cell = opts.cell ?? Math.max(2, Math.min(8, Math.floor(220 / Math.max(1, cols))));
  const [canvas, ctx] = makeCanvas(Math.max(1, cols * cell), Math.max(1, rows * cell));
  canvas.className = "heatmap";
  const { min, max } = extent(numbers);
  const signed = min < 0 && max > 0;
  const bound = Math.max(Math.abs(min), Math.abs(max)) || 1;
  for (let i = 0; i < n; i++) {
    const v = numbers[i];
    const [r, g, b] = !Number.isFinite(v)
      ? [255, 0, 255]
      : signed
        ? divergingColor(v / bound)
        : sequentialColor(max === min ? 0.5 : (v - min) / (max - min));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell, cell);
  }
  canvas.title = `${n} values as ${rows} × ${cols}, min ${formatNumber(min)}, max ${formatNumber(max)}`;
  canvas.addEventListener("mousemove", (e) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor(((e.clientX - rect.left) / rect.width) * cols);
    const r = Math.floor(((e.clientY - rect.top) / rect.height) * rows);
    const i = r * cols + c;
    if (i >= 0 && i < n) canvas.title = `[${i}] = ${formatNumber(numbers[i])}`;
  });
  return canvas;
}

/** A sparkline for up to `sparklineMax` numbers, a heatmap beyond. */
export function createVectorPlot(numbers: ArrayLike<number>, sparklineMax = 96): HTMLCanvasElement {
  return numbers.length <= sparklineMax ? createSparkline(numbers) : createHeatmap(numbers);
}
