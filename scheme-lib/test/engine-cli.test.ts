// `nanolm run|seq2seq --engine scheme` against the native engine, through the command line: the
// same ids and text for greedy and sampled generation (same seed and settings), on a Q8_0 copy
// and with a LoRA module, the same sort-6 answers, the same JSON shape, and clear errors.
// The Scheme runs start together up front (each pays a few seconds of start-up) and the tests
// compare their results as they come in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { nodeInterpreter } from "../../interpreter/src/node.ts";
import { arrayToList } from "../../interpreter/src/runtime/args.ts";
import { MString, Primitive } from "../../interpreter/src/values.ts";
import { makeSyntheticLora } from "../../engine-c/ts/synthetic.ts";
import { readModel, writeLora } from "../../engine-c/ts/format.ts";
import {
  modelBytes,
  nanolmBin,
  nativeEngine,
  PSYCHO_GREEDY_PREFIX,
  PSYCHO_PROMPT,
  PSYCHO_PROMPT_IDS,
  run,
  sharedModel,
  tempDir,
  type RunResult,
} from "../../engine-c/test/helpers.ts";

const psycho = sharedModel("psycho-230k.bin");
const sort6 = sharedModel("sort-6.bin");
const hasNative = existsSync(nativeEngine);
if (!hasNative)
  console.warn(`SKIPPED: these tests compare with ${nativeEngine} (npm run build:native)`);

/* ---- running the CLI -------------------------------------------------------------------------- */

/** Run a program without blocking, so several Scheme runs overlap. */
function runAsync(program: string, args: string[]): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/** At most `limit` runs at a time (the Scheme engine is one thread; more would only queue). */
function pool(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

interface RunJson {
  prompt_ids: number[];
  output_ids: number[];
  text: string;
  stats: { prefill_tokens_per_s: number; decode_tokens_per_s: number };
}

function parseJson<T>(r: RunResult, what: string): T {
  expect(r.stderr, what).toBe("");
  expect(r.status, what).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/* ---- what is compared ------------------------------------------------------------------------- */

const GREEDY = ["--temperature", "0", "--max-new-tokens", "64", "--ignore-eos"];
const GREEDY_PROMPTS = [PSYCHO_PROMPT, "我们", "世界上"];
const SAMPLED: string[][] = [
  ["--temperature", "0.8", "--top-k", "40", "--seed", "1"],
  ["--temperature", "1", "--top-p", "0.9", "--seed", "2"],
  ["--temperature", "1", "--repetition-penalty", "1.1", "--seed", "3"],
  [
    ...["--temperature", "0.8", "--top-k", "40", "--top-p", "0.9"],
    ...["--repetition-penalty", "1.1", "--seed", "18446744073709"],
  ],
];
const SORT_INPUTS_CLI = ["654321", "102938"];

describe.skipIf(!psycho || !sort6 || !hasNative)("nanolm --engine scheme", () => {
  let dir = "";
  const scheme = new Map<string, Promise<RunResult>>();
  const limit = pool(2);

  /** Start (once) a Scheme CLI run; the key names it for the test that reads it. */
  function start(key: string, args: string[]): void {
    scheme.set(
      key,
      limit(() => runAsync(nanolmBin, [...args, "--engine", "scheme"])),
    );
  }
  const result = (key: string): Promise<RunResult> => scheme.get(key)!;

  /** The native engine with the same arguments (its own binary: no start-up to speak of). */
  const native = (args: string[]): RunResult => run(nativeEngine, args);

  const runArgs = (model: string, prompt: string, extra: string[]): string[] => [
    "run",
    "--model",
    model,
    "--prompt",
    prompt,
    ...extra,
  ];

  let q8 = "";
  let lora = "";
  let wrongLora = "";
  let badMagic = "";

  beforeAll(() => {
    dir = tempDir();
    // A Q8_0 copy, made by the CLI's own quantizer.
    q8 = join(dir, "psycho-q8.bin");
    const q = run(nanolmBin, ["quantize", psycho!, q8]);
    expect(q.status, q.stderr).toBe(0);
    // A LoRA module that fits psycho-230k.
    lora = join(dir, "psycho.lora.bin");
    const base = readModel(modelBytes(psycho!)).config;
    writeFileSync(lora, writeLora(makeSyntheticLora(base, 4, 8, 11)));
    // One made for another base model (n_hidden 64 instead of 96).
    wrongLora = join(dir, "other-base.lora.bin");
    writeFileSync(wrongLora, writeLora(makeSyntheticLora({ ...base, nHidden: 64 }, 2, 4, 3)));
    // A model file with a wrong magic number.
    badMagic = join(dir, "bad-magic.bin");
    const bytes = modelBytes(sort6!).slice();
    new DataView(bytes.buffer).setInt32(0, 0x12345678, true);
    writeFileSync(badMagic, bytes);

    GREEDY_PROMPTS.forEach((p, i) =>
      start(`greedy ${i}`, runArgs(psycho!, p, [...GREEDY, "--json"])),
    );
    start("stream", runArgs(psycho!, PSYCHO_PROMPT, GREEDY));
    start("instruct", runArgs(psycho!, "你好", [...GREEDY, "--instruct", "--json"]));
    SAMPLED.forEach((s, i) =>
      start(
        `sampled ${i}`,
        runArgs(psycho!, PSYCHO_PROMPT, [...s, "--max-new-tokens", "64", "--json"]),
      ),
    );
    start("q8", runArgs(q8, PSYCHO_PROMPT, [...GREEDY, "--json"]));
    start("lora", runArgs(psycho!, PSYCHO_PROMPT, [...GREEDY, "--lora", lora, "--json"]));
    for (const input of SORT_INPUTS_CLI)
      start(`sort ${input}`, ["seq2seq", "--model", sort6!, "--input", input, "--json"]);
    start("bad magic", runArgs(badMagic, "1", ["--temperature", "0"]));
    start("too long", runArgs(sort6!, "12345678", ["--temperature", "0"]));
    start("seq2seq length", ["seq2seq", "--model", sort6!, "--input", "123"]);
    start("wrong lora", runArgs(psycho!, "x", ["--lora", wrongLora]));
    start("missing", runArgs(join(dir, "nope.bin"), "x", []));
  });

  afterAll(async () => {
    await Promise.all(scheme.values());
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("greedy, 64 tokens: the native engine's ids and text for several prompts", async () => {
    for (const [i, prompt] of GREEDY_PROMPTS.entries()) {
      const args = runArgs(psycho!, prompt, [...GREEDY, "--json"]);
      const want = parseJson<RunJson>(native(args), `native ${prompt}`);
      const got = parseJson<RunJson>(await result(`greedy ${i}`), `scheme ${prompt}`);
      expect(got.prompt_ids).toEqual(want.prompt_ids);
      expect(got.output_ids, prompt).toEqual(want.output_ids);
      expect(got.output_ids).toHaveLength(64);
      expect(got.text).toBe(want.text);
      // The same JSON shape, stats included.
      expect(Object.keys(got)).toEqual(Object.keys(want));
      expect(Object.keys(got.stats)).toEqual(Object.keys(want.stats));
      expect(got.stats.decode_tokens_per_s).toBeGreaterThan(0);
      expect(got.stats.prefill_tokens_per_s).toBeGreaterThan(0);
    }
    const first = parseJson<RunJson>(await result("greedy 0"), "scheme");
    expect(first.prompt_ids).toEqual(PSYCHO_PROMPT_IDS);
    expect(first.output_ids.slice(0, PSYCHO_GREEDY_PREFIX.length)).toEqual(PSYCHO_GREEDY_PREFIX);
  });

  it("streams the same text without --json", async () => {
    const want = native(runArgs(psycho!, PSYCHO_PROMPT, GREEDY));
    const got = await result("stream");
    expect(got.status).toBe(0);
    expect(got.stdout).toBe(want.stdout);
  });

  it("--instruct wraps the prompt as the native engine does", async () => {
    const want = parseJson<RunJson>(
      native(runArgs(psycho!, "你好", [...GREEDY, "--instruct", "--json"])),
      "native",
    );
    const got = parseJson<RunJson>(await result("instruct"), "scheme");
    expect(got.prompt_ids).toEqual(want.prompt_ids);
    expect(got.output_ids).toEqual(want.output_ids);
  });

  it("sampled text: the same seed and settings give the native engine's tokens", async () => {
    for (const [i, s] of SAMPLED.entries()) {
      const args = runArgs(psycho!, PSYCHO_PROMPT, [...s, "--max-new-tokens", "64", "--json"]);
      const want = parseJson<RunJson>(native(args), `native ${s.join(" ")}`);
      const got = parseJson<RunJson>(await result(`sampled ${i}`), `scheme ${s.join(" ")}`);
      expect(got.output_ids, s.join(" ")).toEqual(want.output_ids);
      expect(got.text).toBe(want.text);
    }
  });

  it("a Q8_0 copy gives the native engine's Q8_0 tokens", async () => {
    const want = parseJson<RunJson>(
      native(runArgs(q8, PSYCHO_PROMPT, [...GREEDY, "--json"])),
      "native",
    );
    const got = parseJson<RunJson>(await result("q8"), "scheme");
    expect(got.output_ids).toEqual(want.output_ids);
  });

  it("--lora: the native engine's tokens with the module applied", async () => {
    const args = runArgs(psycho!, PSYCHO_PROMPT, [...GREEDY, "--lora", lora, "--json"]);
    const want = parseJson<RunJson>(native(args), "native");
    const got = parseJson<RunJson>(await result("lora"), "scheme");
    expect(got.output_ids).toEqual(want.output_ids);
    const plain = parseJson<RunJson>(await result("greedy 0"), "scheme");
    expect(got.output_ids).not.toEqual(plain.output_ids); // the module did change something
  });

  it("seq2seq on sort-6 through the CLI", async () => {
    for (const input of SORT_INPUTS_CLI) {
      const args = ["seq2seq", "--model", sort6!, "--input", input, "--json"];
      const want = parseJson<object>(native(args), `native ${input}`);
      const got = parseJson<object>(await result(`sort ${input}`), `scheme ${input}`);
      expect(got).toEqual(want);
    }
  });

  it("seq2seq on sort-6: (nano model) agrees with the native engine on many inputs", () => {
    // The CLI is a thin wrapper over `seq2seq` (two inputs above); here many inputs run in one
    // interpreter, against one native run each.
    const rand = (() => {
      let s = 12345;
      return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    })();
    const inputs = Array.from({ length: 40 }, () =>
      Array.from({ length: 6 }, () => Math.floor(rand() * 10)).join(""),
    );
    inputs.push("000000", "999999", "123456", "111455");
    const interp = nodeInterpreter({ searchPath: [resolve(import.meta.dirname, "..")] });
    interp.defineHostLibrary(["test", "inputs"], {
      "sort-inputs": new Primitive(
        "sort-inputs",
        () => arrayToList(inputs.map((s) => MString.from(s))),
        0,
        0,
      ),
      "sort-model": new Primitive("sort-model", () => modelBytes(sort6!), 0, 0),
    });
    const got = interp.run(
      `(import (scheme base) (nano format) (nano tokenizer) (nano model) (test inputs))
       (define model (bytevector->model (sort-model)))
       (define tokenizer (make-tokenizer model))
       (list->vector
        (map (lambda (input) (decode tokenizer (seq2seq model (encode tokenizer input))))
             (sort-inputs)))`,
      "sort-many.scm",
    ) as unknown[];
    inputs.forEach((input, i) => {
      const want = parseJson<{ text: string }>(
        native(["seq2seq", "--model", sort6!, "--input", input, "--json"]),
        input,
      );
      expect(String(got[i]), input).toBe(want.text);
    });
  });

  it("(nano generate): the token stream and generate give the same tokens, then stay ended", () => {
    const interp = nodeInterpreter({ searchPath: [resolve(import.meta.dirname, "..")] });
    interp.defineHostLibrary(["test", "model"], {
      "psycho-bytes": new Primitive("psycho-bytes", () => modelBytes(psycho!), 0, 0),
    });
    const [streamed, generated, texts, decoded, full] = interp.run(
      `(import (scheme base) (nano format) (nano tokenizer) (nano generate) (test model))
       (define model (bytevector->model (psycho-bytes)))
       (define prompt '(${PSYCHO_PROMPT_IDS.join(" ")}))
       (define options '((temperature . 0) (max-new-tokens . 8)))
       (define next-token (make-token-stream model prompt options))
       (define (drain) (let ((id (next-token))) (if (eof-object? id) '() (cons id (drain)))))
       (define streamed (drain))
       (define texts '())
       (define generated
         (generate model prompt options (lambda (id text) (set! texts (cons text texts)))))
       ;; the stream stays ended; a budget beyond the context is cut to block_size
       (vector (list->vector streamed) (list->vector generated)
               (apply string-append (reverse texts))
               (decode (make-tokenizer model) generated)
               (and (eof-object? (next-token))
                    (generation-budget model 500 '((max-new-tokens . 100)))))`,
      "stream.scm",
    ) as unknown[];
    expect(streamed).toEqual(generated);
    expect((streamed as number[]).slice(0, 6)).toEqual(PSYCHO_GREEDY_PREFIX);
    expect(streamed).toHaveLength(8);
    expect(String(texts)).toBe(String(decoded));
    expect(full).toBe(12); // block_size 512 − 500 prompt tokens
  });

  it("errors: a clear one-line message and exit status 1", async () => {
    const cases: [string, RegExp][] = [
      ["bad magic", /^nanolm: error: .*bad-magic\.bin: .*magic/],
      ["too long", /^nanolm: error: prompt is 8 tokens but the model's block_size is 6/],
      [
        "seq2seq length",
        /^nanolm: error: input is 3 tokens but seq2seq needs exactly block_size \(6\)/,
      ],
      ["wrong lora", /^nanolm: error: .*other-base\.lora\.bin: .*another base model: n_hidden 64/],
      ["missing", /^nanolm: error: .*nope\.bin/],
    ];
    for (const [key, message] of cases) {
      const r = await result(key);
      expect(r.status, key).toBe(1);
      expect(r.stderr, key).toMatch(message);
      expect(r.stderr.trim().split("\n"), key).toHaveLength(1); // no stack trace
      expect(r.stdout, key).toBe("");
    }
  });

  it("nanolm scheme finds (nano …) without -I: the example program", () => {
    const example = resolve(import.meta.dirname, "..", "examples", "generate.scm");
    const r = run(nanolmBin, ["scheme", example, psycho!, PSYCHO_PROMPT, "6"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("一切个体的普"); // the six greedy tokens 188 589 203 370 187 943
    // what the observer saw of the last token run (the 6 prompt tokens and 5 of the 6 new ones:
    // the last new token is never run): the last layer's 4 heads over 11 positions
    const heads = lines.filter((l) => l.startsWith("layer 7 head "));
    expect(heads).toHaveLength(4);
    for (const line of heads) expect(line.match(/\(([\d ]+)\)$/)![1].split(" ")).toHaveLength(11);
  });
});
