/// <reference lib="webworker" />
// The WebAssembly engine's decode loop in a dedicated worker (wasm-decoder.ts is its client).
// On the page's thread every token shared the thread with style, layout and paint, so a big
// model decoded at about half the speed it has in Node; here tokens run back to back and the
// page only draws what arrives. Each step reports the token, the logits it was sampled from (the
// page ranks its top-k once per frame, off this loop) and, when observed, the attention rows of
// every layer × head. The engine's KV cache stays here between requests.
import { Engine } from "../../engine-c/ts/engine.ts";
import type { FromDecoder, ToDecoder } from "./wasm-decoder.ts";

const EOS_ID = 3;
/** How long the decode loop runs before it lets control messages in. */
const YIELD_EVERY_MS = 4;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromDecoder, transfer: Transferable[] = []): void =>
  scope.postMessage(msg, transfer);

let engine: Engine | null = null;
/** Ids in the KV cache, and the logits for the token after them (null before any run). */
let history: number[] = [];
let nextLogits: Float32Array | null = null;
/* Control that acts at once, even mid-generation. */
let stopRequested = false;
const picks: number[] = [];

/** Let the worker's event loop deliver `stop` and `pick` (no 4 ms timer clamp). */
function yieldNow(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

function need(): Engine {
  if (!engine) throw new Error("no model loaded in the decoder");
  return engine;
}

/** Every layer × head's attention row for the token just run, packed into one transfer. */
function postAttention(e: Engine, query: number): void {
  const { nLayer, nHead } = e.info.config;
  const keys = query + 1;
  const weights = new Float32Array(nLayer * nHead * keys);
  for (let layer = 0; layer < nLayer; layer++)
    e.attention(layer).forEach((row, head) =>
      weights.set(row.subarray(0, keys), (layer * nHead + head) * keys),
    );
  post({ type: "attention", query, nLayer, nHead, keys, weights }, [weights.buffer]);
}

/** Run one token at the end of the history; returns the logits for the next one. */
function push(id: number, observe: boolean): Float32Array {
  const e = need();
  const query = e.position;
  const logits = e.step(id);
  history.push(id);
  nextLogits = logits;
  if (observe) postAttention(e, query);
  return logits;
}

/** Reset and run the prompt (token by token when observed, so every query row is reported). */
async function start(promptIds: number[], observe: boolean): Promise<void> {
  const e = need();
  e.reset();
  history = [];
  nextLogits = null;
  if (!observe) {
    nextLogits = e.prefill(promptIds);
    history = [...promptIds];
    return;
  }
  for (const id of promptIds) {
    if (stopRequested) return;
    push(id, true);
    if (history.length % 16 === 0) await yieldNow();
  }
}

function postState(id: number): void {
  post({ type: "state", id, history: [...history], nextLogits: nextLogits?.slice() ?? null });
}

async function generate(msg: Extract<ToDecoder, { type: "generate" }>): Promise<void> {
  const e = need();
  if (msg.promptIds) await start(msg.promptIds, msg.observe);
  let logits = nextLogits;
  if (!logits) throw new Error("nothing to continue from: generate from a prompt first");
  const { blockSize } = e.info.config;
  let position = history.length;
  let lastYield = performance.now();
  for (let step = 0; step < msg.maxNewTokens && !stopRequested; step++) {
    const picked = picks.shift();
    if (step === 0) e.setSampler(msg.sampling);
    const id = picked ?? e.sample(logits, history);
    if (id === EOS_ID && picked === undefined) break;
    // The logits move to the page (transferred, not copied): the next step makes new ones.
    post(
      {
        type: "token",
        id: msg.id,
        step,
        position,
        token: id,
        text: e.decodeToken(id),
        logits,
        picked: picked !== undefined,
      },
      [logits.buffer],
    );
    position++;
    if (e.position >= blockSize) break;
    logits = push(id, msg.observe);
    // Let `stop` and `pick` in every few ms; a tiny model runs many tokens in that time.
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await yieldNow();
      lastYield = performance.now();
    }
  }
}

async function handle(msg: ToDecoder): Promise<void> {
  switch (msg.type) {
    case "load": {
      if (!engine || engine.threads !== msg.threads) {
        engine?.dispose();
        engine = null;
        engine = await Engine.create({ threads: msg.threads });
      }
      engine.load(new Uint8Array(msg.bytes));
      engine.observe({ attention: true });
      history = [];
      nextLogits = null;
      return postState(msg.id);
    }
    case "start":
      await start(msg.promptIds, msg.observe);
      return postState(msg.id);
    case "push":
      if (need().position >= need().info.config.blockSize) throw new Error("the context is full");
      push(msg.token, msg.observe);
      return postState(msg.id);
    case "generate":
      await generate(msg);
      return postState(msg.id);
    default:
      return;
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToDecoder>) => {
  const msg = event.data;
  if (msg.type === "stop") {
    stopRequested = true;
    return;
  }
  if (msg.type === "pick") {
    picks.push(msg.token);
    return;
  }
  queue = queue.then(async () => {
    stopRequested = false;
    if (msg.type === "generate" || msg.type === "start") picks.length = 0;
    try {
      await handle(msg);
    } catch (e) {
      post({ type: "error", id: msg.id, message: e instanceof Error ? e.message : String(e) });
    }
  });
};
