// `nanolm tokenizer`: build a Nano tokenizer (specials, characters, optional frequent words) from
// corpus files and save it as JSON for training configs (data.tokenizer).
import { existsSync, statSync } from "node:fs";
import { readTextChunks } from "../training/src/data.ts";
import { buildTokenizer, Tokenizer } from "../training/src/tokenizer.ts";
import { CliError, numberFlag, parseFlags, required } from "./common.ts";

const USAGE = `usage: nanolm tokenizer CORPUS... --out TOK.json [--words N] [--max-vocab N]

Build a tokenizer from text files: the 7 Nano special tokens (ids 0–6), every character seen
(most frequent first), then the N most frequent words (2–17 characters).

options:
  --out PATH         where to write the tokenizer JSON (required)
  --words N          add the N most frequent words (default 0: characters only)
  --max-vocab N      cap the vocabulary; the rarest characters and words are left out`;

/** nanolm tokenizer */
export async function tokenizerCommand(argv: string[]): Promise<number> {
  const { values: v, positionals: corpus } = parseFlags(
    argv,
    { out: { type: "string" }, words: { type: "string" }, "max-vocab": { type: "string" } },
    USAGE,
    Infinity,
  );
  const out = required("out", v.out, USAGE);
  if (corpus.length === 0) throw new CliError(`give at least one corpus file\n\n${USAGE}`, 2);
  for (const file of corpus) {
    if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
    if (!statSync(file).isFile()) throw new CliError(`not a file: ${file}`);
  }
  const wordCount = numberFlag("words", v.words, { min: 0, max: 1_000_000, integer: true }) ?? 0;
  const maxVocab = numberFlag("max-vocab", v["max-vocab"], {
    min: 7,
    max: 1_000_000,
    integer: true,
  });

  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(
      buildTokenizer(readTextChunks(corpus, 1 << 20), { wordCount, maxVocab }),
    );
  } catch (e) {
    throw new CliError((e as Error).message); // an unreadable file or a directory
  }
  try {
    tokenizer.save(out);
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
  }
  const words = tokenizer.json.tokens.filter((t) => !t.special && [...t.text].length > 1).length;
  process.stdout.write(
    `${out}: ${tokenizer.vocabSize} tokens (7 special, ${tokenizer.vocabSize - 7 - words} characters, ${words} words)\n`,
  );
  return 0;
}
