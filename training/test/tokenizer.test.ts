// Tokenizer builder: specials first, characters by frequency, words, caps, save/load, and the
// same encoding as the engines once written into a .bin file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readModel, writeModel } from "../../engine-c/ts/format.ts";
import { makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import { Tokenizer as EngineTokenizer } from "../../engine-c/ts/tokenizer.ts";
import { Engine } from "../../engine-c/ts/engine.ts";
import { buildTokenizer, SPECIAL_TOKENS, Tokenizer } from "../src/tokenizer.ts";

const corpus = "the cat sat on the mat.\nthe dog ate the cat's hat!\n";

describe("buildTokenizer", () => {
  it("puts the 7 Nano specials at ids 0–6", () => {
    const json = buildTokenizer([corpus]);
    expect(SPECIAL_TOKENS).toEqual([
      "<|padding|>",
      "<|unknown|>",
      "<|bos|>",
      "<|eos|>",
      "<|instruct_mark|>",
      "<|response_mark|>",
      "<|BD4SUR|>",
    ]);
    json.tokens
      .slice(0, 7)
      .forEach((t, id) => expect(t).toEqual({ text: SPECIAL_TOKENS[id], special: true }));
    expect(json.tokens.slice(7).every((t) => !t.special)).toBe(true);
  });

  it("orders characters by frequency, ties by code point", () => {
    const json = buildTokenizer(["bbbaac", "c"]);
    expect(json.tokens.slice(7).map((t) => t.text)).toEqual(["b", "a", "c"]);
  });

  it("adds frequent words after the characters and respects maxVocab", () => {
    const json = buildTokenizer([corpus], { wordCount: 2 });
    const texts = json.tokens.map((t) => t.text);
    expect(texts.slice(-2)).toEqual(["the", "cat"]);
    const capped = buildTokenizer([corpus], { wordCount: 2, maxVocab: 10 });
    expect(capped.tokens.map((t) => t.text)).toEqual([...SPECIAL_TOKENS, " ", "t", "a"]);
  });

  it("counts a word cut across two pieces once, whole", () => {
    const json = buildTokenizer(["hello wor", "ld world"], { wordCount: 5 });
    const words = json.tokens.map((t) => t.text).filter((t) => t.length > 1 && !t.startsWith("<|"));
    expect(words).toEqual(["world", "hello"]);
  });

  it("round-trips text, maps unknown characters to <|unknown|>, matches specials", () => {
    const tok = new Tokenizer(buildTokenizer([corpus], { words: ["the", "cat"] }));
    const ids = tok.encode("the cat");
    expect(ids.length).toBe(3);
    expect(tok.decode(ids)).toBe("the cat");
    expect(tok.encode("the🙂")).toEqual([tok.encode("the")[0], 1]);
    expect(tok.encode("<|bos|>the<|eos|>")).toEqual([2, tok.encode("the")[0], 3]);
  });

  it("saves and loads; rejects files that are not tokenizers", () => {
    const dir = mkdtempSync(join(tmpdir(), "tok-"));
    const tok = new Tokenizer(buildTokenizer([corpus], { wordCount: 3 }));
    tok.save(join(dir, "tok.json"));
    expect(Tokenizer.load(join(dir, "tok.json")).json).toEqual(tok.json);
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({ version: 1, tokens: [{ text: "a", special: false }] }),
    );
    expect(() => Tokenizer.load(join(dir, "bad.json"))).toThrow(/special token <\|padding\|>/);
    writeFileSync(join(dir, "junk.json"), "{");
    expect(() => Tokenizer.load(join(dir, "junk.json"))).toThrow(/cannot read tokenizer/);
  });

  it("encodes exactly like the engines (TS and the C engine in WASM) reading a .bin file", async () => {
    const text = "Greedy longest match: the theme of the thesis; 人类的本质 ☃ <|eos|>\n";
    const json = buildTokenizer([text + corpus], {
      words: ["th", "the", "theme", "本质"],
      wordCount: 10,
    });
    const tok = new Tokenizer(json);
    const model = makeSyntheticModel({
      config: {
        blockSize: 8,
        vocabSize: tok.vocabSize,
        nLayer: 1,
        nEmbd: 8,
        nHead: 2,
        nKvHead: 1,
        nHidden: 8,
      },
      vocab: tok.toVocabEntries(),
    });
    const bin = writeModel(model);
    const engineTs = new EngineTokenizer(readModel(bin).vocab);
    const engineC = await Engine.create({ threads: 1 });
    try {
      engineC.load(bin);
      const probes = [
        text,
        corpus,
        "thethemes",
        "unknown: ✈ 🚀",
        "<|instruct_mark|>hi<|response_mark|>",
      ];
      for (const probe of probes) {
        expect(tok.encode(probe)).toEqual(engineTs.encode(probe));
        expect(tok.encode(probe)).toEqual(engineC.encode(probe));
      }
    } finally {
      engineC.dispose();
    }
  });
});

describe("nanolm tokenizer", () => {
  it("writes a tokenizer with the most frequent words, and rejects a missing --out", async () => {
    const { tokenizerCommand } = await import("../../cli/tokenizer.ts");
    const dir = mkdtempSync(join(tmpdir(), "tok-cli-"));
    writeFileSync(join(dir, "a.txt"), corpus);
    const out = join(dir, "tok.json");
    const write = process.stdout.write;
    process.stdout.write = () => true;
    try {
      expect(await tokenizerCommand([join(dir, "a.txt"), "--out", out, "--words", "2"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(Tokenizer.load(out).json).toEqual(buildTokenizer([corpus], { wordCount: 2 }));
    await expect(tokenizerCommand([join(dir, "a.txt")])).rejects.toThrow(/--out is required/);
    await expect(tokenizerCommand([join(dir, "nope.txt"), "--out", out])).rejects.toThrow(
      /no such file/,
    );
  });
});
