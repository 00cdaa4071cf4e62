// The playground's Scheme worker, without the worker: SchemeHost (what scheme-worker.ts wraps)
// driven directly in Node — runs, errors, the debugger, the REPL, edited library files and
// generation with observation events.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPreludeFromDisk } from "../../interpreter/src/node.ts";
import { SchemeHost, preview, topK } from "../src/scheme-host.ts";
import type { FromWorker, FromWorkerOf, ToWorker } from "../src/protocol.ts";

const root = join(import.meta.dirname, "..", "..");
const libDir = join(root, "scheme-lib", "nano");
const libraryFiles: Record<string, string> = {};
for (const f of readdirSync(libDir))
  if (f.endsWith(".sld")) libraryFiles[`nano/${f}`] = readFileSync(join(libDir, f), "utf8");

const psycho = "/work/shared/nano-models/psycho-230k.bin";
const sharedPsycho = join(root, "..", "shared", "nano-models", "psycho-230k.bin");
const psychoPath = existsSync(sharedPsycho) ? sharedPsycho : existsSync(psycho) ? psycho : null;
const sortPath = join(root, "models", "sort.bin");

function makeHost(): { host: SchemeHost; msgs: FromWorker[] } {
  const msgs: FromWorker[] = [];
  const host = new SchemeHost({
    prelude: loadPreludeFromDisk(),
    libraryFiles,
    post: (m) => msgs.push(m),
  });
  return { host, msgs };
}

function of<T extends FromWorker["type"]>(msgs: FromWorker[], type: T): FromWorkerOf<T>[] {
  return msgs.filter((m): m is FromWorkerOf<T> => m.type === type);
}
const output = (msgs: FromWorker[]) =>
  of(msgs, "output")
    .map((m) => m.text)
    .join("");
const last = <T>(xs: T[]): T => xs[xs.length - 1];

async function send(host: SchemeHost, msgs: FromWorker[], msg: ToWorker): Promise<FromWorker[]> {
  const start = msgs.length;
  await host.handle(msg);
  return msgs.slice(start);
}

const PROGRAM = `(define (square x)
  (* x x))
(define v (f32vector 1 2 3 4))
(define xs (iota 50))
(define (sum-squares n)
  (let loop ((i 0) (acc 0))
    (if (= i n)
        acc
        (loop (+ i 1) (+ acc (square i))))))
(display (sum-squares 4))
(newline)
(sum-squares 10)
`;

describe("SchemeHost", () => {
  it("runs a program and streams its output", async () => {
    const { host, msgs } = makeHost();
    const out = await send(host, msgs, {
      type: "run",
      id: 1,
      source: PROGRAM,
      file: "program.scm",
    });
    expect(output(out)).toBe("14\n");
    const done = of(out, "done")[0];
    expect(done.id).toBe(1);
    expect(done.value).toMatchObject({ kind: "number", text: "285" });
  });

  it("reports errors with their location", async () => {
    const { host, msgs } = makeHost();
    const src = `(define (f x)\n  (car x))\n(f 5)\n`;
    const out = await send(host, msgs, { type: "run", source: src, file: "program.scm" });
    const err = of(out, "error")[0];
    expect(err.message).toMatch(/car/);
    expect(err.loc).toMatchObject({ file: "program.scm", line: 2 });
    expect(err.report).toMatch(/at /);
    // a syntax error too
    const out2 = await send(host, msgs, { type: "run", source: "(display (+ 1", file: "p.scm" });
    expect(of(out2, "error")[0].loc?.file).toBe("p.scm");
  });

  it("debugs: breakpoint, frames and previews, step over, continue", async () => {
    const { host, msgs } = makeHost();
    let out = await send(host, msgs, {
      type: "debug",
      id: 7,
      source: PROGRAM,
      file: "program.scm",
      breakpoints: [{ file: "program.scm", lines: [2] }],
    });
    const paused = of(out, "paused")[0];
    expect(paused).toBeDefined();
    expect(paused.loc?.line).toBe(2);
    expect(paused.frames[0].name).toMatch(/square/);
    const x = paused.frames[0].variables.find((v) => v.name === "x");
    expect(x?.value).toMatchObject({ kind: "number", text: "0" });

    // evaluate in the paused frame
    out = await send(host, msgs, { type: "evaluate", id: 3, frame: 0, source: "(+ x 100)" });
    expect(of(out, "evaluate-result")[0].value.text).toBe("100");
    out = await send(host, msgs, { type: "evaluate", frame: 0, source: "v" });
    expect(of(out, "evaluate-result")[0].value).toMatchObject({
      kind: "numeric-vector",
      numbers: [1, 2, 3, 4],
      elementType: "f32",
    });

    // step over: from inside square back out to the loop
    host.handle({ type: "set-breakpoints", file: "program.scm", lines: [] });
    out = await send(host, msgs, { type: "step-over" });
    const p2 = of(out, "paused")[0];
    expect(p2).toBeDefined();
    expect(p2.loc?.line).not.toBe(2);

    out = await send(host, msgs, { type: "continue" });
    expect(output(msgs)).toBe("14\n");
    expect(of(out, "done")[0]).toMatchObject({ id: 7, value: { text: "285" } });
  });

  it("pauses a running program on request", async () => {
    const { host, msgs } = makeHost();
    const running = send(host, msgs, {
      type: "debug",
      source: "(define (spin n) (spin (+ n 1)))\n(spin 0)\n",
      file: "spin.scm",
      breakpoints: [],
    });
    await new Promise((r) => setTimeout(r, 50));
    void host.handle({ type: "pause" });
    const out = await running;
    const paused = of(out, "paused")[0];
    expect(paused.reason).toBe("pause");
    expect(paused.frames[0].variables[0].name).toBe("n");
    // stop ends it
    const stopped = send(host, msgs, { type: "continue" });
    await new Promise((r) => setTimeout(r, 20));
    void host.handle({ type: "stop" });
    expect(of(await stopped, "error")[0].message).toBe("stopped");
  });

  it("pauses a plain run between slices, and continue finishes it", async () => {
    const { host, msgs } = makeHost();
    const source = "(define (spin n) (if (= n 100000000) n (spin (+ n 1))))\n(display (spin 0))\n";
    const running = send(host, msgs, { type: "run", id: 4, source, file: "spin.scm" });
    await new Promise((r) => setTimeout(r, 30));
    void host.handle({ type: "pause" });
    let out = await running;
    const paused = of(out, "paused")[0];
    expect(paused).toMatchObject({ reason: "pause", canStep: false });
    expect(paused.frames.map((f) => f.name)).toContain("spin");
    expect(of(out, "done")).toEqual([]);
    // stepping needs step points: the run stays paused where it is
    out = await send(host, msgs, { type: "step-over" });
    expect(of(out, "paused")[0]).toMatchObject({ canStep: false });
    out = await send(host, msgs, { type: "continue" });
    expect(of(out, "resumed")).toHaveLength(1);
    expect(of(out, "done")[0]).toMatchObject({ id: 4 });
    expect(output(msgs)).toBe("100000000");
  });

  it("keeps REPL definitions", async () => {
    const { host, msgs } = makeHost();
    await send(host, msgs, { type: "repl", source: "(define y 41)" });
    const out = await send(host, msgs, { type: "repl", id: 2, source: "(+ y 1) (list 1 2)" });
    const r = of(out, "repl-result")[0];
    expect(r.values.map((v) => v.text)).toEqual(["42", "(1 2)"]);
    // a program without import sees REPL definitions too
    const run = await send(host, msgs, { type: "run", source: "(* y 2)", file: "p.scm" });
    expect(of(run, "done")[0].value.text).toBe("82");
  });

  it("imports edited library files, and reset restores them", async () => {
    const { host, msgs } = makeHost();
    const prog = "(import (scheme base) (nano model))\n(fexp 0.0)\n";
    let out = await send(host, msgs, { type: "run", source: prog, file: "p.scm" });
    expect(of(out, "done")[0].value.text).toBe("1.0");
    const edited = libraryFiles["nano/model.sld"].replace(
      "(define (fexp x)",
      "(define (fexp x) 42)\n    (define (fexp-orig x)",
    );
    expect(edited).not.toBe(libraryFiles["nano/model.sld"]);
    await send(host, msgs, { type: "set-file", path: "nano/model.sld", text: edited });
    out = await send(host, msgs, { type: "run", source: prog, file: "p.scm" });
    expect(of(out, "done")[0].value.text).toBe("42");
    await send(host, msgs, { type: "reset-files" });
    out = await send(host, msgs, { type: "run", source: prog, file: "p.scm" });
    expect(of(out, "done")[0].value.text).toBe("1.0");
  });

  it("previews values", () => {
    const long = preview(Array.from({ length: 100 }, (_, i) => ({ i })));
    expect(long.kind).toBe("vector");
    expect(long.items?.length).toBe(20);
    expect(long.truncated).toBe(true);
    const f = preview(new Float32Array(1000).fill(0.5));
    expect(f.numbers?.length).toBe(512);
    expect(f.length).toBe(1000);
    expect(f.truncated).toBe(true);
    expect(preview([1, 2.5, 3])).toMatchObject({ kind: "numeric-vector", numbers: [1, 2.5, 3] });
    expect(topK(new Float32Array([0, 2, 1]), 2).map((t) => t.id)).toEqual([1, 2]);
  });

  const modelPath = psychoPath ?? sortPath;
  it(`generates on ${modelPath.split("/").pop()} with tokens and observe events`, async () => {
    if (!psychoPath) console.warn("psycho-230k.bin absent: generating on models/sort.bin instead");
    const { host, msgs } = makeHost();
    const bytes = readFileSync(modelPath);
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const out = await send(host, msgs, {
      type: "generate",
      id: 9,
      modelId: "m",
      modelBytes: buf,
      prompt: psychoPath ? "人类的本质是" : "3142",
      options: { maxNewTokens: 3, temperature: 0 },
      observe: true,
    });
    const err = of(out, "error")[0];
    expect(err?.report).toBeUndefined();
    const start = of(out, "generate-start")[0];
    expect(start.promptIds.length).toBeGreaterThan(0);
    const tokens = of(out, "token");
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens[0].logits?.length).toBe(start.vocabSize);
    expect(tokens[0].topk?.[0].id).toBe(tokens[0].token); // greedy: the most probable
    const att = of(out, "observe");
    expect(att.length).toBeGreaterThan(0);
    expect(att.every((o) => o.kind === "attention")).toBe(true);
    expect(att[0].data.length).toBe(att[0].position + 1);
    const done = last(of(out, "generate-done"));
    expect(done.ids).toEqual(tokens.map((t) => t.token));

    // the cached model, by id, without bytes; forward gives the same logits as the first step
    const fw = await send(host, msgs, {
      type: "forward",
      modelId: "m",
      ids: start.promptIds,
    });
    const logits = of(fw, "logits")[0];
    expect(logits.logits.length).toBe(start.promptIds.length);
    expect(Array.from(last(logits.logits))).toEqual(Array.from(tokens[0].logits!));

    // sampled with a seed: reproducible
    const sample = async () =>
      of(
        await send(host, msgs, {
          type: "generate",
          modelId: "m",
          promptIds: start.promptIds,
          options: { maxNewTokens: 3, temperature: 0.9, seed: 7 },
          observe: false,
        }),
        "generate-done",
      )[0].ids;
    expect(await sample()).toEqual(await sample());
  });
});
