// attention.ts — the attention heatmap: for one layer × head, query position (rows) × key position
// (columns), filled in row by row as the engine that runs reports its observation events. Hover
// shows the weight. Nothing here is precomputed: every cell comes from an engine's observer.
import { PaintThrottle } from "./paint.ts";

type Rgb = [number, number, number];

/** The heatmap over one canvas, with its layer and head selects and a hover tooltip. */
export class AttentionView {
  /* rows[layer][head][query] = weights over keys 0..n-1 (n = query+1 when causal). */
  private rows: (Float32Array | undefined)[][][] = [];
  private nLayer = 0;
  private nHead = 0;
  private size = 1;
  private labels: string[] = [];
  private readonly painter = new PaintThrottle();
  /* One pixel per (query, key), scaled up onto the visible canvas in one drawImage. */
  private readonly cellCanvas = document.createElement("canvas");
  /* The theme's colors as RGB, read once per theme (getComputedStyle forces a style pass). */
  private colors: { bg: Rgb; accent: Rgb } | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly layerSelect: HTMLSelectElement,
    private readonly headSelect: HTMLSelectElement,
    private readonly tooltip: HTMLElement,
    private readonly caption: HTMLElement,
  ) {
    layerSelect.addEventListener("change", () => this.draw());
    headSelect.addEventListener("change", () => this.draw());
    canvas.addEventListener("mousemove", (e) => this.hover(e));
    canvas.addEventListener("mouseleave", () => (this.tooltip.hidden = true));
    new MutationObserver(() => {
      this.colors = null;
      this.draw();
    }).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
  }

  /** Start over for a model of this shape (selects refilled, the canvas cleared). */
  setShape(nLayer: number, nHead: number): void {
    const keepLayer = Math.min(Number(this.layerSelect.value) || 0, nLayer - 1);
    const keepHead = Math.min(Number(this.headSelect.value) || 0, nHead - 1);
    this.nLayer = nLayer;
    this.nHead = nHead;
    fillSelect(this.layerSelect, nLayer, keepLayer);
    fillSelect(this.headSelect, nHead, keepHead);
    this.reset();
  }

  /** Clear the cells (a new generation begins). */
  reset(): void {
    this.rows = Array.from({ length: this.nLayer }, () =>
      Array.from({ length: this.nHead }, () => []),
    );
    this.size = 1;
    this.labels = [];
    this.draw();
  }

  /** Token texts for the axes' tooltips, by position. */
  setLabel(position: number, text: string): void {
    this.labels[position] = text;
  }

  /** One query row arrived: weights over keys 0..weights.length-1. */
  addRow(layer: number, head: number, query: number, weights: Float32Array): void {
    const perHead = this.rows[layer]?.[head];
    if (!perHead) return;
    perHead[query] = weights.slice();
    this.size = Math.max(this.size, query + 1, weights.length);
    this.painter.schedule(() => this.draw());
  }

  private get layer(): number {
    return Number(this.layerSelect.value) || 0;
  }

  private get head(): number {
    return Number(this.headSelect.value) || 0;
  }

  /** Cells filled in the shown layer × head. */
  get cells(): number {
    const perHead = this.rows[this.layer]?.[this.head] ?? [];
    let n = 0;
    for (const row of perHead) n += row?.length ?? 0;
    return n;
  }

  /** Paint the shown layer × head: one square per (query, key), brightness = weight. */
  draw(): void {
    const canvas = this.canvas;
    const px = Math.max(1, Math.floor(Math.min(640, canvas.clientWidth * devicePixelRatio || 320)));
    if (canvas.width !== px) [canvas.width, canvas.height] = [px, px];
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const { bg, accent } = this.themeColors();
    const perHead = this.rows[this.layer]?.[this.head] ?? [];
    const n = this.size;
    const image = new ImageData(n, n);
    const pixels = image.data;
    for (let q = 0; q < n; q++) {
      const row = perHead[q];
      for (let k = 0; k < n; k++) {
        // sqrt: small weights stay visible next to a dominant one
        const a = row && k < row.length ? Math.sqrt(Math.max(0, Math.min(1, row[k]))) : 0;
        const at = 4 * (q * n + k);
        pixels[at] = bg[0] + (accent[0] - bg[0]) * a;
        pixels[at + 1] = bg[1] + (accent[1] - bg[1]) * a;
        pixels[at + 2] = bg[2] + (accent[2] - bg[2]) * a;
        pixels[at + 3] = 255;
      }
    }
    const cells = this.cellCanvas;
    [cells.width, cells.height] = [n, n];
    cells.getContext("2d")?.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, 0, 0, px, px);
    const filledCells = this.cells;
    canvas.dataset.cells = String(filledCells);
    const filled = perHead.filter(Boolean).length;
    this.caption.textContent = filledCells
      ? `layer ${this.layer} · head ${this.head} · ${filled} query rows · query ↓ × key →`
      : "query position ↓ × key position → (fills in while generating)";
  }

  private themeColors(): { bg: Rgb; accent: Rgb } {
    if (this.colors) return this.colors;
    const css = getComputedStyle(document.documentElement);
    const probe = document.createElement("canvas");
    probe.width = probe.height = 1;
    const ctx = probe.getContext("2d", { willReadFrequently: true });
    const rgb = (color: string, fallback: Rgb): Rgb => {
      if (!ctx || !color) return fallback;
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
      return [r, g, b];
    };
    this.colors = {
      bg: rgb(css.getPropertyValue("--bg-input").trim(), [17, 17, 17]),
      accent: rgb(css.getPropertyValue("--accent").trim(), [106, 168, 255]),
    };
    return this.colors;
  }

  private hover(e: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const n = this.size;
    const k = Math.floor(((e.clientX - rect.left) / rect.width) * n);
    const q = Math.floor(((e.clientY - rect.top) / rect.height) * n);
    const row = this.rows[this.layer]?.[this.head]?.[q];
    if (!row || k < 0 || k >= row.length) {
      this.tooltip.hidden = true;
      return;
    }
    const label = (p: number) =>
      this.labels[p] !== undefined ? ` ${JSON.stringify(this.labels[p])}` : "";
    this.tooltip.textContent = `q ${q}${label(q)} → k ${k}${label(k)}: ${row[k].toFixed(4)}`;
    this.tooltip.hidden = false;
    const wrap = this.canvas.parentElement!.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(e.clientX - wrap.left + 12, wrap.width - 160)}px`;
    this.tooltip.style.top = `${e.clientY - wrap.top + 12}px`;
  }
}

function fillSelect(select: HTMLSelectElement, n: number, keep: number): void {
  select.replaceChildren(
    ...Array.from({ length: n }, (_, i) => new Option(String(i), String(i), false, i === keep)),
  );
}
