// The course in Chromium, page by page, as a reader gets it from `npm run docs`: every chapter of
// every language loads with no console errors, every live cell runs to the output its chapter
// gives (and draws when marked `figure`), every exercise accepts its solution and rejects its
// starter code, every widget draws, every internal link and #anchor resolves. A full-page
// screenshot of each page is attached to the report and saved to build/playwright/screenshots/.
import { test, expect, type Page, type TestInfo } from "@playwright/test";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { listChapters } from "../lib/chapters-node.ts";
import { normalizeOutput, type Chapter } from "../lib/chapters.ts";
import { startCourse } from "../../scripts/docs.mjs";
import type { DocsTestHooks } from "../src/notebook.ts";
import { LANGUAGES } from "../src/i18n.ts";

declare global {
  interface Window {
    __docs?: DocsTestHooks;
  }
}

const repoRoot = resolve(import.meta.dirname, "..", "..");
const screenshotDir = join(repoRoot, "build", "playwright", "screenshots");

const chapters = listChapters();
const english = chapters.filter((c) => c.lang === "en");
const translated = (lang: string, slug: string) =>
  existsSync(join(repoRoot, "docs", "content", lang, `${slug}.md`));

let server: Awaited<ReturnType<typeof startCourse>>;

test.beforeAll(async () => {
  test.setTimeout(600_000); // a first build of the playground and the course takes minutes
  server = await startCourse({ log: (line) => console.log(`[course] ${line}`) });
  mkdirSync(screenshotDir, { recursive: true });
});

test.afterAll(async () => {
  await server?.close();
});

/** Console errors and uncaught exceptions of a page, collected from its first moment. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const body = await page.screenshot({ fullPage: true });
  await testInfo.attach(name, { body, contentType: "image/png" });
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(screenshotDir, `${name}.png`), body);
}

/* Pages already fetched by the link checks (URL without #anchor → its HTML, or null for a
 * failed fetch): shared by all tests, so each page is fetched once. */
const fetched = new Map<string, string | null>();

/** Every link of the page that stays on the site resolves, and so does its #anchor. */
async function checkLinks(page: Page): Promise<string[]> {
  const origin = new URL(server.url).origin;
  const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => (a as HTMLAnchorElement).href));
  const here = page.url().split("#")[0];
  const broken: string[] = [];
  for (const href of new Set(hrefs)) {
    const url = new URL(href);
    if (url.origin !== origin) continue;
    const target = href.split("#")[0];
    const anchor = url.hash ? decodeURIComponent(url.hash.slice(1)) : null;
    if (target === here) {
      if (anchor && !(await page.$(`[id="${anchor.replace(/"/g, '\\"')}"]`)))
        broken.push(`${href}: no #${anchor} on this page`);
      continue;
    }
    if (!fetched.has(target)) {
      const response = await page.request.get(target);
      fetched.set(target, response.ok() ? await response.text() : null);
    }
    const html = fetched.get(target);
    if (html === null || html === undefined) broken.push(`${href}: not found`);
    else if (anchor && !html.includes(`id="${anchor}"`)) broken.push(`${href}: no #${anchor}`);
  }
  return broken;
}

/** Wait until every live cell has run (done or error). */
async function waitForCells(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLElement>(".cell.live")].every(
        (c) => c.dataset.state === "done" || c.dataset.state === "error",
      ),
    null,
    { timeout: 240_000, polling: 250 },
  );
}

/** Set an exercise's code, press Check, and read the verdict. */
async function checkExercise(page: Page, index: number, code: string) {
  const cell = page.locator(`.cell.exercise[data-cell-index="${index}"]`);
  await page.evaluate(([i, c]) => window.__docs!.setExerciseCode(i, c), [index, code] as const);
  await cell.locator("button.check").click();
  await expect(cell).toHaveAttribute("data-result", /pass|fail/, { timeout: 60_000 });
  return {
    result: await cell.getAttribute("data-result"),
    message: (await cell.locator(".exercise-result").textContent()) ?? "",
  };
}

/** The pages written in `lang` (English ones a language falls back to are tested in English). */
function pagesOf(lang: string): Chapter[] {
  return english
    .filter((c) => lang === "en" || translated(lang, c.slug))
    .map((c) => chapters.find((x) => x.lang === lang && x.slug === c.slug) ?? c);
}

for (const lang of LANGUAGES) {
  for (const chapter of pagesOf(lang)) {
    test(`${lang}/${chapter.slug}`, async ({ page }, testInfo) => {
      testInfo.setTimeout(420_000);
      const errors = watchErrors(page);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.courseUrl}${lang}/${chapter.slug}.html`);
      await expect(page.locator("article.prose h1").first()).toBeVisible();

      // Live cells: all run on load, in order.
      await waitForCells(page);
      for (const cell of chapter.cells) {
        if (cell.kind !== "live") continue;
        const el = page.locator(`.cell.live[data-cell-index="${cell.index}"]`);
        const shown = (await el.locator(".cell-output").textContent()) ?? "";
        const where = `${chapter.file}:${cell.line} (cell ${cell.index})`;
        expect(await el.getAttribute("data-state"), `${where} ran with an error:\n${shown}`).toBe(
          "done",
        );
        if (cell.expected !== null)
          expect(normalizeOutput(shown), `${where} output`).toBe(cell.expected);
        if (cell.figure)
          expect(
            await el.locator(".cell-figures .figure").count(),
            `${where} figures`,
          ).toBeGreaterThan(0);
      }

      // Widgets: each draws a real picture.
      const widgets = page.locator("[data-widget]");
      for (let i = 0; i < (await widgets.count()); i++) {
        const widget = widgets.nth(i);
        const name = await widget.getAttribute("data-widget");
        const state = () =>
          widget.evaluate((el: HTMLElement) =>
            el.dataset.ready === "true"
              ? "ready"
              : el.dataset.error
                ? `error: ${el.textContent}`
                : "waiting",
          );
        await expect.poll(state, { timeout: 240_000 }).not.toBe("waiting");
        expect(await state(), `widget ${name}`).toBe("ready");
      }

      await screenshot(page, testInfo, `${lang}-${chapter.slug}`);

      // Exercises: the solution passes, the starter code does not.
      for (const cell of chapter.cells) {
        if (cell.kind !== "exercise") continue;
        const where = `${chapter.file}:${cell.line} (exercise ${cell.index})`;
        const solved = await checkExercise(page, cell.index, cell.solution);
        expect(solved.result, `${where}: the solution fails: ${solved.message}`).toBe("pass");
        const started = await checkExercise(page, cell.index, cell.starter);
        expect(started.result, `${where}: the starter code passes`).toBe("fail");
      }

      expect(await checkLinks(page), "broken links").toEqual([]);
      expect(errors, "console errors").toEqual([]);
    });
  }
}

test("an untranslated chapter falls back to English with a notice", async ({ page }) => {
  const missing = english.find((c) => c.number !== null && !translated("zh", c.slug));
  test.skip(!missing, "every chapter is translated");
  const errors = watchErrors(page);
  await page.goto(`${server.courseUrl}zh/${missing!.slug}.html`);
  await expect(page.locator(".notice.untranslated")).toBeVisible();
  await expect(page.locator("article.prose")).toHaveAttribute("lang", "en");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  // The sidebar's links stay in Chinese.
  await expect(page.locator(".sidebar li.current > a")).toHaveAttribute(
    "href",
    `${missing!.slug}.html`,
  );
  await waitForCells(page);
  expect(errors).toEqual([]);
});

for (const lang of LANGUAGES) {
  test(`${lang} home page: contents, total time, links`, async ({ page }, testInfo) => {
    const errors = watchErrors(page);
    await page.goto(lang === "en" ? server.courseUrl : `${server.courseUrl}${lang}/`);
    const numbered = english.filter((c) => c.number !== null);
    await expect(page.locator(".toc-entry")).toHaveCount(numbered.length);
    const total = numbered.reduce((sum, c) => sum + c.meta.minutes, 0);
    await expect(page.locator(".total")).toContainText(String(total));
    await screenshot(page, testInfo, `${lang}-index`);
    expect(await checkLinks(page), "broken links").toEqual([]);
    expect(errors).toEqual([]);
  });
}

test("the authoring guide is a page, its examples are not cells", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${server.courseUrl}en/authoring.html`);
  await expect(page.locator("article.prose h1").first()).toBeVisible();
  await expect(page.locator(".cell")).toHaveCount(0);
  await expect(page.locator("pre.code.scheme.colorized").first()).toBeVisible();
  expect(await checkLinks(page), "broken links").toEqual([]);
  expect(errors).toEqual([]);
});

test("theme and language switches, playground link", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${server.courseUrl}en/${english[0].slug}.html`);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.locator("#theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark"); // remembered
  await page.locator('.lang-switch a[hreflang="zh"]').click();
  await expect(page).toHaveURL(new RegExp(`/course/zh/${english[0].slug}\\.html$`));
  const playground = await page.locator(".playground-link").getAttribute("href");
  expect(new URL(playground!, page.url()).pathname).toBe("/");
  // Narrow screens: the sidebar is hidden until the menu button opens it.
  await page.setViewportSize({ width: 420, height: 800 });
  await expect(page.locator("#sidebar")).not.toBeInViewport();
  await page.locator(".menu-toggle").click();
  await expect(page.locator("#sidebar")).toBeInViewport();
});

test("every figure kind draws; Stop restarts the worker; errors show in the cell", async ({
  page,
}, testInfo) => {
  testInfo.setTimeout(240_000);
  const errors = watchErrors(page);
  const chapter = english.find((c) => c.cells.some((x) => x.kind === "live"))!;
  const first = chapter.cells.find((x) => x.kind === "live")!.index;
  await page.goto(`${server.courseUrl}en/${chapter.slug}.html`);
  await waitForCells(page);
  const cell = page.locator(`.cell.live[data-cell-index="${first}"]`);
  const run = async (code: string) => {
    await page.evaluate(([i, c]) => window.__docs!.setCellCode(i, c), [first, code] as const);
    await cell.locator("button.run").click();
  };

  await run(`(show-heatmap '((1 2 3) (4 5 6)) '((title . "h") (row-labels "a" "b")))
(show-heatmap '((-1 0) (0 1)) '((diverging . #t)))
(show-bars '("x" "y" "z") '(0.2 0.5 0.3) '((highlight . 1)))
(show-line '(("train" 3 2 1.5 1.2) ("valid" 3.1 2.4 2 1.9)) '((x-label . "step") (log-y . #t)))
(show-vector (f32vector 0.5 -0.25 1 -1))
(show-tokens '(("Once" . 1) (" upon" . 2)))
(show-arrows '((1 0 "x") (0 1 "y") (-0.5 0.7)))
(show-table '(("a" "1") ("b" "2")) '((header "name" "value")))
(display "drawn")`);
  await expect(cell).toHaveAttribute("data-state", "done");
  const kinds = await cell
    .locator(".figure")
    .evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.figureKind));
  expect(kinds).toEqual([
    "heatmap",
    "heatmap",
    "bars",
    "line",
    "vector",
    "tokens",
    "arrows",
    "table",
  ]);
  expect(await cell.locator(".figure svg.chart").count()).toBe(6);
  await cell.screenshot({ path: join(screenshotDir, "figures.png") });

  await run("(car '())");
  await expect(cell).toHaveAttribute("data-state", "error");
  await expect(cell.locator(".cell-output .error-text")).toBeVisible();

  await run("(let loop () (loop))");
  await expect(cell.locator("button.stop")).toBeVisible({ timeout: 10_000 });
  await cell.locator("button.stop").click();
  await expect(cell).toHaveAttribute("data-state", "error");
  await expect(cell.locator(".cell-notice")).toBeVisible();
  // The fresh worker has the prelude (and the models) again.
  await run('(display (round-to 3.14159 2)) (newline) (string-length "abc")');
  await expect(cell).toHaveAttribute("data-state", "done");
  await expect(cell.locator(".cell-output")).toHaveText("3.14\n=> 3");
  expect(errors).toEqual([]);
});

test("the train-sort widget trains in the page on tfjs's wasm backend with nano-gemm", async ({
  page,
}, testInfo) => {
  testInfo.setTimeout(240_000);
  const errors = watchErrors(page);
  const chapter = english.find((c) => c.slug.includes("training"))!;
  await page.goto(`${server.courseUrl}en/${chapter.slug}.html`);
  const widget = page.locator('[data-widget="train-sort"]');
  await expect(widget).toHaveAttribute("data-ready", "true", { timeout: 120_000 });
  // Our products, attention and fused kernels, not tfjs's own: the module loaded in the page.
  await expect(widget).toHaveAttribute("data-backend", "wasm+nano-gemm");
  await widget.locator("button", { hasText: "Start" }).click();
  await expect
    .poll(async () => Number(await widget.getAttribute("data-step")), { timeout: 180_000 })
    .toBeGreaterThanOrEqual(100);
  await widget.locator("button", { hasText: "Stop" }).click();
  // ln 17 ≈ 2.83 is a model that knows nothing; 100 steps learn the digits' distribution.
  expect(Number(await widget.getAttribute("data-loss"))).toBeLessThan(2.3);
  expect(errors).toEqual([]);
});
