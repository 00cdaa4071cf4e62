// Tests of (nano tokenizer) against engine-c/ts/tokenizer.ts, the oracle it mirrors: many strings
// (Chinese, ASCII, unknown characters, special tokens, empty) encode to the same ids and decode to
// the same text; the golden prompt on psycho-230k. Real models where present (skipped visibly
// otherwise), synthetic vocabularies from engine-c/ts/synthetic.ts for the rest.
import { describe, expect, it } from "vitest";
import { readModel, writeModel, type VocabEntry } from "../../engine-c/ts/format.ts";
import { Tokenizer } from "../../engine-c/ts/tokenizer.ts";
import {
  makeSyntheticModel,
  makeSyntheticVocab,
  Rng,
  SPECIAL_TOKEN_TEXTS,
} from "../../engine-c/ts/synthetic.ts";
import {
  modelBytes,
  PSYCHO_PROMPT,
  PSYCHO_PROMPT_IDS,
  schemeError,
  schemeValue,
  sharedModel,
  toScheme,
} from "./helpers.ts";

// Encode every text and decode every id list with one tokenizer made from model-bytes.
const SCHEME_ROUND_TRIP = `
  (import (scheme base) (nano format) (nano tokenizer) (test data))
  (define tok (make-tokenizer (bytevector->model model-bytes)))
  (list (map (lambda (text) (encode tok text)) texts)
        (map (lambda (ids) (decode tok ids)) id-lists))
`;

/** (nano tokenizer)'s encodings of texts and decodings of id lists, for a model's bytes. */
function schemeTokenize(bytes: Uint8Array, texts: string[], idLists: number[][]) {
  const [encoded, decoded] = schemeValue(SCHEME_ROUND_TRIP, {
    "model-bytes": bytes,
    texts: toScheme(texts),
    "id-lists": toScheme(idLists),
  }) as [number[][], string[]];
  return { encoded, decoded };
}

/** Check (nano tokenizer) against the TS Tokenizer on texts and on random id lists. */
function expectSameAsTs(bytes: Uint8Array, texts: string[]): void {
  const ts = Tokenizer.fromModel(readModel(bytes));
  const rng = new Rng(42);
  const idLists = [[], ...texts.map(() => randomIds(rng, ts.vocabSize, 12))];
  const { encoded, decoded } = schemeTokenize(bytes, texts, idLists);
  expect(encoded).toEqual(texts.map((t) => ts.encode(t)));
  expect(decoded).toEqual(idLists.map((ids) => ts.decode(ids)));
}

function randomIds(rng: Rng, vocabSize: number, n: number): number[] {
  return Array.from({ length: 1 + (rng.next() % n) }, () => rng.next() % vocabSize);
}

// Texts every vocabulary is tried on.
const COMMON_TEXTS = [
  "",
  "a",
  "Hello, world!\n",
  "  two  spaces\tand a tab",
  "<|eos|>",
  "<|instruct_mark|>问题<|response_mark|>回答<|eos|>",
  "<|eo",
  "<|BD4SUR|><|padding|><|unknown|><|bos|>",
  "😀 astral 😀😀",
  "\u0000\u007f\u00e9\u00ff",
  "mixed 中文 and English, 标点：，。！？",
];

// ---- the real models -----------------------------------------------------------------------------

const psychoPath = sharedModel("psycho-230k.bin");
const sortPath = sharedModel("sort-6.bin");

describe.skipIf(!psychoPath || !sortPath)("on the real models (shared models needed)", () => {
  it("encodes the golden prompt 人类的本质是 to (192 561 187 293 673 190)", () => {
    const r = schemeValue(
      `(import (scheme base) (nano format) (nano tokenizer) (test data))
       (define tok (make-tokenizer (read-model model-path)))
       (list (encode tok prompt) (decode tok '(188 589 203 370 187 943)) (tokenizer-vocab-size tok))`,
      { "model-path": toScheme(psychoPath!), prompt: toScheme(PSYCHO_PROMPT) },
    );
    expect(r).toEqual([PSYCHO_PROMPT_IDS, "一切个体的普", 4096]);
  });

  it("encodes and decodes like the TS tokenizer on psycho-230k", () => {
    const bytes = modelBytes(psychoPath!);
    const vocab = readModel(bytes).vocab;
    // Chinese text, and every multi-character token of the vocabulary written out (the longest
    // is 17 code points), alone and run together, so the greedy longest match is exercised.
    const multi = vocab.filter((t) => !t.isSpecial && t.codePoints.length > 1).map((t) => t.text);
    const texts = [
      ...COMMON_TEXTS,
      PSYCHO_PROMPT,
      "一切个体的普遍",
      "人类😀😀",
      "精神分析的对象是无意识，而无意识是一种语言。",
      "<|nano_meta_0|><|nano_meta_4|>",
      multi.join(""),
      ...multi.slice(0, 200),
      vocab
        .slice(12, 600)
        .map((t) => t.text)
        .join(""),
    ];
    expectSameAsTs(bytes, texts);
  });

  it("encodes and decodes like the TS tokenizer on sort-6", () => {
    expectSameAsTs(modelBytes(sortPath!), [...COMMON_TEXTS, "654321", "114515", "1029384756"]);
  });
});

// ---- synthetic vocabularies -------------------------------------------------------------------

// A model whose vocabulary is the 7 specials, then the given tokens.
function modelWithVocab(texts: string[]): Uint8Array {
  const vocab: VocabEntry[] = [...SPECIAL_TOKEN_TEXTS, ...texts].map((text, id) => ({
    id,
    text,
    codePoints: [...text].map((ch) => ch.codePointAt(0)!),
    isSpecial: id < SPECIAL_TOKEN_TEXTS.length,
  }));
  const config = {
    blockSize: 4,
    vocabSize: vocab.length,
    nLayer: 1,
    nEmbd: 8,
    nHead: 2,
    nKvHead: 1,
    nHidden: 8,
  };
  return writeModel(makeSyntheticModel({ config, vocab, seed: 1 }));
}

const overlapping = modelWithVocab([
  "a",
  "b",
  "c",
  "d",
  "ab",
  "abc",
  "bcd",
  "xyzw",
  "😀",
  "中",
  "中文",
]);

describe("greedy longest match, as the TS tokenizer does it", () => {
  it("takes the longest entry, falls back to the last complete match, one unknown per char", () => {
    const texts = [
      "abcd",
      "abd",
      "bcda",
      "xyza",
      "xyzwa",
      "xyz",
      "a<|eos|>b",
      "<|instruct_mark|>ab<|response_mark|>",
      "<|eo",
      "a😀a",
      "中文中中文文",
      "abcabcabcd",
    ];
    expectSameAsTs(overlapping, [...COMMON_TEXTS, ...texts]);
  });

  it("spells the expected ids out", () => {
    const r = schemeValue(
      `(import (scheme base) (nano format) (nano tokenizer) (test data))
       (define tok (make-tokenizer (bytevector->model model-bytes)))
       (list (encode tok "abcd") (encode tok "xyza") (encode tok "a<|eos|>b") (encode tok "")
             (encode-instruction tok "abc") (token-id tok "bcd") (token-id tok "zz")
             (token-text tok 3) (token-special? tok 3) (token-special? tok 7))`,
      { "model-bytes": overlapping },
    );
    // ids: a 7, b 8, c 9, d 10, ab 11, abc 12, bcd 13
    expect(r).toEqual([
      [12, 10],
      [1, 1, 1, 7],
      [7, 3, 8],
      [],
      [4, 12, 5],
      13,
      false,
      "<|eos|>",
      true,
      false,
    ]);
  });

  it("keeps the lowest id of a duplicate token, as the TS tokenizer does", () => {
    expectSameAsTs(modelWithVocab(["a", "b", "a", "ab", "ab"]), ["a", "ab", "aab", "bab"]);
  });

  it("maps a lone surrogate to <|unknown|>", () => {
    const r = schemeValue(
      `(import (scheme base) (nano format) (nano tokenizer) (test data))
       (encode (make-tokenizer (bytevector->model model-bytes)) text)`,
      { "model-bytes": overlapping, text: toScheme("a\ud800a") },
    );
    expect(r).toEqual([7, 1, 7]);
  });

  it("round-trips text of a synthetic vocabulary (ASCII and CJK)", () => {
    const config = {
      blockSize: 4,
      vocabSize: 300,
      nLayer: 1,
      nEmbd: 8,
      nHead: 2,
      nKvHead: 1,
      nHidden: 8,
    };
    const bytes = writeModel(makeSyntheticModel({ config, seed: 1 }));
    expect(makeSyntheticVocab(300)[299].text).toBe("\u4ec4"); // 7 specials, newline, space, 94 ASCII, then CJK
    expectSameAsTs(bytes, [...COMMON_TEXTS, "一丁丂七丄丅", "The quick brown fox."]);
  });

  it("names the special ids as the format page does", () => {
    const r = schemeValue(`
      (import (scheme base) (nano tokenizer))
      (list token-padding token-unknown token-bos token-eos token-instruct-mark
            token-response-mark)`);
    expect(r).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("says which id is outside the vocabulary", () => {
    const run = (expr: string) =>
      schemeError(
        `(import (scheme base) (nano format) (nano tokenizer) (test data))
         (define tok (make-tokenizer (bytevector->model model-bytes)))
         ${expr}`,
        { "model-bytes": overlapping },
      );
    expect(run("(decode tok '(7 99))")).toBe(
      "nano tokenizer: token id 99 is outside the vocabulary (0–17)",
    );
    expect(run("(token-text tok -1)")).toContain("token id -1 is outside the vocabulary");
    expect(run("(token-special? tok 1.5)")).toContain("token id 1.5 is outside");
    expect(run("(token-text tok 'a)")).toBe("nano tokenizer: not a token id: a");
  });
});
