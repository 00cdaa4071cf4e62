// Data pipeline: text blocks and their shift, seeded shuffle, exact resume, a held-out split of
// whole documents, streaming through a small chunk size, SFT masks and bad-line errors, tasks.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDataset, type Batch, type DataConfig } from "../src/data.ts";
import { buildTokenizer, Tokenizer } from "../src/tokenizer.ts";

const work = mkdtempSync(join(tmpdir(), "nanolm-data-test-"));
const cacheDir = join(work, "cache");

/** A corpus of numbered documents separated by blank lines, each with a unique marker word. */
function writeCorpus(name: string, prefix: string, docs: number, linesPerDoc = 3): string {
  const parts: string[] = [];
  for (let d = 0; d < docs; d++) {
    const lines = Array.from(
      { length: linesPerDoc },
      (_, l) => `doc${prefix}${d} line ${l}: abc xyz ${d * 7 + l}`,
    );
    parts.push(lines.join("\n"));
  }
  const path = join(work, name);
  writeFileSync(path, parts.join("\n\n  \n") + "\n");
  return path;
}

const corpusA = writeCorpus("a.txt", "A", 40);
const corpusB = writeCorpus("b.txt", "B", 10);
const textConfig: DataConfig = { kind: "text", train: [corpusA, corpusB], valFraction: 0.1 };

const rowOf = (b: Batch, field: "tokens" | "targets", r: number) =>
  Array.from(b[field].subarray(r * b.blockSize, (r + 1) * b.blockSize));

describe("text data", () => {
  it("makes blocks whose targets are the tokens shifted by one", async () => {
    const ds = await openDataset(textConfig, 16, 1, work, { cacheDir });
    const batch = ds.nextTrainBatch(4);
    expect(batch.tokens.length).toBe(64);
    expect([...batch.mask].every((m) => m === 1)).toBe(true);
    for (let r = 0; r < 4; r++) {
      expect(rowOf(batch, "tokens", r).slice(1)).toEqual(rowOf(batch, "targets", r).slice(0, -1));
    }
    // every document is wrapped in <|bos|> … <|eos|>
    const text = ds.tokenizer.decode(ds.nextTrainBatch(64).tokens);
    expect(text).toMatch(/<\|eos\|><\|bos\|>doc[AB]\d+ line 0/);
  });

  it("shuffles deterministically by seed, differently across seeds, and resumes exactly", async () => {
    const a = await openDataset(textConfig, 16, 1, work, { cacheDir });
    const b = await openDataset(textConfig, 16, 1, work, { cacheDir });
    const c = await openDataset(textConfig, 16, 2, work, { cacheDir });
    const first = a.nextTrainBatch(8);
    expect(b.nextTrainBatch(8)).toEqual(first);
    expect(c.nextTrainBatch(8).tokens).not.toEqual(first.tokens);

    // Run through several epochs, saving the state midway; a fresh dataset continues identically.
    for (let i = 0; i < 30; i++) a.nextTrainBatch(8);
    const state = JSON.parse(JSON.stringify(a.getState()));
    const expected = Array.from({ length: 40 }, () => a.nextTrainBatch(8));
    expect((a.getState() as { epoch: number }).epoch).toBeGreaterThan(
      (state as { epoch: number }).epoch,
    );
    const resumed = await openDataset(textConfig, 16, 1, work, { cacheDir });
    resumed.setState(state);
    for (const batch of expected) expect(resumed.nextTrainBatch(8)).toEqual(batch);
    expect(() => resumed.setState({ epoch: -1, position: 0 })).toThrow(/bad data state/);
  });

  it("holds out whole documents, never seen in training, the same for the same seed", async () => {
    const ds = await openDataset(textConfig, 16, 3, work, { cacheDir });
    const valText = ds
      .validationBatches(4, 100)
      .map((b) => ds.tokenizer.decode(b.tokens.filter((_, i) => b.mask[i] === 1)))
      .join("");
    const valDocs = new Set([...valText.matchAll(/doc([AB]\d+) line 0/g)].map((m) => m[1]));
    expect(valDocs.size).toBe(5); // round(0.1 × 50 documents)
    let trainText = "";
    for (let i = 0; i < 200; i++) {
      const batch = ds.nextTrainBatch(8);
      // row by row: rows are unrelated windows, so joining them could forge a document name
      for (let r = 0; r < 8; r++) trainText += ds.tokenizer.decode(rowOf(batch, "tokens", r)) + "|";
    }
    const trainDocs = new Set([...trainText.matchAll(/doc([AB]\d+) line/g)].map((m) => m[1]));
    for (const d of valDocs) expect(trainDocs.has(d)).toBe(false);
    expect(trainDocs.size + valDocs.size).toBe(50);
    const again = await openDataset(textConfig, 16, 3, work, { cacheDir });
    expect(again.validationBatches(4, 100)).toEqual(ds.validationBatches(4, 100));
  });

  it("streams a corpus larger than one chunk to exactly the same tokens", async () => {
    // A long single-line document and words longer than the chunk, so tokenization must carry
    // text across chunk boundaries.
    const long = join(work, "long.txt");
    const words = Array.from({ length: 3000 }, (_, i) => `w${i % 17}alpha beta`).join(" ");
    writeFileSync(long, `${words}\n\nsecond document\nwith two lines\n\n\n${words.slice(0, 500)}`);
    const tokPath = join(work, "words.json");
    const built = new Tokenizer(
      buildTokenizer([words + "second document\nwith two lines"], { wordCount: 30 }),
    );
    built.save(tokPath);
    const config: DataConfig = {
      kind: "text",
      train: [long],
      valFraction: 0.3,
      tokenizer: tokPath,
    };
    const small = await openDataset(config, 8, 5, work, {
      cacheDir: join(work, "c1"),
      chunkChars: 64,
    });
    const big = await openDataset(config, 8, 5, work, { cacheDir: join(work, "c2") });
    for (let i = 0; i < 50; i++) expect(small.nextTrainBatch(4)).toEqual(big.nextTrainBatch(4));
    expect(small.validationBatches(2, 50)).toEqual(big.validationBatches(2, 50));
    // …and equal to encoding each document whole
    const docs = [words, "second document\nwith two lines", words.slice(0, 500)];
    const all = docs.map((d) => [2, ...built.encode(d), 3]).flat();
    const val = small
      .validationBatches(1, 10_000)
      .flatMap((b) => Array.from(b.tokens.filter((_, i) => b.mask[i])));
    const asText = (ids: number[]) => ids.join(",");
    expect(asText(all)).toContain(asText(val.slice(0, 50)));
  });

  it("builds a character tokenizer from the corpus when none is given", async () => {
    const ds = await openDataset(textConfig, 16, 1, work, { cacheDir });
    expect(ds.tokenizer.vocabSize).toBeGreaterThan(7 + 20);
    expect(ds.tokenizer.decode(ds.tokenizer.encode("docA12 line"))).toBe("docA12 line");
  });

  it("explains a corpus too small for a block", async () => {
    const tiny = join(work, "tiny.txt");
    writeFileSync(tiny, "ab\n\ncd\n");
    const config: DataConfig = { kind: "text", train: [tiny], valFraction: 0.5 };
    await expect(openDataset(config, 16, 1, work, { cacheDir })).rejects.toThrow(/one block needs/);
  });
});

describe("SFT data", () => {
  const tokPath = join(work, "sft-tok.json");
  new Tokenizer(buildTokenizer(["abcdefghijklmnopqrstuvwxyz ?!"])).save(tokPath);

  it("uses the instruction template, pads, and masks all but the answer and <|eos|>", async () => {
    const path = join(work, "sft.jsonl");
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({
        question: `q${"abc"[i % 3]}?`,
        answer: `ans ${"xyz".slice(0, 1 + (i % 3))}`,
      }),
    );
    writeFileSync(path, lines.join("\n") + "\n\n");
    const config: DataConfig = { kind: "sft", train: path, valFraction: 0.2, tokenizer: tokPath };
    const ds = await openDataset(config, 16, 1, work);
    const batch = ds.nextTrainBatch(3);
    const tok = ds.tokenizer;
    for (let r = 0; r < 3; r++) {
      const tokens = rowOf(batch, "tokens", r);
      const targets = rowOf(batch, "targets", r);
      const mask = Array.from(batch.mask.subarray(r * 16, (r + 1) * 16));
      expect(tokens[0]).toBe(4); // <|instruct_mark|>
      expect(tokens.slice(1)).toEqual(targets.slice(0, -1));
      const learned = tok.decode(targets.filter((_, t) => mask[t] === 1));
      expect(learned).toMatch(/^ans x(y(z)?)?<\|eos\|>$/);
      const text = tok.decode(tokens);
      expect(text).toMatch(/^<\|instruct_mark\|>q[a-c]\?<\|response_mark\|>ans x/);
      expect(text).toMatch(/<\|padding\|>$/);
    }
    expect(ds.validationBatches(4, 10).length).toBe(1); // 4 held-out examples
  });

  it("reports bad lines with their line numbers", async () => {
    const cases: [string, RegExp][] = [
      [
        '{"question":"a","answer":"b"}\n{"question": 1, "answer": "b"}',
        /sft-bad.jsonl:2: "question" must be a string/,
      ],
      ['{"question":"a","answer":"b"}\n\nnot json', /sft-bad.jsonl:3: not valid JSON/],
      ['{"question":"a"}', /sft-bad.jsonl:1: "answer" must be a string/],
      [
        `{"question":"${"a".repeat(40)}","answer":"b"}`,
        /sft-bad.jsonl:1: the example is 44 tokens.*blockSize\+1 = 17/,
      ],
    ];
    for (const [text, message] of cases) {
      const path = join(work, "sft-bad.jsonl");
      writeFileSync(path, text);
      const config: DataConfig = { kind: "sft", train: path, valFraction: 0.1, tokenizer: tokPath };
      await expect(openDataset(config, 16, 1, work)).rejects.toThrow(message);
    }
  });
});

describe("task data", () => {
  it("gives seq2seq blocks for sort: input digits, sorted targets, mask 1", async () => {
    const ds = await openDataset({ kind: "task", task: "sort" }, 6, 1, work);
    const batch = ds.nextTrainBatch(32);
    for (let r = 0; r < 32; r++) {
      const input = ds.tokenizer.decode(rowOf(batch, "tokens", r));
      const output = ds.tokenizer.decode(rowOf(batch, "targets", r));
      expect(input).toMatch(/^\d{6}$/);
      expect(output).toBe([...input].sort().join(""));
    }
    expect([...batch.mask].every((m) => m === 1)).toBe(true);
    await expect(openDataset({ kind: "task", task: "sort" }, 8, 1, work)).resolves.toBeDefined();
    await expect(
      openDataset({ kind: "task", task: "sort", length: 6 }, 8, 1, work),
    ).rejects.toThrow(/length 6 but model.blockSize is 8/);
  });

  it("keeps validation inputs out of training and resumes exactly (stream and fixed set)", async () => {
    for (const config of [
      { kind: "task", task: "reverse", length: 3, valSize: 200 },
      { kind: "task", task: "boolean", length: 7, valSize: 100, trainSize: 300 },
    ] as DataConfig[]) {
      const blockSize = (config as { length: number }).length;
      const ds = await openDataset(config, blockSize, 9, work);
      const inputs = (batches: Batch[]) =>
        new Set(
          batches.flatMap((b) =>
            Array.from({ length: b.batchSize }, (_, r) => rowOf(b, "tokens", r).join(",")),
          ),
        );
      const val = inputs(ds.validationBatches(50, 100));
      expect(val.size).toBe((config as { valSize: number }).valSize);
      const train = inputs(Array.from({ length: 20 }, () => ds.nextTrainBatch(50)));
      for (const v of val) expect(train.has(v)).toBe(false);
      const state = JSON.parse(JSON.stringify(ds.getState()));
      const next = ds.nextTrainBatch(16);
      const again = await openDataset(config, blockSize, 9, work);
      again.setState(state);
      expect(again.nextTrainBatch(16)).toEqual(next);
    }
  });
});
