// tokenizer.ts — the Nano tokenizer (NANO-FORMAT.md §2): greedy longest match over code points with
// a trie built from a model's vocabulary, special tokens included. Mirrors engine-c/src/tokenizer.c.
//
// Browser-safe; the vocabulary comes from format.ts (model.vocab).
import type { NanoModelFile, VocabEntry } from "./format.ts";

/** `<|padding|>`: fills SFT examples to length. */
export const TOKEN_PADDING = 0;
/** `<|unknown|>`: what a character outside the vocabulary encodes to. */
export const TOKEN_UNKNOWN = 1;
/** `<|bos|>`: beginning of sequence. */
export const TOKEN_BOS = 2;
/** `<|eos|>`: end of sequence; generation stops when the model produces it. */
export const TOKEN_EOS = 3;
/** `<|instruct_mark|>`: opens an instruction. */
export const TOKEN_INSTRUCT_MARK = 4;
/** `<|response_mark|>`: opens the response to an instruction. */
export const TOKEN_RESPONSE_MARK = 5;

/** The special ids by name, as in the shipped vocabularies. */
export const SPECIAL_TOKENS = {
  padding: TOKEN_PADDING,
  unknown: TOKEN_UNKNOWN,
  bos: TOKEN_BOS,
  eos: TOKEN_EOS,
  instructMark: TOKEN_INSTRUCT_MARK,
  responseMark: TOKEN_RESPONSE_MARK,
} as const;

// One trie node: children by code point; `id` is the token ending here, or -1.
interface TrieNode {
  children: Map<number, TrieNode>;
  id: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1 });

/** Encodes text to token ids and back, for one vocabulary. */
export class Tokenizer {
  private readonly vocab: readonly VocabEntry[];
  private readonly root: TrieNode = newNode();
  private readonly byText = new Map<string, number>();

  /** Build the trie from a vocabulary (id order); a duplicate entry keeps its lowest id. */
  constructor(vocab: readonly VocabEntry[]) {
    this.vocab = vocab;
    for (const t of vocab) {
      let node = this.root;
      for (const cp of t.codePoints) {
        let next = node.children.get(cp);
        if (!next) node.children.set(cp, (next = newNode()));
        node = next;
      }
      if (node.id < 0) node.id = t.id;
      if (!this.byText.has(t.text)) this.byText.set(t.text, t.id);
    }
  }

  /** The tokenizer of a parsed model file. */
  static fromModel(model: NanoModelFile): Tokenizer {
    return new Tokenizer(model.vocab);
  }

  /** Number of tokens. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Greedy longest match, special tokens included; an unknown character becomes <|unknown|>. */
  encode(text: string): number[] {
    const cps = codePointsOf(text);
    const ids: number[] = [];
    let i = 0;
    while (i < cps.length) {
      // Walk the trie as far as the text allows, remembering the last node that ends a token.
      let node: TrieNode | undefined = this.root;
      let bestId = -1;
      let bestEnd = i;
      for (let j = i; j < cps.length; j++) {
        node = node.children.get(cps[j]);
        if (!node) break;
        if (node.id >= 0) {
          bestId = node.id;
          bestEnd = j + 1;
        }
      }
      if (bestId < 0) {
        ids.push(TOKEN_UNKNOWN); // §2 "Our rule": one <|unknown|> per unknown character
        i++;
      } else {
        ids.push(bestId);
        i = bestEnd;
      }
    }
    return ids;
  }

  /** The instruction template (§2): <|instruct_mark|> prompt <|response_mark|>. */
  encodeInstruction(prompt: string): number[] {
    return [TOKEN_INSTRUCT_MARK, ...this.encode(prompt), TOKEN_RESPONSE_MARK];
  }

  /** Concatenated text of the ids (special tokens spelled out); throws RangeError on a bad id. */
  decode(ids: Iterable<number>): string {
    let s = "";
    for (const id of ids) s += this.tokenText(id);
    return s;
  }

  /** Text of one token; throws RangeError when the id is not in the vocabulary. */
  tokenText(id: number): string {
    return this.entry(id).text;
  }

  /** Whether the token is a special token like <|eos|>. */
  isSpecial(id: number): boolean {
    return this.entry(id).isSpecial;
  }

  /** The id of the token whose text is exactly `text`, or undefined. */
  tokenId(text: string): number | undefined {
    return this.byText.get(text);
  }

  private entry(id: number): VocabEntry {
    const t = Number.isInteger(id) ? this.vocab[id] : undefined;
    if (!t)
      throw new RangeError(`token id ${id} is outside the vocabulary (0–${this.vocab.length - 1})`);
    return t;
  }
}

// Code points of a JS string; a lone surrogate stays as its own (unmatchable) value, so it
// encodes to <|unknown|> like any other character outside the vocabulary.
function codePointsOf(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}
