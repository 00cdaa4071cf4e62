// tokenizer.ts — builds a Nano tokenizer from a corpus and encodes with it. The vocabulary is the 7
// Nano special tokens (ids 0–6), then every character seen, then optional multi-character words
// (NANO-FORMAT.md §2). Encoding is the engines' rule (greedy longest match over code points), done
// by engine-c/ts/tokenizer.ts itself, so training and every engine split text identically.
import { readFileSync, writeFileSync } from "node:fs";
import type { VocabEntry } from "../../engine-c/ts/format.ts";
import { Tokenizer as EngineTokenizer } from "../../engine-c/ts/tokenizer.ts";
import { isModelFile, tokenizerOfModelFile } from "./import-bin.ts";

/** The tokenizer as saved to disk and stored in checkpoints; a token's id is its index. */
export interface TokenizerJson {
  version: 1;
  tokens: { text: string; special: boolean }[];
}

/** The Nano special tokens at ids 0–6, exactly as in the shipped models (NANO-FORMAT.md §2). */
export const SPECIAL_TOKENS: string[] = [
  "<|padding|>",
  "<|unknown|>",
  "<|bos|>",
  "<|eos|>",
  "<|instruct_mark|>",
  "<|response_mark|>",
  "<|BD4SUR|>",
];

export const PADDING_ID = 0;
export const UNKNOWN_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;
export const INSTRUCT_MARK_ID = 4;
export const RESPONSE_MARK_ID = 5;

/** The original engine never matches more than 17 code points, so no entry may be longer. */
export const MAX_TOKEN_CODE_POINTS = 17;

/** A word worth a token of its own: a run of letters, marks or digits (not split by the corpus). */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

export interface BuildOptions {
  /** multi-character entries to add after the characters, in this order */
  words?: string[];
  /** also add the N most frequent words of the corpus (2–17 code points) */
  wordCount?: number;
  /** cap on the whole vocabulary; rare characters, then words, are left out first */
  maxVocab?: number;
}

/** Build a vocabulary from text pieces (a corpus streamed chunk by chunk is fine: a word cut at a
 *  chunk boundary is carried over to the next piece). */
export function buildTokenizer(texts: Iterable<string>, opts: BuildOptions = {}): TokenizerJson {
  const maxVocab = opts.maxVocab ?? Infinity;
  if (maxVocab < SPECIAL_TOKENS.length) {
    throw new RangeError(`maxVocab ${maxVocab} cannot hold the ${SPECIAL_TOKENS.length} specials`);
  }
  const charCounts = new Map<number, number>();
  const wordCounts = new Map<string, number>();
  const countWords = (opts.wordCount ?? 0) > 0;
  let carry = ""; // an unfinished word at the end of the previous piece
  for (const piece of texts) {
    for (const ch of piece) {
      const cp = ch.codePointAt(0)!;
      charCounts.set(cp, (charCounts.get(cp) ?? 0) + 1);
    }
    if (!countWords) continue;
    const text = carry + piece;
    let end = text.length;
    const tail = /[\p{L}\p{M}\p{N}]+$/u.exec(text);
    if (tail && tail[0].length < 64) end = tail.index; // the word may continue in the next piece
    carry = text.slice(end);
    countWordsIn(text.slice(0, end), wordCounts);
  }
  if (countWords) countWordsIn(carry, wordCounts);

  // Characters by frequency (most frequent first), ties by code point, so the order is stable.
  const chars = [...charCounts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([cp]) => String.fromCodePoint(cp));
  const frequentWords = [...wordCounts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, opts.wordCount ?? 0)
    .map(([w]) => w);

  const tokens: TokenizerJson["tokens"] = SPECIAL_TOKENS.map((text) => ({ text, special: true }));
  const seen = new Set<string>(SPECIAL_TOKENS);
  const add = (text: string) => {
    if (tokens.length >= maxVocab || seen.has(text)) return;
    const length = [...text].length;
    if (length === 0 || length > MAX_TOKEN_CODE_POINTS) {
      throw new RangeError(
        `vocabulary entry ${JSON.stringify(text)} must have 1–${MAX_TOKEN_CODE_POINTS} characters`,
      );
    }
    seen.add(text);
    tokens.push({ text, special: false });
  };
  for (const ch of chars) add(ch);
  for (const w of opts.words ?? []) add(w);
  for (const w of frequentWords) add(w);
  return { version: 1, tokens };
}

function countWordsIn(text: string, counts: Map<string, number>): void {
  for (const m of text.matchAll(WORD)) {
    const w = m[0];
    const length = [...w].length;
    if (length >= 2 && length <= MAX_TOKEN_CODE_POINTS) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
}

/** Encodes text to ids and back with one vocabulary. */
export class Tokenizer {
  readonly json: TokenizerJson;
  private readonly engine: EngineTokenizer;
  /** length in code points of each token's text (id-indexed) */
  private readonly lengths: number[];
  /** the longest entry, in code points: greedy matching never looks further ahead than this */
  readonly maxTokenLength: number;

  /** Check a TokenizerJson (specials at 0–6, no duplicates, sane lengths) and index it. */
  constructor(json: TokenizerJson) {
    validateTokenizerJson(json);
    this.json = json;
    this.engine = new EngineTokenizer(this.toVocabEntries());
    this.lengths = json.tokens.map((t) => [...t.text].length);
    this.maxTokenLength = Math.max(...this.lengths);
  }

  /** Read a tokenizer saved with `save` (a clear error when the file is not one). */
  static load(path: string): Tokenizer {
    let json: unknown;
    try {
      // A .bin model carries its tokenizer: fine-tuning data is encoded with the base's own.
      json = isModelFile(path)
        ? tokenizerOfModelFile(path)
        : JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw new Error(`cannot read tokenizer ${path}: ${(e as Error).message}`);
    }
    try {
      return new Tokenizer(json as TokenizerJson);
    } catch (e) {
      throw new Error(`${path} is not a NanoLM tokenizer: ${(e as Error).message}`);
    }
  }

  /** Write the tokenizer as JSON. */
  save(path: string): void {
    // One token per line, so the file reads (and diffs) well.
    const lines = this.json.tokens.map((t) => "  " + JSON.stringify(t));
    writeFileSync(path, `{"version": 1, "tokens": [\n${lines.join(",\n")}\n]}\n`);
  }

  get vocabSize(): number {
    return this.json.tokens.length;
  }

  /** Greedy longest match (special tokens included); an unknown character becomes <|unknown|>. */
  encode(text: string): number[] {
    return this.engine.encode(text);
  }

  /** The concatenated text of the ids, special tokens spelled out. */
  decode(ids: Iterable<number>): string {
    return this.engine.decode(ids);
  }

  /** How many code points of text the token covers (1 for <|unknown|>, which stands for one). */
  codePointLength(id: number): number {
    return id === UNKNOWN_ID ? 1 : this.lengths[id];
  }

  /** The vocabulary as format.ts writes it into a .bin file's tokenizer section. */
  toVocabEntries(): VocabEntry[] {
    return this.json.tokens.map((t, id) => ({
      id,
      text: t.text,
      codePoints: [...t.text].map((ch) => ch.codePointAt(0)!),
      isSpecial: t.special,
    }));
  }
}

/** Throws an Error naming the first problem in a TokenizerJson. */
export function validateTokenizerJson(json: unknown): asserts json is TokenizerJson {
  const j = json as TokenizerJson;
  if (typeof j !== "object" || j === null || j.version !== 1 || !Array.isArray(j.tokens)) {
    throw new Error('expected {"version": 1, "tokens": [...]}');
  }
  const seen = new Set<string>();
  j.tokens.forEach((t, id) => {
    if (typeof t?.text !== "string" || typeof t.special !== "boolean") {
      throw new Error(`token ${id} must be {"text": string, "special": boolean}`);
    }
    const length = [...t.text].length;
    if (length === 0 || length > 255) throw new Error(`token ${id} must have 1–255 characters`);
    if (seen.has(t.text)) throw new Error(`token ${id} ${JSON.stringify(t.text)} is a duplicate`);
    seen.add(t.text);
  });
  SPECIAL_TOKENS.forEach((text, id) => {
    if (j.tokens[id]?.text !== text || !j.tokens[id].special) {
      throw new Error(`token ${id} must be the special token ${text}`);
    }
  });
}
