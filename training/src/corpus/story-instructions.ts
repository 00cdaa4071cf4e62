// story-instructions.ts — an instruction-tuning set NanoLM generates itself, for SFT and LoRA on
// nano-pico: each question asks for one sentence of a story, in the words of the stories the base
// model was pretrained on (stories.ts), and the answer is that sentence.
//
// Why this task: a base model continues text; an instruction-tuned one answers in the template
// (<|instruct|> question <|response|> answer <|eos|>) and stops. Every answer here follows from its
// question (the names, places and things are in it; "she" or "he" follows from the name, as in the
// stories), so a learner can measure the fine-tuned model exactly: greedy answers right or wrong.
//
//   npx tsx training/src/corpus/story-instructions.ts OUT.jsonl [COUNT] [SEED]
import { writeFileSync } from "node:fs";
import { ANIMALS, BOYS, COLORS, GIRLS, PLACES, StoryRandom, THINGS } from "./stories.ts";

export interface Instruction {
  question: string;
  answer: string;
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a");

/** One question and its answer. */
export function instruction(r: StoryRandom): Instruction {
  const girl = r.chance(0.5);
  const name = r.pick(girl ? GIRLS : BOYS);
  const he = girl ? "she" : "he";
  const his = girl ? "her" : "his";
  const kind = r.chance(0.3) ? r.pick(ANIMALS) : girl ? "girl" : "boy";
  const friend = r.pick(ANIMALS.filter((a) => a !== kind));
  const place = r.pick(PLACES);
  const item = `${r.pick(COLORS)} ${r.pick(THINGS)}`;
  const templates: (() => Instruction)[] = [
    () => ({
      question: `Start a story about ${article(kind)} ${kind} named ${name}.`,
      answer: `Once upon a time, there was a little ${kind} named ${name}.`,
    }),
    () => ({
      question: `Tell how ${name} went to ${place} with the ${item}.`,
      answer: `One day, ${name} went to ${place} with ${his} ${item}.`,
    }),
    () => ({
      question: `What did the ${friend} say when ${name} was sad?`,
      answer: `"Do not worry," said the ${friend}. "I will help you."`,
    }),
    () => ({
      question: `End a story about ${name} and the ${friend}.`,
      answer: `Then they went home, and ${name} told ${his} mom all about the ${friend}.`,
    }),
    () => ({
      question: `Say that ${name} loved the ${item}.`,
      answer: `${he === "she" ? "She" : "He"} loved ${his} ${item} very much.`,
    }),
  ];
  return r.pick(templates)();
}

/** `count` instructions from `seed`, the same on every machine. */
export function generateInstructions(seed: number, count: number): Instruction[] {
  const r = new StoryRandom(seed);
  return Array.from({ length: count }, () => instruction(r));
}

/** The set as JSONL, the format `data.kind: "sft"` reads. */
export function instructionsJsonl(seed: number, count: number): string {
  return generateInstructions(seed, count)
    .map((e) => JSON.stringify(e))
    .join("\n")
    .concat("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, count = "4000", seed = "1"] = process.argv.slice(2);
  if (!out) {
    process.stderr.write("usage: story-instructions.ts OUT.jsonl [COUNT] [SEED]\n");
    process.exit(2);
  }
  writeFileSync(out, instructionsJsonl(Number(seed), Number(count)));
  process.stdout.write(`wrote ${count} instructions to ${out}\n`);
}
