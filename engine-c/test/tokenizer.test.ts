// Tests of engine-c/ts/tokenizer.ts: the golden prompt on psycho-230k, greedy longest match,
// unknown characters and special tokens written in the text.
import { describe, expect, it } from "vitest";
import { readModel, type VocabEntry } from "../ts/format.ts";
import {
  SPECIAL_TOKENS,
  Tokenizer,
  TOKEN_EOS,
  TOKEN_INSTRUCT_MARK,
  TOKEN_RESPONSE_MARK,
  TOKEN_UNKNOWN,
} from "../ts/tokenizer.ts";
import { makeSyntheticVocab, SPECIAL_TOKEN_TEXTS } from "../ts/synthetic.ts";
import { modelBytes, PSYCHO_PROMPT, PSYCHO_PROMPT_IDS, sharedModel } from "./helpers.ts";

const psychoPath = sharedModel("psycho-230k.bin");
const sortPath = sharedModel("sort-6.bin");
const load = (path: string | undefined) => readModel(modelBytes(path!));

// A vocabulary from token texts: the 7 specials, then the given tokens.
function vocabOf(texts: string[]): VocabEntry[] {
  return [...SPECIAL_TOKEN_TEXTS, ...texts].map((text, id) => ({
    id,
    text,
    codePoints: [...text].map((ch) => ch.codePointAt(0)!),
    isSpecial: id < SPECIAL_TOKEN_TEXTS.length,
  }));
}

describe.skipIf(!psychoPath || !sortPath)("on the real models", () => {
  it("encodes the golden prompt 人类的本质是 on psycho-230k", () => {
    const tok = Tokenizer.fromModel(load(psychoPath));
    expect(tok.encode(PSYCHO_PROMPT)).toEqual(PSYCHO_PROMPT_IDS);
    // The format page glosses the golden continuation as 一切个体的普遍: that is 7 characters, the
    // six golden ids and the next one (遍, id 1264).
    expect(tok.decode([188, 589, 203, 370, 187, 943])).toBe("一切个体的普");
    expect(tok.encode("一切个体的普遍")).toEqual([188, 589, 203, 370, 187, 943, 1264]);
    expect(tok.vocabSize).toBe(4096);
  });

  it("encodes sort-6's digits one token each", () => {
    const tok = Tokenizer.fromModel(load(sortPath));
    const ids = tok.encode("654321");
    expect(ids.length).toBe(6);
    expect(tok.decode(ids)).toBe("654321");
    expect(ids).not.toContain(TOKEN_UNKNOWN);
  });

  it("maps a character outside the vocabulary to <|unknown|>, one per character", () => {
    const tok = Tokenizer.fromModel(load(psychoPath));
    expect(tok.encode("人类😀😀")).toEqual([192, 561, TOKEN_UNKNOWN, TOKEN_UNKNOWN]);
  });
});

describe("greedy longest match", () => {
  const tok = new Tokenizer(vocabOf(["a", "b", "c", "d", "ab", "abc", "bcd", "xyzw"]));
  const id = (t: string) => tok.tokenId(t)!;

  it("takes the longest vocabulary entry at each position", () => {
    expect(tok.encode("abcd")).toEqual([id("abc"), id("d")]);
    expect(tok.encode("abd")).toEqual([id("ab"), id("d")]);
    expect(tok.encode("bcda")).toEqual([id("bcd"), id("a")]);
    expect(tok.encode("")).toEqual([]);
  });

  it("falls back to the last complete match when a longer prefix leads nowhere", () => {
    // "xyz" is a prefix of "xyzw" but no token itself: x, y, z are unknown one by one.
    expect(tok.encode("xyza")).toEqual([TOKEN_UNKNOWN, TOKEN_UNKNOWN, TOKEN_UNKNOWN, id("a")]);
    expect(tok.encode("xyzwa")).toEqual([id("xyzw"), id("a")]);
  });

  it("matches special tokens written in the text, and only whole ones", () => {
    expect(tok.encode("a<|eos|>b")).toEqual([id("a"), TOKEN_EOS, id("b")]);
    expect(tok.encode("<|instruct_mark|>ab<|response_mark|>")).toEqual([
      TOKEN_INSTRUCT_MARK,
      id("ab"),
      TOKEN_RESPONSE_MARK,
    ]);
    // "<", "|" are not in this vocabulary, so a broken special is unknown characters.
    expect(tok.encode("<|eo")).toEqual([1, 1, 1, 1]);
  });

  it("decodes special tokens as their text and reports them special", () => {
    expect(tok.decode([id("ab"), TOKEN_EOS])).toBe("ab<|eos|>");
    expect(tok.isSpecial(TOKEN_EOS)).toBe(true);
    expect(tok.isSpecial(id("a"))).toBe(false);
    expect(tok.tokenText(id("bcd"))).toBe("bcd");
  });

  it("wraps a prompt in the instruction template", () => {
    expect(tok.encodeInstruction("abc")).toEqual([4, id("abc"), 5]);
  });

  it("handles astral characters and lone surrogates", () => {
    const t = new Tokenizer(vocabOf(["😀", "a"]));
    expect(t.encode("a😀a")).toEqual([8, 7, 8]);
    expect(t.encode("a\ud800a")).toEqual([8, TOKEN_UNKNOWN, 8]);
    expect(t.decode(t.encode("😀a😀"))).toBe("😀a😀");
  });

  it("throws RangeError on ids outside the vocabulary", () => {
    expect(() => tok.decode([99])).toThrowError(RangeError);
    expect(() => tok.tokenText(-1)).toThrowError(RangeError);
    expect(() => tok.isSpecial(1.5)).toThrowError(RangeError);
  });

  it("names the special ids as the format page does", () => {
    expect(SPECIAL_TOKENS).toEqual({
      padding: 0,
      unknown: 1,
      bos: 2,
      eos: 3,
      instructMark: 4,
      responseMark: 5,
    });
    const synthetic = new Tokenizer(makeSyntheticVocab(100));
    expect(synthetic.tokenText(SPECIAL_TOKENS.responseMark)).toBe("<|response_mark|>");
    expect(synthetic.decode(synthetic.encode("Hello, world!\n"))).toBe("Hello, world!\n");
  });
});
