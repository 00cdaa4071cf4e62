/// <reference lib="dom" />
// The playground in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser), against the production build served by `vite preview` (COOP/COEP from
// playground/vite.config.ts). One page is shared by the tests, in order, like a learner's
// session: load, run, debug, stop, generate on each engine, compare, open a .bin. Screenshots of
// the main states go to build/playground-screenshots/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import { writeModel } from "../../engine-c/ts/format.ts";
import { startPlayground, type PlaygroundServer } from "./server.ts";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = resolve(import.meta.dirname, "..", "..");
const shots = join(repoRoot, "build", "playground-screenshots");
const haveChromium = existsSync(CHROMIUM);
const haveApp = existsSync(join(repoRoot, "playground", "vite.config.ts"));
if (!haveChromium)
  console.warn(`SKIPPED: playground browser tests need ${CHROMIUM} (apt-get install chromium)`);
if (!haveApp) console.warn("SKIPPED: playground browser tests: no playground/vite.config.ts");

/** The test hooks the editor installs (playground contract). */
interface NanoHooks {
  setProgram(text: string): void;
  toggleBreakpoint(line: number): void;
  getProgram(): string;
  currentLine(): number | null;
}
declare global {
  interface Window {
    nanolm: NanoHooks;
  }
}

let server: PlaygroundServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const figures: Record<string, string> = {};

async function shot(name: string, scrollTo?: string): Promise<void> {
  if (scrollTo) await page.$eval(scrollTo, (el) => el.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Set an input's value the way a user would (works for range, number, text and select). */
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

const consoleText = () => page.$eval("#console", (el) => el.textContent ?? "");
const tokenCount = () => page.$$eval("#output span.token", (els) => els.length);
const attentionCells = () =>
  page.$eval("#attention", (el) => Number(el.getAttribute("data-cells") ?? 0));

/** Run a program with #run and wait until the console shows `expected`. */
async function runProgram(source: string, expected: string): Promise<void> {
  await page.evaluate((s) => window.nanolm.setProgram(s), source);
  await page.click("#run");
  await page.waitForFunction(
    (text) => (document.querySelector("#console")?.textContent ?? "").includes(text),
    expected,
    { timeout: 20_000 },
  );
}

/**
 * Click #generate, return ms until the first span.token appears in #output (measured in the
 * page), then wait until generation settles: `maxNew` tokens, or no new token for `quietMs`.
 */
async function generate(
  maxNew: number,
  quietMs = 2500,
): Promise<{ firstMs: number; tokens: number }> {
  const firstMs = await page.evaluate(
    () =>
      new Promise<number>((resolveFirst, reject) => {
        const output = document.querySelector("#output")!;
        const start = performance.now();
        const timer = setTimeout(() => reject(new Error("no token within 30 s")), 30_000);
        let seen = false;
        const observer = new MutationObserver(() => {
          // Old tokens may still be there for a moment: wait for a fresh one after the click.
          if (!seen && output.querySelector("span.token") && output.children.length > 0) {
            seen = true;
            observer.disconnect();
            clearTimeout(timer);
            resolveFirst(performance.now() - start);
          }
        });
        observer.observe(output, { childList: true, subtree: true, characterData: true });
        (document.querySelector("#generate") as HTMLButtonElement).click();
      }),
  );
  let last = -1;
  let lastChange = Date.now();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const n = await tokenCount();
    if (n !== last) [last, lastChange] = [n, Date.now()];
    if (n >= maxNew || Date.now() - lastChange > quietMs || Date.now() > deadline) break;
    await page.waitForTimeout(100);
  }
  return { firstMs, tokens: last };
}

describe.skipIf(!haveChromium || !haveApp)("the playground in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = await startPlayground();
    if (server.buildSeconds) figures["vite build"] = `${server.buildSeconds.toFixed(1)} s`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
    });
  });

  afterAll(async () => {
    console.log(
      "playground figures (headless Chromium):\n" +
        Object.entries(figures)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join("\n"),
    );
    await browser?.close();
    await server?.close();
  });

  it("loads: body[data-ready=true], cross-origin isolated, no console errors", async () => {
    const started = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, {
      timeout: 60_000,
    });
    figures["page interactive (data-ready)"] = `${Date.now() - started} ms`;
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    for (const id of ["#editor", "#run", "#console", "#model-select", "#generate", "#attention"])
      expect(await page.$(id), id).not.toBeNull();
    await shot("01-loaded");
    expect(errors).toEqual([]);
  });

  it("runs a Scheme program and prints", async () => {
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

  it("hits a breakpoint, shows variables, and stepping moves the highlight", async () => {
    await page.evaluate((s) => {
      window.nanolm.setProgram(s);
      window.nanolm.toggleBreakpoint(3);
    }, DEBUG_PROGRAM);
    await page.click("#debug");
    await page.waitForFunction(() => window.nanolm.currentLine() === 3, null, { timeout: 20_000 });
    // Monaco draws decorations on its next frame: wait for them rather than look at once.
    await page.waitForSelector("#editor .current-expression", { timeout: 10_000 });
    await page.waitForSelector("#editor .breakpoint-glyph", { timeout: 10_000 });

    // The paused frame's variables, by name and value.
    await page.waitForSelector("#variables .variable", { timeout: 10_000 });
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
    expect(await page.$eval("#callstack", (el) => el.textContent ?? "")).toContain("area");
    await shot("03-paused-at-breakpoint");
    await page.locator("#variables").scrollIntoViewIfNeeded();
    await shot("03b-paused-variables");

    await page.click("#step-over");
    await page.waitForFunction(() => window.nanolm.currentLine() !== 3, null, { timeout: 10_000 });
    const moved = await page.evaluate(() => window.nanolm.currentLine());
    expect(moved).toBe(4);
    await shot("04-after-step-over");

    // Continue to the end; the breakpoint is removed again for the next tests.
    await page.click("#continue");
    await page.waitForFunction(
      () => (document.querySelector("#console")?.textContent ?? "").includes("area 4242"),
      null,
      { timeout: 10_000 },
    );
    await page.evaluate(() => window.nanolm.toggleBreakpoint(3));
  });

  it("Stop ends (let loop () (loop)) and a new run still prints", async () => {
    // Whatever an earlier test left running or paused, start from a stopped program.
    if (await page.isEnabled("#stop")) await page.click("#stop");
    await page.waitForSelector("#run:not([disabled])", { timeout: 20_000 });
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

  it("generates text with the default model on the Scheme engine (attention fills in)", async () => {
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
    const { firstMs, tokens } = await generate(8, 4000);
    clearInterval(sampler);
    figures["first token, Scheme engine"] = `${firstMs.toFixed(0)} ms`;
    expect(tokens).toBeGreaterThan(0);
    const after = await attentionCells();
    expect(after).toBeGreaterThan(before);
    // Filled in token by token: several distinct, growing counts were seen while generating.
    expect(new Set(samples.filter((n) => n > 0)).size).toBeGreaterThan(1);
    await shot("05-generated-scheme", "#generation-panel");
    await page.$eval("#attention", (el) => el.scrollIntoView());
    await page.locator("#attention").screenshot({ path: join(shots, "06-attention.png") });
  });

  it("generates text with the default model on the WASM engine", async () => {
    await setValue("#engine-select", "wasm");
    const { firstMs, tokens } = await generate(8);
    figures["first token, WASM engine"] = `${firstMs.toFixed(0)} ms`;
    expect(tokens).toBeGreaterThan(0);
    await shot("07-generated-wasm", "#generation-panel");
  });

  it("compare mode reports that the engines agree", async () => {
    await setValue("#engine-select", "compare");
    await generate(8, 4000);
    await page.waitForFunction(
      () => /agree|differ/.test(document.querySelector("#compare-status")?.textContent ?? ""),
      null,
      { timeout: 20_000 },
    );
    const status = await page.$eval("#compare-status", (el) => el.textContent ?? "");
    figures["compare status"] = JSON.stringify(status.trim().replace(/\s+/g, " "));
    expect(status).toContain("agree");
    expect(status).not.toContain("differ");
    await shot("08-compare", "#generation-panel");
  });

  it("runs a .bin opened through the file chooser", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanolm-playground-"));
    try {
      const file = join(dir, "synthetic-tiny.bin");
      const model = makeSyntheticModel({
        config: {
          blockSize: 64,
          vocabSize: 103, // the special tokens, newline, space and printable ASCII
          nLayer: 2,
          nEmbd: 32,
          nHead: 4,
          nKvHead: 2,
          nHidden: 64,
        },
        seed: 7,
      });
      writeFileSync(file, writeModel(model));
      await page.setInputFiles("#model-file", file);
      await page.waitForFunction(
        () =>
          [...(document.querySelector("#model-select") as HTMLSelectElement).selectedOptions].some(
            (o) => /synthetic-tiny/.test(o.textContent ?? "") || /synthetic-tiny/.test(o.value),
          ),
        null,
        { timeout: 20_000 },
      );
      // The header/config view shows the new shape (n_embd 32, vocab 103).
      await page.waitForFunction(
        () => /\b103\b/.test(document.querySelector("#model-info")?.textContent ?? ""),
        null,
        { timeout: 10_000 },
      );
      await setValue("#engine-select", "wasm");
      await setValue("#prompt", "hello");
      const { tokens } = await generate(8);
      expect(tokens).toBeGreaterThan(0);
      await shot("09-opened-file-model", "#generation-panel");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("switches theme and stays free of console errors", async () => {
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const first = await theme();
    await page.click("#theme-toggle");
    await page.waitForFunction((t) => document.documentElement.dataset.theme !== t, first);
    await shot(`10-theme-${await theme()}`);
    await page.click("#theme-toggle");
    expect(errors).toEqual([]);
  });
});
