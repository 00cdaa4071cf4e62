// plot.test.ts — `nanolm plot`: the log parser (resumed runs, bad lines with their line number),
// the SVG's structure, and the PNG's bytes (signature, IHDR, CRCs, the inflated image size).
import { inflateSync, crc32 as zlibCrc32 } from "node:zlib";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plotCommand } from "../../cli/plot.ts";
import {
  crc32,
  niceTicks,
  parseLog,
  plotLog,
  PNG_SIGNATURE,
  PlotError,
  smooth,
} from "../src/plot.ts";

// 20 training steps and a validation every 5 (at steps 5, 10, 15, 20).
function sampleLog(): string {
  const lines: string[] = [];
  for (let step = 1; step <= 20; step++) {
    const loss = 3 * Math.exp(-step / 8) + 0.1 * Math.sin(step);
    lines.push(JSON.stringify({ step, loss, lr: 1e-3, tokens_per_s: 1000, elapsed_s: step }));
    if (step % 5 === 0) lines.push(JSON.stringify({ step, val_loss: loss + 0.2 }));
  }
  return lines.join("\n") + "\n";
}

// Each PNG chunk as { type, data }, checking every chunk's CRC on the way.
function pngChunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];
  for (let off = 8; off < png.length;) {
    const length = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + length);
    expect(dv.getUint32(off + 8 + length)).toBe(crc32(png.subarray(off + 4, off + 8 + length)));
    chunks.push({ type, data });
    off += 12 + length;
  }
  return chunks;
}

describe("parseLog", () => {
  it("reads training and validation lines", () => {
    const curves = parseLog(sampleLog());
    expect(curves.train).toHaveLength(20);
    expect(curves.val.map((p) => p.step)).toEqual([5, 10, 15, 20]);
    expect(curves.warnings).toEqual([]);
  });

  it("lets a resumed run's steps replace the ones logged before the kill", () => {
    const log = [1, 2, 3, 4, 3, 4, 5]
      .map((step, i) => JSON.stringify({ step, loss: i }))
      .join("\n");
    const curves = parseLog(log);
    expect(curves.train.map((p) => [p.step, p.value])).toEqual([
      [1, 0],
      [2, 1],
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
  });

  it("skips an unfinished last line (a run killed mid-write) with a warning", () => {
    const curves = parseLog('{"step": 1, "loss": 2}\n{"step": 2, "lo', "run/log.jsonl");
    expect(curves.train).toHaveLength(1);
    expect(curves.warnings).toEqual(["run/log.jsonl:2: skipped an unfinished last line"]);
  });

  it("names the file and line of a bad line", () => {
    const cases: [string, RegExp][] = [
      ['{"step": 1, "loss": 2}\nnot json\n{"step": 3, "loss": 1}', /^log\.jsonl:2: not valid JSON/],
      ['{"step": 1, "loss": 2}\n[1, 2]\n', /^log\.jsonl:2: expected a JSON object/],
      ['\n{"step": "x", "loss": 2}\n', /^log\.jsonl:2: "step" must be a non-negative integer/],
      ['{"step": 1, "loss": "2"}\n', /^log\.jsonl:1: "loss" must be a number/],
      ['{"step": 1, "val_loss": true}\n', /^log\.jsonl:1: "val_loss" must be a number/],
      ['{"event": "start"}\n', /^log\.jsonl: no "loss" or "val_loss" values/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLog(text, "log.jsonl")).toThrow(PlotError);
      expect(() => parseLog(text, "log.jsonl")).toThrow(message);
    }
  });
});

describe("chart pieces", () => {
  it("smooths with a bias-corrected moving average", () => {
    const s = smooth([5, 5, 5].map((value, step) => ({ step, value })));
    for (const p of s) expect(p.value).toBeCloseTo(5, 12);
  });

  it("places ticks at round values", () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(1.13, 2.9, 8)).toEqual([1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.4, 2.6, 2.8]);
  });

  it("computes PNG's CRC-32 as zlib does", () => {
    const bytes = new TextEncoder().encode("IEND and some more bytes");
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });
});

describe("plotLog", () => {
  it("draws an SVG with the three curves, a point per validation and labelled axes", () => {
    const svg = plotLog(sampleLog(), "svg", { title: "sort <6>" }).output as string;
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    // Well-formed enough for any XML reader: every element self-closes or is closed, text escaped.
    const opened = (svg.match(/<(svg|text)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|text)>/g) ?? []).length;
    expect(opened).toBe(closed);
    expect(svg).toContain("sort &lt;6&gt;");
    const series = (name: string) => {
      const m = svg.match(new RegExp(`<polyline class="${name}" points="([^"]*)"`));
      return m ? m[1].split(" ").length : 0;
    };
    expect(series("train")).toBe(20);
    expect(series("train-smoothed")).toBe(20);
    expect(series("val")).toBe(4);
    expect((svg.match(/<circle class="val"/g) ?? []).length).toBe(4);
    for (const label of [">step<", ">loss<", ">train loss<", ">validation loss<"]) {
      expect(svg).toContain(label);
    }
  });

  it("draws a PNG: signature, IHDR size, CRCs, and an IDAT that inflates to the image", () => {
    const png = plotLog(sampleLog(), "png").output as Uint8Array;
    expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
    const chunks = pngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
    const [width, height] = [ihdr.getUint32(0), ihdr.getUint32(4)];
    expect([width, height]).toEqual([800, 480]);
    expect([...chunks[0].data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    const raw = inflateSync(chunks[1].data);
    expect(raw.length).toBe(height * (1 + 3 * width));
    // Not a blank canvas: the curves' colours are there.
    let smoothedBlue = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * (1 + 3 * width) + 1 + 3 * x;
        if (raw[i] === 0x1f && raw[i + 1] === 0x77 && raw[i + 2] === 0xb4) smoothedBlue++;
      }
    }
    expect(smoothedBlue).toBeGreaterThan(100);
  });
});

describe("nanolm plot", () => {
  it("writes the file the extension names, and reports a bad line by file and number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanolm-plot-"));
    try {
      const log = join(dir, "log.jsonl");
      writeFileSync(log, sampleLog());
      expect(await plotCommand([log, join(dir, "loss.png")])).toBe(0);
      expect([...readFileSync(join(dir, "loss.png")).subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
      expect(await plotCommand([log, join(dir, "loss.svg"), "--title", "run"])).toBe(0);
      expect(readFileSync(join(dir, "loss.svg"), "utf8")).toContain(">run</text>");
      await expect(plotCommand([log, join(dir, "loss.jpg")])).rejects.toThrow(
        /name it .svg or .png/,
      );
      writeFileSync(log, '{"step": 1, "loss": 2}\n{"step": 2, "loss": }\n{"step": 3, "loss": 1}\n');
      await expect(plotCommand([log, join(dir, "bad.svg")])).rejects.toThrow(
        `${log}:2: not valid JSON`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
