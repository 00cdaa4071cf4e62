// wasm-loader.ts — instantiating engine-c/wasm/nano-engine.{mjs,wasm} in Node, a browser page or a
// web worker. Emscripten 3.1.6's glue needs a little help on each: see the comments below.
import createNanoEngine from "../wasm/nano-engine.mjs";
import type { NanoEngineModule, NanoEngineModuleOptions } from "../wasm/nano-engine.mjs";

export type { NanoEngineModule } from "../wasm/nano-engine.mjs";

/** How to instantiate the module. */
export interface LoadOptions {
  /** Engine threads (the calling thread counts as one). */
  threads: number;
  /** The .wasm bytes, if the caller already has them (otherwise read from disk or fetched). */
  wasmBinary?: Uint8Array;
}

/** True when running under Node (including inside its worker threads). */
export const isNode =
  typeof process === "object" &&
  typeof process.versions === "object" &&
  typeof process.versions.node === "string";

/** Instantiate a fresh engine module (own memory, own pthread workers). */
export async function loadNanoWasm(opts: LoadOptions): Promise<NanoEngineModule> {
  if (typeof SharedArrayBuffer === "undefined") {
    // The build uses WebAssembly threads, whose shared memory browsers only grant to
    // cross-origin-isolated pages.
    throw new Error(
      "the WebAssembly engine needs SharedArrayBuffer: serve the page cross-origin isolated " +
        "(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  // The session's pool needs threads - 1 workers; one more, because emscripten 3.1.6's glue
  // never finishes instantiating with an empty pool (and it leaves a spare).
  const options: NanoEngineModuleOptions = { nanoPoolSize: opts.threads };
  if (isNode) {
    // In Node the glue would try fetch() on a file path: hand it the bytes instead. It also
    // calls require(), which an ES module lacks: give it one.
    const { createRequire } = await import("node:module");
    options.nodeRequire = createRequire(import.meta.url);
    if (opts.wasmBinary) options.wasmBinary = opts.wasmBinary;
    else {
      const { readFile } = await import("node:fs/promises");
      options.wasmBinary = new Uint8Array(
        await readFile(new URL("../wasm/nano-engine.wasm", import.meta.url)),
      );
    }
  } else {
    // Fetch the bytes here rather than let the glue do it: its own loader has no way to read
    // them inside a module worker (it only knows classic workers and pages).
    options.wasmBinary = opts.wasmBinary ?? (await fetchWasm());
  }
  return createNanoEngine(options);
}

/** The .wasm next to the glue, fetched (browsers and web workers). */
async function fetchWasm(): Promise<Uint8Array> {
  const url = new URL("../wasm/nano-engine.wasm", import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
