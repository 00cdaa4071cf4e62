/// <reference lib="dom" />
// The playground in a real browser: Debian's Chromium (playwright.config.ts; never a downloaded
// browser) against the production build served by `vite preview` (COOP/COEP from
// playground/vite.config.ts). One page is shared by the tests, in order, like a learner's session:
// load, run, debug with the mouse and the keyboard, pause, stop, generate on each engine, compare,
// pick a token, open a .bin by the file chooser and by drag-and-drop, switch theme. Screenshots
// of the main states are attached to the report and saved as build/playwright/screenshots/
// playground-*.png.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import { writeModel } from "../../engine-c/ts/format.ts";
import { startPlayground, type PlaygroundServer } from "./server.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const shotsDir = join(repoRoot, "build", "playwright", "screenshots");

/** The test hooks the editor installs (playground contract, editor.ts). */
interface NanoHooks {
  setProgram(text: string): void;
  toggleBreakpoint(line: number): void;
  getProgram(): string;
  currentLine(): number | null;
  breakpoints(): { file: string; lines: number[] }[];
}
declare global {
  interface Window {
    nanolm: NanoHooks;
  }
}

test.describe.configure({ mode: "serial" });

let server: PlaygroundServer;
let page: Page;
const errors: string[] = [];
const figures: Record<string, string> = {};

/** A tiny random model whose vocabulary is the special tokens, newline, space and ASCII. */
function tinyModel(seed: number): Buffer {
  const model = makeSyntheticModel({
    config: {
      blockSize: 64,
      vocabSize: 103,
      nLayer: 2,
      nEmbd: 32,
      nHead: 4,
      nKvHead: 2,
      nHidden: 64,
    },
    seed,
  });
  return Buffer.from(writeModel(model));
}

/** Screenshot the page (optionally after scrolling `scrollTo` into view): file and attachment. */
async function shot(name: string, scrollTo?: string): Promise<void> {
  if (scrollTo) await page.locator(scrollTo).scrollIntoViewIfNeeded();
  const path = join(shotsDir, `playground-${name}.png`);
  await page.screenshot({ path });
  await test.info().attach(name, { path, contentType: "image/png" });
}

/** Set an input's value the way a user would (works for number, text, select and checkbox). */
async function setValue(selector: string, value: string): Promise<void> {
  await page.$eval(
    selector,
    (el, v) => {
      const input = el as HTMLInputElement | HTMLSelectElement;
      if (input instanceof HTMLInputElement && input.type === "checkbox") {
        input.checked = v === "true";
      } else input.value = v;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    },
    value,
  );
}

const consoleText = () => page.locator("#console").textContent();
const tokenCount = () => page.locator("#output span.token").count();
const attentionCells = () =>
  page.$eval("#attention", (el) => Number(el.getAttribute("data-cells") ?? 0));
const currentLine = () => page.evaluate(() => window.nanolm.currentLine());

/** Make sure no program runs or is paused (a previous test may have left one). */
async function stopProgram(): Promise<void> {
  if (await page.isEnabled("#stop")) await page.click("#stop");
  await expect(page.locator("#run")).toBeEnabled({ timeout: 20_000 });
}

/** Run a program with #run and wait until the console shows `expected`. */
async function runProgram(source: string, expected: string): Promise<void> {
  await page.evaluate((s) => window.nanolm.setProgram(s), source);
  await page.click("#run");
  await expect(page.locator("#console")).toContainText(expected, { timeout: 20_000 });
}

/**
 * Click #generate, return ms until the first span.token appears in #output (measured in the
 * page), then wait until generation settles: the Generate button is enabled again.
 */
async function generate(): Promise<{ firstMs: number; tokens: number }> {
  const firstMs = await page.evaluate(
    () =>
      new Promise<number>((resolveFirst, reject) => {
        const output = document.querySelector("#output")!;
        const start = performance.now();
        const timer = setTimeout(() => reject(new Error("no token within 60 s")), 60_000);
        // The click clears the old output synchronously: any token seen after it is fresh.
        const observer = new MutationObserver(() => {
          if (output.querySelector("span.token")) {
            observer.disconnect();
            clearTimeout(timer);
            resolveFirst(performance.now() - start);
          }
        });
        observer.observe(output, { childList: true, subtree: true });
        (document.querySelector("#generate") as HTMLButtonElement).click();
      }),
  );
  await expect(page.locator("#generate")).toBeEnabled({ timeout: 60_000 });
  return { firstMs, tokens: await tokenCount() };
}

/** Drop `bytes` as a file named `name` on `selector`: dragenter, dragover and drop events
 *  carrying a real DataTransfer, as a browser sends them. */
async function dropFile(selector: string, name: string, bytes: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ fileName, base64 }) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], fileName, { type: "application/octet-stream" }));
      return transfer;
    },
    { fileName: name, base64: bytes.toString("base64") },
  );
  await page.dispatchEvent(selector, "dragenter", { dataTransfer });
  await page.dispatchEvent(selector, "dragover", { dataTransfer });
  await expect(page.locator("#drop-overlay")).toBeVisible();
  await page.dispatchEvent(selector, "drop", { dataTransfer });
  await dataTransfer.dispose();
}

/** Wait until the model select shows `name` and the header view shows the vocabulary size. */
async function expectModelLoaded(name: string, vocab: number): Promise<void> {
  await expect(page.locator("#model-select option:checked")).toContainText(name, {
    timeout: 30_000,
  });
  await expect(page.locator("#model-info")).toContainText(new RegExp(`\\b${vocab}\\b`));
  await expect(page.locator("#model-select")).toBeEnabled();
}

test.beforeAll(async ({ browser }) => {
  mkdirSync(shotsDir, { recursive: true });
  server = await startPlayground();
  if (server.buildSeconds) figures["vite build"] = `${server.buildSeconds.toFixed(1)} s`;
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
});

test.afterAll(async () => {
  console.log(
    "playground figures (headless Chromium):\n" +
      Object.entries(figures)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join("\n"),
  );
  await page?.close();
  await server?.close();
});

test("loads: ready, cross-origin isolated, a Course link, no console errors", async () => {
  const started = Date.now();
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, {
    timeout: 60_000,
  });
  figures["page interactive (data-ready)"] = `${Date.now() - started} ms`;
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  for (const id of ["#editor", "#run", "#console", "#model-select", "#generate", "#attention"])
    await expect(page.locator(id), id).toBeVisible();
  await expect(page.locator("#course-link")).toHaveAttribute("href", "course/");
  await expect(page.locator("#model-info")).toContainText("nano-pico");
  await shot("01-loaded");
  expect(errors).toEqual([]);
});

test("runs a Scheme program and prints", async () => {
  await runProgram("(display (+ 1 2))", "3");
  expect(await consoleText()).toContain("3");
  await shot("02-run");
});

const DEBUG_PROGRAM = [
  "(define (area w h)",
  "  (let ((a (* w h)))",
  '    (display "area ")',
  "    (display a)",
  "    a))",
  "(display (area 6 7))",
  "(newline)",
].join("\n");

test("hits a breakpoint, shows variables, and stepping moves the highlight", async () => {
  await page.evaluate((s) => {
    window.nanolm.setProgram(s);
    window.nanolm.toggleBreakpoint(3);
  }, DEBUG_PROGRAM);
  await page.click("#debug");
  await expect.poll(currentLine, { timeout: 20_000 }).toBe(3);
  // Monaco draws decorations on its next frame: wait for them rather than look at once.
  await expect(page.locator("#editor .current-expression").first()).toBeVisible();
  await expect(page.locator("#editor .breakpoint-glyph").first()).toBeVisible();

  // The paused frame's variables, by name and value.
  await expect(page.locator("#variables .variable").first()).toBeVisible();
  const variables = await page.$$eval("#variables .variable", (els) =>
    els.map((el) => [
      el.querySelector(".name")?.textContent?.trim() ?? "",
      el.querySelector(".value")?.textContent?.trim() ?? "",
    ]),
  );
  const value = (name: string) => variables.find(([n]) => n === name)?.[1];
  expect(value("w"), JSON.stringify(variables)).toBe("6");
  expect(value("h"), JSON.stringify(variables)).toBe("7");
  expect(value("a"), JSON.stringify(variables)).toBe("42");
  await expect(page.locator("#callstack")).toContainText("area");
  await shot("03-paused-at-breakpoint");

  await page.click("#step-over");
  await expect.poll(currentLine, { timeout: 10_000 }).toBe(4);
  await shot("04-after-step-over");

  // Continue to the end; the breakpoint is removed again for the next tests.
  await page.click("#continue");
  await expect(page.locator("#console")).toContainText("area 4242", { timeout: 10_000 });
  await page.evaluate(() => window.nanolm.toggleBreakpoint(3));
});

const KEYBOARD_PROGRAM = [
  "(define (double x)",
  "  (* 2 x))",
  "(define (twice-plus-one y)",
  "  (+ (double y) 1))",
  "(display (twice-plus-one 20))",
  "(newline)",
].join("\n");

test("F5 starts debugging, F10 steps over, F11 steps into, F5 continues", async () => {
  await stopProgram();
  await page.evaluate((s) => {
    window.nanolm.setProgram(s);
    window.nanolm.toggleBreakpoint(4);
  }, KEYBOARD_PROGRAM);
  await page.locator("#console").click(); // focus outside the editor: the keys work page-wide
  await page.keyboard.press("F5");
  await expect.poll(currentLine, { timeout: 20_000 }).toBe(4);
  // F11 enters `double`: the highlight moves to its body on line 2.
  for (let i = 0; i < 4 && (await currentLine()) !== 2; i++) {
    await page.keyboard.press("F11");
    await expect.poll(currentLine, { timeout: 10_000 }).not.toBeNull();
  }
  expect(await currentLine()).toBe(2);
  await expect(page.locator("#callstack")).toContainText("double");
  await shot("05-stepped-into-with-f11");
  // F10 steps over the rest of `double` and out of it: the highlight leaves its body.
  await page.keyboard.press("F10");
  await expect.poll(currentLine, { timeout: 10_000 }).toBeGreaterThan(2);
  await page.keyboard.press("F5");
  await expect(page.locator("#console")).toContainText("41", { timeout: 10_000 });
  await expect(page.locator("#run")).toBeEnabled();
  await page.evaluate(() => window.nanolm.toggleBreakpoint(4));
  expect(await page.evaluate(() => window.nanolm.breakpoints())).toEqual([]);
});

test("Pause works in plain Run mode, and Continue goes on", async () => {
  await stopProgram();
  await page.evaluate(() =>
    window.nanolm.setProgram(
      '(define (spin i)\n  (if (= (modulo i 1000000) 0) (display "."))\n  (spin (+ i 1)))\n(spin 1)',
    ),
  );
  await page.click("#run");
  await expect(page.locator("#pause")).toBeEnabled();
  await page.click("#pause");
  await expect(page.locator("#continue")).toBeEnabled({ timeout: 10_000 });
  await expect(page.locator("#callstack")).toContainText("spin");
  // Run mode compiles no step points: stepping needs Debug, so the step buttons stay off.
  await expect(page.locator("#step-over")).toBeDisabled();
  await shot("06-paused-in-run-mode");
  await page.click("#continue");
  await expect(page.locator("#pause")).toBeEnabled();
  await expect(page.locator("#continue")).toBeDisabled();
  await page.click("#stop");
  await expect(page.locator("#run")).toBeEnabled();
});

test("Stop ends (let loop () (loop)) and a new run still prints", async () => {
  await stopProgram();
  await page.evaluate(() => window.nanolm.setProgram("(let loop () (loop))"));
  await page.click("#run");
  await page.waitForTimeout(500);
  // The UI stays responsive while the worker spins.
  expect(await page.evaluate(() => 1 + 1)).toBe(2);
  const stopped = Date.now();
  await page.click("#stop");
  await runProgram('(display "after stop")', "after stop");
  figures["Stop → next run printed"] = `${Date.now() - stopped} ms`;
});

test("generates on the Scheme engine; the attention heatmap fills in token by token", async () => {
  await setValue("#engine-select", "scheme");
  await setValue("#temperature", "0");
  await setValue("#max-new-tokens", "8");
  const before = await attentionCells();
  const samples: number[] = [];
  const sampler = setInterval(() => {
    attentionCells().then(
      (n) => samples.push(n),
      () => {},
    );
  }, 100);
  const { firstMs, tokens } = await generate();
  clearInterval(sampler);
  figures["first token, Scheme engine"] = `${firstMs.toFixed(0)} ms`;
  expect(tokens).toBeGreaterThan(0);
  const after = await attentionCells();
  expect(after).toBeGreaterThan(before);
  // Filled in token by token: several distinct, growing counts were seen while generating.
  expect(new Set(samples.filter((n) => n > 0)).size).toBeGreaterThan(1);
  await shot("07-generated-scheme", "#generation-panel");
  await page.locator("#attention-panel").scrollIntoViewIfNeeded();
  const path = join(shotsDir, "playground-08-attention.png");
  await page.locator("#attention-panel").screenshot({ path });
  await test.info().attach("08-attention", { path, contentType: "image/png" });
});

test("picks the next token yourself on the Scheme engine", async () => {
  const tokensBefore = await tokenCount();
  const row = page.locator("#topk tr[data-id]").nth(1);
  const pickedId = await row.getAttribute("data-id");
  await row.click();
  await expect(page.locator("#output span.token.picked")).toHaveCount(1, { timeout: 30_000 });
  expect(await tokenCount()).toBe(tokensBefore + 1);
  await expect(page.locator("#output span.token.picked")).toHaveAttribute("data-id", pickedId!);
  await expect(page.locator("#topk caption")).toContainText("next token");
  await shot("09-picked-scheme", "#topk-panel");
  // Continue goes on from the picked token on the same engine.
  await page.click("#generate-continue");
  await expect(page.locator("#generate")).toBeEnabled({ timeout: 60_000 });
  expect(await tokenCount()).toBeGreaterThan(tokensBefore + 1);
  await expect(page.locator("#output span.token.picked")).toHaveCount(1);
});

test("generates with the default model on the WASM engine", async () => {
  await setValue("#engine-select", "wasm");
  const { firstMs, tokens } = await generate();
  figures["first token, WASM engine"] = `${firstMs.toFixed(0)} ms`;
  expect(tokens).toBeGreaterThan(0);
  await expect.poll(attentionCells).toBeGreaterThan(0);
  await shot("10-generated-wasm", "#generation-panel");
});

test("picks the next token yourself on the WASM engine, then continues", async () => {
  const tokensBefore = await tokenCount();
  const row = page.locator("#topk tr[data-id]").nth(2);
  const pickedId = await row.getAttribute("data-id");
  await row.click();
  await expect(page.locator("#output span.token.picked")).toHaveAttribute("data-id", pickedId!);
  expect(await tokenCount()).toBe(tokensBefore + 1);
  await page.click("#generate-continue");
  await expect(page.locator("#generate")).toBeEnabled({ timeout: 60_000 });
  expect(await tokenCount()).toBeGreaterThan(tokensBefore + 1);
});

test("compare mode reports that the engines agree", async () => {
  await setValue("#engine-select", "compare");
  await generate();
  await expect(page.locator("#compare-status")).toContainText(/agree|differ/, {
    timeout: 20_000,
  });
  const status = (await page.locator("#compare-status").textContent()) ?? "";
  figures["compare status"] = JSON.stringify(status.trim().replace(/\s+/g, " "));
  expect(status).toContain("agree");
  expect(status).not.toContain("differ");
  await shot("11-compare", "#generation-panel");
});

test("runs the seq2seq sort model", async () => {
  const sortValue = await page.$eval(
    "#model-select",
    (el) =>
      [...(el as HTMLSelectElement).options].find((o) => /sort/.test(o.textContent ?? ""))?.value,
  );
  expect(sortValue).toBeTruthy();
  await setValue("#model-select", sortValue!);
  await expect(page.locator("#generate")).toHaveText("Run seq2seq", { timeout: 20_000 });
  await setValue("#engine-select", "compare");
  await page.click("#generate");
  await expect(page.locator("#gen-status")).toContainText("seq2seq", { timeout: 30_000 });
  await expect(page.locator("#compare-status")).toContainText("agree");
  await expect(page.locator("#compare-status")).not.toContainText("differ");
  await expect.poll(attentionCells).toBeGreaterThan(0);
  await shot("12-seq2seq", "#generation-panel");
});

test("runs a .bin opened through the file chooser", async () => {
  await page.setInputFiles("#model-file", {
    name: "synthetic-tiny.bin",
    mimeType: "application/octet-stream",
    buffer: tinyModel(7),
  });
  await expectModelLoaded("synthetic-tiny", 103);
  await setValue("#engine-select", "wasm");
  await setValue("#prompt", "hello");
  const { tokens } = await generate();
  expect(tokens).toBeGreaterThan(0);
  await shot("13-opened-file-model", "#generation-panel");
});

test("runs a .bin dropped on the model panel", async () => {
  await dropFile("#model-panel", "dropped-tiny.bin", tinyModel(11));
  await expectModelLoaded("dropped-tiny", 103);
  await expect(page.locator("#drop-overlay")).toBeHidden();
  await setValue("#engine-select", "scheme");
  await setValue("#prompt", "hi");
  const { tokens } = await generate();
  expect(tokens).toBeGreaterThan(0);
  await shot("14-dropped-model", "#generation-panel");
});

test("switches theme and stays free of console errors", async () => {
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const first = await theme();
  await page.click("#theme-toggle");
  await expect.poll(theme).not.toBe(first);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(`15-theme-${await theme()}`);
  await page.click("#theme-toggle");
  await expect.poll(theme).toBe(first);
  expect(errors).toEqual([]);
});
