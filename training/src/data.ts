// data.ts — what the training loop eats: batches of token blocks (tokens, targets, loss mask) for
// three kinds of data, all deterministic given the seed and resumable exactly.
//
// - text: files of documents separated by blank lines (one or more empty or whitespace-only
//   lines; a file always ends its last document). Each document becomes `<|bos|>doc<|eos|>`.
//   The corpus is tokenized chunk by chunk into a token cache on disk (keyed by the files'
//   contents and the tokenizer), never held in memory whole; whole documents are held out for
//   validation; training blocks of blockSize+1 tokens are read by offset in a seeded order.
// - sft: JSONL {"question", "answer"} in the instruction template, loss only on the answer.
// - task: the toy seq2seq tasks in tasks/ (sort, reverse, boolean).
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateStories } from "./corpus/stories.ts";
import { mixSeeds, Rng } from "./rng.ts";
import {
  BOS_ID,
  buildTokenizer,
  EOS_ID,
  INSTRUCT_MARK_ID,
  PADDING_ID,
  RESPONSE_MARK_ID,
  Tokenizer,
} from "./tokenizer.ts";
import {
  createTask,
  distinctExamples,
  taskTokenizer,
  validationExamples,
  type TaskExample,
} from "./tasks/index.ts";

export type DataConfig =
  | {
      kind: "text";
      train: string[];
      valFraction: number;
      /** a TokenizerJson file; without one a tokenizer is built from the training files */
      tokenizer?: string;
      /** when building the tokenizer: also make tokens of the N most frequent words */
      words?: number;
    }
  /** NanoLM's own generated corpus (corpus/stories.ts): `count` stories from `seed`. */
  | { kind: "stories"; count: number; seed: number; valFraction: number; words?: number }
  | { kind: "sft"; train: string; valFraction: number; tokenizer: string }
  | {
      kind: "task";
      task: "sort" | "reverse" | "boolean";
      length?: number;
      trainSize?: number;
      valSize?: number;
    };

/** A batch, row-major (batchSize, blockSize). The loss counts only positions where mask = 1. */
export interface Batch {
  tokens: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  batchSize: number;
  blockSize: number;
}

export interface Dataset {
  tokenizer: Tokenizer;
  /** the next training batch; deterministic given the seed and the position (getState) */
  nextTrainBatch(batchSize: number): Batch;
  /** the fixed held-out batches, the same on every call */
  validationBatches(batchSize: number, maxBatches: number): Batch[];
  /** everything needed to continue exactly after a resume (JSON-serializable) */
  getState(): unknown;
  setState(state: unknown): void;
}

export interface DataOptions {
  /** where the text token cache lives (default: $NANOLM_DATA_CACHE or <os tmpdir>/nanolm-data) */
  cacheDir?: string;
  /** characters of text read and tokenized at a time (default 1 MiB) */
  chunkChars?: number;
}

/** Open a dataset. Relative paths in `config` are taken from `baseDir`. */
export async function openDataset(
  config: DataConfig,
  blockSize: number,
  seed: number,
  baseDir: string,
  options: DataOptions = {},
): Promise<Dataset> {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  }
  switch (config.kind) {
    case "text":
      return openTextDataset(config, blockSize, seed, baseDir, options);
    case "stories":
      return openTextDataset(
        {
          kind: "text",
          train: [storiesFile(config, options)],
          valFraction: config.valFraction,
          words: config.words,
        },
        blockSize,
        seed,
        baseDir,
        options,
      );
    case "sft":
      return openSftDataset(config, blockSize, seed, baseDir);
    case "task":
      return openTaskDataset(config, blockSize, seed);
    default:
      throw new Error(`unknown data kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: batches, shuffled epochs, the validation split

/** One training row: blockSize tokens, their targets and the loss mask. */
interface Row {
  tokens: ArrayLike<number>;
  targets: ArrayLike<number>;
  mask: ArrayLike<number>;
}

/** Stack rows into a batch; missing rows (fewer than batchSize) are padding with mask 0. */
function makeBatch(rows: Row[], batchSize: number, blockSize: number): Batch {
  const n = batchSize * blockSize;
  const batch: Batch = {
    tokens: new Int32Array(n).fill(PADDING_ID),
    targets: new Int32Array(n).fill(PADDING_ID),
    mask: new Float32Array(n),
    batchSize,
    blockSize,
  };
  rows.forEach((row, b) => {
    batch.tokens.set(row.tokens, b * blockSize);
    batch.targets.set(row.targets, b * blockSize);
    batch.mask.set(row.mask, b * blockSize);
  });
  return batch;
}

/** Cut fixed validation rows into full batches; when there are fewer rows than one batch, one
 *  batch padded with empty rows (so the shapes stay the same as in training). */
function validationBatchesOf(
  rows: Row[],
  batchSize: number,
  maxBatches: number,
  blockSize: number,
) {
  checkBatchSize(batchSize);
  const batches: Batch[] = [];
  for (
    let start = 0;
    start + batchSize <= rows.length && batches.length < maxBatches;
    start += batchSize
  ) {
    batches.push(makeBatch(rows.slice(start, start + batchSize), batchSize, blockSize));
  }
  if (batches.length === 0 && rows.length > 0 && maxBatches > 0) {
    batches.push(makeBatch(rows, batchSize, blockSize));
  }
  return batches;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}

/** Epoch order over `count` items: a fresh seeded permutation each epoch, so the order depends
 *  only on (seed, epoch) and a resumed run needs to store just the epoch and the position. */
class ShuffledEpochs {
  epoch = 0;
  position = 0;
  private order: Uint32Array;

  constructor(
    private readonly seed: number,
    private readonly countFor: (epoch: number) => number,
  ) {
    this.order = this.permutation(0);
  }

  /** The next item index, moving on to a new epoch after the last one. */
  next(): number {
    if (this.position >= this.order.length) {
      this.epoch++;
      this.position = 0;
      this.order = this.permutation(this.epoch);
    }
    return this.order[this.position++];
  }

  getState(): { epoch: number; position: number } {
    return { epoch: this.epoch, position: this.position };
  }

  setState(state: unknown): void {
    const s = state as { epoch?: unknown; position?: unknown };
    const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    if (typeof s !== "object" || s === null || !ok(s.epoch) || !ok(s.position)) {
      throw new Error(`bad data state ${JSON.stringify(state)}: expected {epoch, position}`);
    }
    const order = this.permutation(s.epoch);
    if (s.position > order.length) {
      throw new Error(
        `data state position ${s.position} is past the epoch's ${order.length} blocks`,
      );
    }
    this.epoch = s.epoch;
    this.position = s.position;
    this.order = order;
  }

  // Fisher–Yates with a generator seeded from (seed, epoch).
  private permutation(epoch: number): Uint32Array {
    const n = this.countFor(epoch);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const rng = new Rng(mixSeeds(this.seed, epoch));
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}

/** Which items go to validation: the round(valFraction·n) items (at least one, never all) with
 *  the smallest seeded hash of their content. Deterministic by seed, independent of the order
 *  of items, and identical copies of an item always land on the same side. */
function chooseValidation(
  contentHashes: ArrayLike<number>,
  valFraction: number,
  seed: number,
  what: string,
) {
  const n = contentHashes.length;
  const isVal = new Uint8Array(n);
  if (valFraction <= 0) return isVal;
  if (n < 2) throw new Error(`a validation split needs at least 2 ${what}s, found ${n}`);
  const nVal = Math.min(n - 1, Math.max(1, Math.round(valFraction * n)));
  const keys = Array.from({ length: n }, (_, i) => mixSeeds(seed, contentHashes[i]));
  const byKey = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
  for (let k = 0; k < nVal; k++) isVal[byKey[k]] = 1;
  return isVal;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, continuing from `hash`. */
function fnv1a(text: string, hash = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Text: documents → token cache on disk → shuffled blocks

const TOKEN_BYTES = 4; // the cache stores int32 token ids in this machine's byte order
const CACHE_VERSION = 1;

/** The generated stories as a text file (documents separated by blank lines), written once per
 *  (seed, count) into the cache directory, atomically. */
function storiesFile(
  config: Extract<DataConfig, { kind: "stories" }>,
  options: DataOptions,
): string {
  const dir = options.cacheDir ?? process.env.NANOLM_DATA_CACHE ?? join(tmpdir(), "nanolm-data");
  const file = join(dir, `stories-${config.seed}-${config.count}.txt`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, generateStories(config.seed, config.count).join("\n\n") + "\n");
    renameSync(tmp, file);
  }
  return file;
}

async function openTextDataset(
  config: Extract<DataConfig, { kind: "text" }>,
  blockSize: number,
  seed: number,
  baseDir: string,
  options: DataOptions,
): Promise<Dataset> {
  if (config.train.length === 0) throw new Error("data.train lists no files");
  const files = config.train.map((f) => resolve(baseDir, f));
  for (const f of files) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new Error(`training file not found: ${f}`);
  }
  const chunkChars = options.chunkChars ?? 1 << 20;
  const tokenizer = config.tokenizer
    ? Tokenizer.load(resolve(baseDir, config.tokenizer))
    : new Tokenizer(buildTokenizer(readTextChunks(files, chunkChars), { wordCount: config.words }));

  const cacheRoot =
    options.cacheDir ?? process.env.NANOLM_DATA_CACHE ?? join(tmpdir(), "nanolm-data");
  const corpus = tokenizeCorpus(files, tokenizer, cacheRoot, chunkChars);
  const split = splitCorpus(corpus, config.valFraction, seed);

  const trainTokens = split.trainTokens;
  if (trainTokens < blockSize + 1) {
    throw new Error(
      `the training split has ${trainTokens} tokens; one block needs blockSize+1 = ${blockSize + 1}`,
    );
  }
  // Each epoch starts its blocks at a seeded offset in [0, blockSize), so later epochs see the
  // text cut into different windows.
  const offsetFor = (epoch: number) =>
    trainTokens - 1 >= 2 * blockSize ? mixSeeds(seed, epoch, 0x0ff5e7) % blockSize : 0;
  const blocksFor = (epoch: number) => Math.floor((trainTokens - 1 - offsetFor(epoch)) / blockSize);
  const epochs = new ShuffledEpochs(seed, blocksFor);
  const trainFd = openSync(split.trainPath, "r");
  const blockBytes = new Uint8Array((blockSize + 1) * TOKEN_BYTES);
  const block = new Int32Array(blockBytes.buffer);
  const ones = new Float32Array(blockSize).fill(1);

  let validationRows: Row[] | undefined;

  return {
    tokenizer,
    nextTrainBatch(batchSize) {
      checkBatchSize(batchSize);
      const batch = makeBatch([], batchSize, blockSize);
      for (let b = 0; b < batchSize; b++) {
        const index = epochs.next();
        const start = offsetFor(epochs.epoch) + index * blockSize;
        readExactly(trainFd, blockBytes, start * TOKEN_BYTES, split.trainPath);
        // targets are the tokens shifted by one: position t predicts token t+1
        batch.tokens.set(block.subarray(0, blockSize), b * blockSize);
        batch.targets.set(block.subarray(1), b * blockSize);
        batch.mask.set(ones, b * blockSize);
      }
      return batch;
    },
    validationBatches(batchSize, maxBatches) {
      validationRows ??= readValidationRows(split.valPath, split.valTokens, blockSize);
      return validationBatchesOf(validationRows, batchSize, maxBatches, blockSize);
    },
    getState: () => epochs.getState(),
    setState: (state) => epochs.setState(state),
  };
}

/** The validation split cut in order into blocks; the last, shorter one is padded (mask 0). At
 *  most 4096 blocks are kept, far more than any evaluation reads. */
function readValidationRows(path: string, nTokens: number, blockSize: number): Row[] {
  const rows: Row[] = [];
  if (nTokens < 2) return rows;
  const fd = openSync(path, "r");
  try {
    for (let start = 0; start < nTokens - 1 && rows.length < 4096; start += blockSize) {
      const n = Math.min(blockSize + 1, nTokens - start);
      const bytes = new Uint8Array(n * TOKEN_BYTES);
      readExactly(fd, bytes, start * TOKEN_BYTES, path);
      const ids = new Int32Array(bytes.buffer);
      const tokens = new Int32Array(blockSize).fill(PADDING_ID);
      const targets = new Int32Array(blockSize).fill(PADDING_ID);
      const mask = new Float32Array(blockSize);
      tokens.set(ids.subarray(0, n - 1));
      targets.set(ids.subarray(1));
      mask.fill(1, 0, n - 1);
      rows.push({ tokens, targets, mask });
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

function readExactly(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`${path} is shorter than expected (a damaged data cache?)`);
    done += n;
  }
}

/** The text of files, about `chunkChars` characters at a time (UTF-8 decoded across chunk
 *  edges), so a corpus of any size streams through. */
export function* readTextChunks(files: string[], chunkChars: number): Generator<string> {
  for (const file of files) yield* chunksOfFile(file, chunkChars);
}

function* chunksOfFile(file: string, chunkChars: number): Generator<string> {
  const fd = openSync(file, "r");
  try {
    const decoder = new TextDecoder("utf-8");
    const bytes = new Uint8Array(Math.max(4, chunkChars));
    for (;;) {
      const n = readSync(fd, bytes, 0, bytes.length, null);
      if (n === 0) break;
      const text = decoder.decode(bytes.subarray(0, n), { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** The whole corpus tokenized: a file of int32 ids and, per document, where it lies. */
interface TokenizedCorpus {
  dir: string;
  tokensPath: string;
  /** per document: first token, token count (with <|bos|> and <|eos|>), content hash */
  docStart: number[];
  docLength: number[];
  docHash: number[];
}

/** Tokenize the files into `cacheRoot/<key>/` unless already there; the key hashes the cache
 *  format, the tokenizer and every file's bytes, so any change makes a new cache. */
function tokenizeCorpus(
  files: string[],
  tokenizer: Tokenizer,
  cacheRoot: string,
  chunkChars: number,
): TokenizedCorpus {
  const key = createHash("sha256");
  key.update(`nanolm-text-cache ${CACHE_VERSION}\n${JSON.stringify(tokenizer.json)}\n`);
  const buffer = new Uint8Array(1 << 20);
  for (const file of files) {
    const fd = openSync(file, "r");
    try {
      for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;)
        key.update(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    key.update("\0file\0");
  }
  const dir = join(cacheRoot, key.digest("hex").slice(0, 32));
  const tokensPath = join(dir, "tokens.i32");
  const indexPath = join(dir, "documents.json");
  if (!existsSync(indexPath)) {
    // Build in a private temporary folder, then rename: a killed run never leaves half a cache.
    const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(temp, { recursive: true });
    try {
      const writer = new CorpusWriter(tokenizer, join(temp, "tokens.i32"), chunkChars);
      for (const file of files) writer.addFile(file);
      writer.close();
      writeFileDurably(join(temp, "documents.json"), JSON.stringify(writer.documents));
      try {
        renameSync(temp, dir);
      } catch (e) {
        if (!existsSync(indexPath)) throw e; // another run finished the same cache first
        rmSync(temp, { recursive: true, force: true });
      }
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  }
  const docs = JSON.parse(readFileSync(indexPath, "utf8")) as CorpusWriter["documents"];
  return { dir, tokensPath, ...docs };
}

function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Splits text into documents at blank lines and writes `<|bos|>doc<|eos|>` ids to a file,
 *  tokenizing at most about `chunkChars` characters at a time. */
class CorpusWriter {
  readonly documents = {
    docStart: [] as number[],
    docLength: [] as number[],
    docHash: [] as number[],
  };
  private readonly fd: number;
  private readonly out = new Int32Array(1 << 16);
  private outCount = 0;
  private tokensWritten = 0;
  // The document being read: its text not yet tokenized, where it starts, its running hash.
  private inDocument = false;
  private documentHasText = false;
  private pending = "";
  private docStart = 0;
  private hash = 0;

  constructor(
    private readonly tokenizer: Tokenizer,
    path: string,
    private readonly chunkChars: number,
  ) {
    this.fd = openSync(path, "w");
  }

  /** Read one file; its end also ends its last document. */
  addFile(file: string): void {
    let line = ""; // the current line, until we know whether it is blank
    let midLine = false; // part of the current line is already in the document
    for (const chunk of chunksOfFile(file, this.chunkChars)) {
      let from = 0;
      for (let nl; (nl = chunk.indexOf("\n", from)) >= 0; from = nl + 1) {
        this.endLine(line + chunk.slice(from, nl), midLine);
        line = "";
        midLine = false;
      }
      line += chunk.slice(from);
      // A very long line that is surely not blank goes in now, so memory stays bounded.
      if (line.length > this.chunkChars && /\S/.test(line)) {
        this.append(line, midLine);
        line = "";
        midLine = true;
      }
    }
    if (line || midLine) this.endLine(line, midLine);
    this.endDocument();
  }

  close(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  // A complete line: a blank one ends the document, any other joins it.
  private endLine(line: string, midLine: boolean): void {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (!midLine && !/\S/.test(line)) this.endDocument();
    else this.append(line, midLine);
  }

  private append(text: string, continuesLine: boolean): void {
    if (!this.inDocument) {
      this.inDocument = true;
      this.documentHasText = false;
      this.docStart = this.tokensWritten + this.outCount;
      this.hash = fnv1a("");
      this.emit([BOS_ID]);
    }
    if (this.documentHasText && !continuesLine) text = "\n" + text;
    this.documentHasText = true;
    this.pending += text;
    this.hash = fnv1a(text, this.hash);
    if (this.pending.length > this.chunkChars) this.tokenizeSettledPrefix();
  }

  private endDocument(): void {
    if (!this.inDocument) return;
    this.emit(this.tokenizer.encode(this.pending));
    this.pending = "";
    this.emit([EOS_ID]);
    const end = this.tokensWritten + this.outCount;
    this.documents.docStart.push(this.docStart);
    this.documents.docLength.push(end - this.docStart);
    this.documents.docHash.push(this.hash);
    this.inDocument = false;
  }

  // Greedy longest match decides a token from at most maxTokenLength characters of text after
  // its start, so every token starting that far from the end of `pending` is exactly what
  // tokenizing the whole document would give. Emit those; keep the rest for later.
  private tokenizeSettledPrefix(): void {
    const chars = Array.from(this.pending);
    const ids = this.tokenizer.encode(this.pending);
    const settledUpTo = chars.length - this.tokenizer.maxTokenLength;
    let position = 0;
    let count = 0;
    while (count < ids.length && position <= settledUpTo) {
      position += this.tokenizer.codePointLength(ids[count]);
      count++;
    }
    this.emit(ids.slice(0, count));
    this.pending = chars.slice(position).join("");
  }

  private emit(ids: number[]): void {
    for (const id of ids) {
      if (this.outCount === this.out.length) this.flush();
      this.out[this.outCount++] = id;
    }
  }

  private flush(): void {
    const bytes = new Uint8Array(this.out.buffer, 0, this.outCount * TOKEN_BYTES);
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done);
    this.tokensWritten += this.outCount;
    this.outCount = 0;
  }
}

/** The corpus split into training and validation token files (whole documents each, in corpus
 *  order), cached beside the corpus per (seed, valFraction). */
function splitCorpus(corpus: TokenizedCorpus, valFraction: number, seed: number) {
  const isVal = chooseValidation(
    corpus.docHash,
    valFraction,
    seed,
    "document (blank-line separated)",
  );
  const dir = join(corpus.dir, `split-${seed >>> 0}-${valFraction}`);
  const trainPath = join(dir, "train.i32");
  const valPath = join(dir, "val.i32");
  let trainTokens = 0;
  let valTokens = 0;
  corpus.docLength.forEach((n, i) => (isVal[i] ? (valTokens += n) : (trainTokens += n)));
  if (!existsSync(join(dir, "done"))) {
    const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(temp, { recursive: true });
    try {
      const source = openSync(corpus.tokensPath, "r");
      const train = openSync(join(temp, "train.i32"), "w");
      const val = openSync(join(temp, "val.i32"), "w");
      const buffer = new Uint8Array(1 << 20);
      corpus.docStart.forEach((start, i) => {
        const target = isVal[i] ? val : train;
        let offset = start * TOKEN_BYTES;
        let left = corpus.docLength[i] * TOKEN_BYTES;
        while (left > 0) {
          const n = readSync(source, buffer, 0, Math.min(left, buffer.length), offset);
          if (n === 0) throw new Error(`${corpus.tokensPath} is shorter than its index says`);
          for (let done = 0; done < n;) done += writeSync(target, buffer, done, n - done);
          offset += n;
          left -= n;
        }
      });
      for (const fd of [train, val]) {
        fsyncSync(fd);
        closeSync(fd);
      }
      closeSync(source);
      writeFileDurably(join(temp, "done"), "");
      try {
        renameSync(temp, dir);
      } catch (e) {
        if (!existsSync(join(dir, "done"))) throw e;
        rmSync(temp, { recursive: true, force: true });
      }
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  }
  return { trainPath, valPath, trainTokens, valTokens };
}

// ---------------------------------------------------------------------------------------------
// SFT: question/answer pairs in the instruction template

/** One instruction example: its padded sequence (blockSize+1 ids) and where the answer lies. */
interface SftExample {
  ids: Int32Array;
  /** index in `ids` of the first answer token */
  answerStart: number;
  /** index in `ids` of the <|eos|> */
  eos: number;
}

async function openSftDataset(
  config: Extract<DataConfig, { kind: "sft" }>,
  blockSize: number,
  seed: number,
  baseDir: string,
): Promise<Dataset> {
  const tokenizer = Tokenizer.load(resolve(baseDir, config.tokenizer));
  const path = resolve(baseDir, config.train);
  const examples = readSftExamples(path, tokenizer, blockSize);
  const isVal = chooseValidation(
    examples.map((e) => e.hash),
    config.valFraction,
    seed,
    "example",
  );
  const toRow = (e: SftExample): Row => {
    const mask = new Float32Array(blockSize);
    // Target t is ids[t+1]: learn it only when it is part of the answer or the closing <|eos|>.
    for (let t = e.answerStart - 1; t < e.eos; t++) mask[t] = 1;
    return { tokens: e.ids.subarray(0, blockSize), targets: e.ids.subarray(1), mask };
  };
  const train = examples.filter((_, i) => !isVal[i]).map((e) => toRow(e.example));
  const validation = examples.filter((_, i) => isVal[i]).map((e) => toRow(e.example));
  const epochs = new ShuffledEpochs(seed, () => train.length);
  return {
    tokenizer,
    nextTrainBatch(batchSize) {
      checkBatchSize(batchSize);
      const rows = Array.from({ length: batchSize }, () => train[epochs.next()]);
      return makeBatch(rows, batchSize, blockSize);
    },
    validationBatches: (batchSize, maxBatches) =>
      validationBatchesOf(validation, batchSize, maxBatches, blockSize),
    getState: () => epochs.getState(),
    setState: (state) => epochs.setState(state),
  };
}

/** Parse a JSONL file of {"question", "answer"}; an error names the file and the line. */
function readSftExamples(path: string, tokenizer: Tokenizer, blockSize: number) {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read SFT data ${path}: ${(e as Error).message}`);
  }
  const examples: { example: SftExample; hash: number }[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${path}:${index + 1}`;
    let record: { question?: unknown; answer?: unknown };
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new Error(`${where}: expected an object {"question": ..., "answer": ...}`);
    }
    if (typeof record.question !== "string")
      throw new Error(`${where}: "question" must be a string`);
    if (typeof record.answer !== "string") throw new Error(`${where}: "answer" must be a string`);
    const question = tokenizer.encode(record.question);
    const answer = tokenizer.encode(record.answer);
    const sequence = [INSTRUCT_MARK_ID, ...question, RESPONSE_MARK_ID, ...answer, EOS_ID];
    if (sequence.length > blockSize + 1) {
      throw new Error(
        `${where}: the example is ${sequence.length} tokens in the instruction template, ` +
          `longer than blockSize+1 = ${blockSize + 1}; shorten it or raise blockSize`,
      );
    }
    const ids = new Int32Array(blockSize + 1).fill(PADDING_ID);
    ids.set(sequence);
    examples.push({
      example: { ids, answerStart: question.length + 2, eos: sequence.length - 1 },
      hash: fnv1a(record.answer, fnv1a(record.question + "\0")),
    });
  });
  if (examples.length === 0) throw new Error(`${path} holds no examples`);
  return examples;
}

// ---------------------------------------------------------------------------------------------
// Toy tasks: seq2seq blocks from a generator

function openTaskDataset(
  config: Extract<DataConfig, { kind: "task" }>,
  blockSize: number,
  seed: number,
): Dataset {
  const task = createTask(config.task, config.length ?? blockSize);
  if (task.length !== blockSize) {
    throw new Error(
      `the ${task.name} task has length ${task.length} but model.blockSize is ${blockSize}: ` +
        `a seq2seq task needs them equal`,
    );
  }
  const tokenizer = taskTokenizer(task);
  const ones = new Float32Array(blockSize).fill(1);
  // Non-causal seq2seq: the tokens are the input, the targets the output, position by position.
  const toRow = (e: TaskExample): Row => ({
    tokens: tokenizer.encode(e.input),
    targets: tokenizer.encode(e.output),
    mask: ones,
  });
  const validation = validationExamples(task, config.valSize ?? 1000);
  const heldOut = new Set(validation.map((e) => e.input));
  const validationRows = validation.map(toRow);

  if (config.trainSize !== undefined) {
    // A fixed training set, visited in a fresh seeded order each epoch.
    const train = distinctExamples(task, config.trainSize, mixSeeds(seed, 0x7a5c), heldOut).map(
      toRow,
    );
    const epochs = new ShuffledEpochs(seed, () => train.length);
    return {
      tokenizer,
      nextTrainBatch(batchSize) {
        checkBatchSize(batchSize);
        return makeBatch(
          Array.from({ length: batchSize }, () => train[epochs.next()]),
          batchSize,
          blockSize,
        );
      },
      validationBatches: (batchSize, maxBatches) =>
        validationBatchesOf(validationRows, batchSize, maxBatches, blockSize),
      getState: () => epochs.getState(),
      setState: (state) => epochs.setState(state),
    };
  }

  // An endless stream of fresh examples; its whole state is the generator's state.
  const rng = new Rng(mixSeeds(seed, 0x7a5c));
  const random = () => rng.nextFloat();
  const nextExample = (): TaskExample => {
    for (let tries = 0; tries < 100_000; tries++) {
      const input = task.randomInput(random);
      if (!heldOut.has(input)) return { input, output: task.solve(input) };
    }
    throw new Error(`the ${task.name} task has no inputs left outside its validation set`);
  };
  return {
    tokenizer,
    nextTrainBatch(batchSize) {
      checkBatchSize(batchSize);
      return makeBatch(
        Array.from({ length: batchSize }, () => toRow(nextExample())),
        batchSize,
        blockSize,
      );
    },
    validationBatches: (batchSize, maxBatches) =>
      validationBatchesOf(validationRows, batchSize, maxBatches, blockSize),
    getState: () => ({ rng: rng.getState() }),
    setState(state) {
      const s = state as { rng?: unknown };
      if (typeof s !== "object" || s === null)
        throw new Error(`bad data state ${JSON.stringify(state)}`);
      rng.setState(s.rng);
    },
  };
}
