/// <reference lib="dom" />
// The playground's speed in a real browser: Debian's Chromium (/usr/bin/chromium, driven by
// @playwright/test's launcher, never a downloaded browser) against the production build served by
// `vite preview` (playground/e2e/server.ts). It measures
//   1. navigation start → body[data-ready="true"], best and median of 3 fresh page loads;
//   2. first-token latency on the default bundled model (nano-pico), Scheme and WASM engines;
//   3. WASM decode tokens/s in the page against the same engine in Node (engine-c/ts/engine.ts,
//      same threads), runs taking turns: on nano-pico, and on the 168M-class Q8_0 synthetic
//      model opened through #model-file (target: the page ≥ 80% of Node).
// A table goes to stdout, and the last line is one JSON object. Without Chromium or the model
// file it says so and exits 0.
//
//   npx tsx playground/bench/bench-playground.ts
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { Engine } from "../../engine-c/ts/engine.ts";
import { startPlayground, type PlaygroundServer } from "../e2e/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = resolve(import.meta.dirname, "..", "..");
const BIG_MODEL = resolve(repoRoot, "engine-c/build/bench/nano-168m-q8_0.bin");
const BIG_NAME = "nano-168m-q8_0";
const DEFAULT_MODEL = resolve(repoRoot, "models/nano-pico.bin");
const PROMPT = "Once upon a time";
const NEW_TOKENS = 32;
const LOADS = 3;
const FIRST_TOKEN_RUNS = 3;
const DECODE_RUNS = 3;
const TARGET_RATIO = 0.8;
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const best = (xs: number[]) => Math.min(...xs);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/* tsx (esbuild keepNames) wraps named inner functions in __name(...): define it in the page too. */
const NAME_SHIM = "globalThis.__name = (f) => f;";

/** Wait (20 s polls, up to 10 min) until no CI run is active, so the figures are not polluted. */
async function waitForQuietMachine(): Promise<boolean> {
  const deadline = Date.now() + 10 * 60_000;
  for (let first = true; ; first = false) {
    let busy = false;
    try {
      busy = execFileSync("pgrep", ["-f", "ci/run"], { encoding: "utf8" }).trim() !== "";
    } catch {
      busy = false; // pgrep exits 1 when nothing matches
    }
    if (!busy) return true;
    if (Date.now() > deadline) return false;
    if (first) console.log("a CI run is active (pgrep -f ci/run): waiting for it to end …");
    await sleep(20_000);
  }
}

/** Set an input's value the way a user would (range, number, text, select). */
async function setValue(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(
    selector,
    (el, v) => {
      const input = el as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
      input.value = v;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    },
    value,
  );
}

/** Runs in the page before its scripts: note performance.now() (ms since navigation start) when
 *  body[data-ready="true"] first appears. */
function readyProbe(): void {
  const w = window as unknown as { __readyAt?: number };
  const check = () => {
    if (w.__readyAt === undefined && document.body?.dataset.ready === "true") {
      w.__readyAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { attributes: true, childList: true, subtree: true });
}

async function readyTime(page: Page): Promise<number> {
  await page.waitForFunction(() => document.body?.dataset.ready === "true", null, {
    timeout: 120_000,
  });
  return page.evaluate(() => (window as unknown as { __readyAt?: number }).__readyAt ?? NaN);
}

interface GenerationTiming {
  /** Click → first span.token, ms. */
  firstMs: number;
  tokens: number;
  /** (tokens - 1) / (last token time - first token time): the decode rate seen on the page. */
  decodeTokS: number;
  status: string;
}

/** Click #generate, wait for the run to end; each span.token's data-t says when its token reached
 *  the page (falling back on when the span appeared). */
async function generate(page: Page, timeoutMs: number): Promise<GenerationTiming> {
  const times = await page.evaluate(
    (timeout) =>
      new Promise<number[]>((done, fail) => {
        const output = document.querySelector("#output")!;
        const button = document.querySelector("#generate") as HTMLButtonElement;
        const status = document.querySelector("#gen-status")!;
        const stamps: number[] = [];
        let seen = 0;
        const start = performance.now();
        const finish = () => {
          observer.disconnect();
          clearTimeout(timer);
          clearInterval(poll);
          done([start, ...stamps]);
        };
        const observer = new MutationObserver(() => {
          const n = output.querySelectorAll("span.token").length;
          const now = performance.now();
          // The click clears the old output first: only count tokens added after it.
          if (n < seen) seen = 0;
          while (seen < n) {
            stamps.push(now);
            seen++;
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          clearInterval(poll);
          fail(new Error(`generation did not finish within ${timeout / 1000} s`));
        }, timeout);
        // Done when the button is enabled again and the status reports the run.
        const poll = setInterval(() => {
          if (!button.disabled && /tokens in|stopped|error/.test(status.textContent ?? "")) {
            // Spans are drawn in batches (paint.ts); each notes when its token arrived.
            const arrived = [...output.querySelectorAll<HTMLElement>("span.token")].map((s) =>
              Number(s.dataset.t),
            );
            if (arrived.length > 0 && arrived.every(Number.isFinite))
              stamps.splice(0, stamps.length, ...arrived);
            finish();
          }
        }, 50);
        output.replaceChildren();
        status.textContent = "";
        observer.observe(output, { childList: true, subtree: true });
        button.click();
      }),
    timeoutMs,
  );
  const [start, ...stamps] = times;
  const status = (await page.$eval("#gen-status", (el) => el.textContent ?? "")).trim();
  if (/error/.test(status)) throw new Error(`generation failed: ${status}`);
  if (stamps.length === 0) throw new Error(`no token was produced (status: ${status})`);
  const span = stamps[stamps.length - 1] - stamps[0];
  return {
    firstMs: stamps[0] - start,
    tokens: stamps.length,
    decodeTokS: stamps.length > 1 && span > 0 ? ((stamps.length - 1) * 1000) / span : NaN,
    status,
  };
}

/** The page's engine threads for a model of `bytes` (playground/src/main.ts threadsFor). */
async function pageThreads(page: Page, bytes: number): Promise<number> {
  const { isolated, cores } = await page.evaluate(() => ({
    isolated: globalThis.crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
  }));
  if (!isolated || bytes < 32 * 2 ** 20) return 1;
  return Math.max(1, Math.min(4, cores - 1));
}

/** The same engine in Node, loaded once: decode tok/s of one greedy run of NEW_TOKENS. */
async function nodeDecodeRun(
  engine: Engine,
): Promise<{ tokS: number; tokens: number; promptIds: number[] }> {
  const encoded = engine.encode(PROMPT);
  const promptIds = encoded.length > 0 ? encoded : [2]; // the page's fallback: <|bos|>
  let tokens = 0;
  for await (const _token of engine.generate(promptIds, {
    maxNewTokens: NEW_TOKENS,
    sampler: { temperature: 0 },
  }))
    tokens++;
  const s = engine.stats;
  const tokS = s.decodeTokens > 0 ? (s.decodeTokens * 1000) / s.decodeMs : NaN;
  return { tokS, tokens, promptIds };
}

/**
 * Decode tok/s of the model loaded in the page (engine "wasm", greedy, NEW_TOKENS) against the
 * same engine in Node with `threads`. Page and Node take turns, so a machine whose load changes
 * from minute to minute slows both alike; each side keeps its best run (Node's first warms up).
 */
async function compareDecode(
  page: Page,
  modelPath: string,
  name: string,
  threads: number,
): Promise<{
  pageTokS: number;
  nodeTokS: number;
  pageRuns: GenerationTiming[];
  rows: [string, string][];
}> {
  await setValue(page, "#engine-select", "wasm");
  await setValue(page, "#prompt", PROMPT);
  await setValue(page, "#temperature", "0");
  await setValue(page, "#max-new-tokens", String(NEW_TOKENS));
  const nodeEngine = await Engine.create({ threads });
  nodeEngine.load(new Uint8Array(readFileSync(modelPath)));
  await nodeDecodeRun(nodeEngine);
  await generate(page, 300_000);
  const pageRuns: GenerationTiming[] = [];
  const nodeRuns: Awaited<ReturnType<typeof nodeDecodeRun>>[] = [];
  for (let i = 0; i < DECODE_RUNS; i++) {
    pageRuns.push(await generate(page, 300_000));
    nodeRuns.push(await nodeDecodeRun(nodeEngine));
  }
  nodeEngine.dispose();
  const pageTokS = Math.max(...pageRuns.map((r) => r.decodeTokS));
  const nodeTokS = Math.max(...nodeRuns.map((r) => r.tokS));
  const ratio = pageTokS / nodeTokS;
  return {
    pageTokS,
    nodeTokS,
    pageRuns,
    rows: [
      [
        `page WASM decode, ${name}, T=${threads}`,
        `${pageTokS.toFixed(2)} tok/s best of ${DECODE_RUNS} (${pageRuns.map((r) => r.decodeTokS.toFixed(1)).join(", ")}; ${pageRuns[0].tokens} tokens, from token timestamps)`,
      ],
      [
        `Node WASM decode, ${name}, T=${threads}`,
        `${nodeTokS.toFixed(2)} tok/s best of ${DECODE_RUNS} (${nodeRuns.map((r) => r.tokS.toFixed(1)).join(", ")}; ${nodeRuns[0].tokens} tokens)`,
      ],
      [`ratio browser/Node, ${name}`, ratio.toFixed(2)],
    ],
  };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIPPED: the playground benchmark needs ${CHROMIUM} (apt-get install chromium)`);
    console.log(JSON.stringify({ skipped: `no ${CHROMIUM}` }));
    return;
  }
  const haveBig = existsSync(BIG_MODEL);
  if (!haveBig)
    console.log(
      `NOTE: ${BIG_MODEL} is missing: the decode comparison is skipped. ` +
        "`npm run bench:engine` builds it.",
    );

  if (!(await waitForQuietMachine()))
    console.log("WARNING: a CI run was still active after 10 min; the figures may be polluted.");

  const result: Record<string, unknown> = {};
  const rows: [string, string][] = [];
  let server: PlaygroundServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startPlayground();
    if (server.buildSeconds) rows.push(["vite build", `${server.buildSeconds.toFixed(1)} s`]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const errors: string[] = [];
    const watch = (page: Page) => {
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
      });
    };

    // 1. Page interactive: fresh contexts (empty cache and storage) each time.
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript({ content: NAME_SHIM });
      await context.addInitScript(readyProbe);
      const page = await context.newPage();
      watch(page);
      await page.goto(server.url);
      loads.push(await readyTime(page));
      await context.close();
    }
    result.interactiveMs = { best: round(best(loads), 0), median: round(median(loads), 0), loads };
    rows.push([
      "page interactive (nav start → data-ready)",
      `best ${best(loads).toFixed(0)} ms, median ${median(loads).toFixed(0)} ms (${loads.map((x) => x.toFixed(0)).join(", ")})`,
    ]);

    // 2. First token on nano-pico, per engine; the first run of each is the cold one.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript({ content: NAME_SHIM });
    const page = await context.newPage();
    watch(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, {
      timeout: 120_000,
    });
    await setValue(page, "#prompt", PROMPT);
    await setValue(page, "#temperature", "0");
    await setValue(page, "#max-new-tokens", "8");
    const firstToken: Record<string, unknown> = {};
    for (const engine of ["scheme", "wasm"]) {
      await setValue(page, "#engine-select", engine);
      const runs: number[] = [];
      for (let i = 0; i < FIRST_TOKEN_RUNS; i++) runs.push((await generate(page, 60_000)).firstMs);
      firstToken[engine] = {
        cold: round(runs[0]),
        best: round(best(runs)),
        median: round(median(runs)),
      };
      rows.push([
        `first token, nano-pico, ${engine}`,
        `cold ${runs[0].toFixed(0)} ms, best ${best(runs).toFixed(0)} ms, median ${median(runs).toFixed(0)} ms`,
      ]);
    }
    result.firstTokenMs = firstToken;

    // 2b. Decode on the default model (nano-pico, one thread as the page uses for it).
    const pico = await compareDecode(page, DEFAULT_MODEL, "nano-pico", 1);
    rows.push(...pico.rows);
    result.decodeDefault = {
      model: "nano-pico",
      pageTokS: round(pico.pageTokS, 1),
      nodeTokS: round(pico.nodeTokS, 1),
      ratio: round(pico.pageTokS / pico.nodeTokS, 3),
    };

    // 3. Decode on the 168M Q8_0 model: the page, then Node with the same engine.
    if (haveBig) {
      if (!(await waitForQuietMachine()))
        console.log(
          "WARNING: a CI run was still active after 10 min; the figures may be polluted.",
        );
      const size = statSync(BIG_MODEL).size;
      const t0 = Date.now();
      await page.setInputFiles("#model-file", BIG_MODEL);
      await page.waitForFunction(
        (name) => {
          const select = document.querySelector("#model-select") as HTMLSelectElement;
          const info = document.querySelector("#model-info")?.textContent ?? "";
          if (/^Could not/.test(info)) throw new Error(info);
          return (
            [...select.selectedOptions].some((o) => (o.textContent ?? "").includes(name)) &&
            document.title.startsWith(name) &&
            !select.disabled
          );
        },
        BIG_NAME,
        { timeout: 300_000, polling: 200 },
      );
      const openS = (Date.now() - t0) / 1000;
      rows.push([`open ${BIG_NAME} (store in OPFS + load)`, `${openS.toFixed(1)} s`]);
      result.openBigModelS = round(openS);
      const threads = await pageThreads(page, size);
      const big = await compareDecode(page, BIG_MODEL, BIG_NAME, threads);
      rows.push(...big.rows);
      const { pageTokS, nodeTokS: nodeBest, pageRuns } = big;
      const last = pageRuns[pageRuns.length - 1];
      const statusRate = Number(/\(([\d.]+) tok\/s\)/.exec(last.status)?.[1] ?? NaN);
      await context.close();
      await browser.close();
      browser = undefined;
      await server.close();
      server = undefined;

      const node: Record<string, number> = { [`T${threads}`]: round(nodeBest, 2) };
      const ratio = pageTokS / node[`T${threads}`];
      rows.push([
        `168M ratio browser/Node (T=${threads})`,
        `${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? "OK" : "BELOW TARGET"}`,
      ]);
      result.decode = {
        model: BIG_NAME,
        newTokens: NEW_TOKENS,
        pageThreads: threads,
        pageTokS: round(pageTokS, 2),
        pageStatusTokS: statusRate,
        pageTokens: last.tokens,
        nodeTokS: node,
        ratio: round(ratio, 3),
        target: TARGET_RATIO,
        ok: ratio >= TARGET_RATIO,
      };
    } else {
      await context.close();
      result.decode = { skipped: `missing ${BIG_MODEL}; run npm run bench:engine` };
    }
    if (errors.length) result.pageErrors = errors;
  } finally {
    await browser?.close();
    await server?.close();
  }

  const width = Math.max(...rows.map(([k]) => k.length));
  console.log("\nplayground benchmark (headless Chromium, vite preview build)");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const errors = result.pageErrors as string[] | undefined;
  if (errors) console.log(`  page errors: ${errors.length}\n    ${errors.join("\n    ")}`);
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
