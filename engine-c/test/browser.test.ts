// The WebAssembly engine in a real browser (Debian's Chromium, driven by playwright-core): the
// same ES module as in Node, served cross-origin isolated (COOP/COEP, needed for threads), on a
// page and in a module worker — as the playground will run it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { transform } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { PSYCHO_GREEDY_PREFIX, PSYCHO_PROMPT, repoRoot, sharedModel } from "./helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const psycho = sharedModel("psycho-230k.bin");
const sort6 = sharedModel("sort-6.bin");
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`SKIPPED: browser tests need ${CHROMIUM} (apt-get install chromium)`);

const MIME: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".ts": "text/javascript",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
};

/** What the page (or worker) runs: greedy decoding and a sort, reported back as JSON. */
const PROBE = `
import { Engine } from "/engine-c/ts/engine.ts";
export async function probe(threads) {
  const engine = await Engine.create({ threads });
  const load = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
  engine.load(await load("/models/psycho-230k.bin"));
  const ids = [];
  for await (const t of engine.generate(engine.encode(${JSON.stringify(PSYCHO_PROMPT)}), {
    maxNewTokens: 16, sampler: { temperature: 0 } })) ids.push(t.id);
  engine.load(await load("/models/sort-6.bin"));
  const sorted = engine.decode(engine.seq2seq(engine.encode("654321")));
  engine.dispose();
  return { ids, sorted, isolated: globalThis.crossOriginIsolated };
}`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>nano-engine</title>
<script type="module">
import { probe } from "/probe.js";
const inWorker = () => new Promise((resolve, reject) => {
  const w = new Worker("/worker.js", { type: "module" });
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => reject(new Error(e.message));
});
try {
  window.__result = { page: await probe(1), worker: await inWorker() };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

const WORKER = `import { probe } from "/probe.js"; postMessage(await probe(2));`;

let server: Server;
let origin = "";
let browser: Browser;

describe.skipIf(!haveChromium || !psycho || !sort6)("the WebAssembly engine in Chromium", () => {
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const headers = {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cache-Control": "no-store",
      };
      let body: string | Uint8Array | undefined;
      let type = "text/javascript";
      if (url.pathname === "/") [body, type] = [PAGE, "text/html"];
      else if (url.pathname === "/probe.js") body = PROBE;
      else if (url.pathname === "/worker.js") body = WORKER;
      else if (url.pathname.startsWith("/models/")) {
        const file = sharedModel(url.pathname.slice("/models/".length));
        if (file) [body, type] = [readFileSync(file), MIME[".bin"]];
      } else if (url.pathname.startsWith("/engine-c/")) {
        const file = join(repoRoot, normalize(url.pathname));
        if (file.startsWith(repoRoot) && existsSync(file)) {
          type = MIME[extname(file)] ?? "application/octet-stream";
          body = readFileSync(file);
          // TypeScript sources go to the browser as JavaScript, imports untouched.
          if (file.endsWith(".ts"))
            body = (await transform(body.toString(), { loader: "ts", format: "esm" })).code;
        }
      }
      if (url.pathname === "/favicon.ico") {
        res.writeHead(204, headers).end();
        return;
      }
      if (body === undefined) {
        res.writeHead(404, headers).end("not found");
        return;
      }
      res.writeHead(200, { ...headers, "Content-Type": type }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
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
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("loads as an ES module and decodes the golden ids, on a page (1 thread) and in a worker (2)", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(origin + "/");
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, null, {
      timeout: 90_000,
    });
    const result = await page.evaluate(
      () => (window as unknown as { __result: Record<string, unknown> }).__result,
    );
    expect(result.error).toBeUndefined();
    for (const where of ["page", "worker"] as const) {
      const r = result[where] as { ids: number[]; sorted: string; isolated: boolean };
      expect(r.isolated).toBe(true);
      expect(r.ids.slice(0, 6)).toEqual(PSYCHO_GREEDY_PREFIX);
      expect(r.sorted).toBe("123456");
    }
    expect((result.page as { ids: number[] }).ids).toEqual(
      (result.worker as { ids: number[] }).ids,
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
