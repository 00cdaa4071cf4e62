// Score an instruction-tuned nano-pico on held-out story instructions: the share of questions whose
// greedy answer (on the WebAssembly engine, in the instruction template) is exactly the expected
// sentence. The seed differs from the training set's, so the questions are new combinations.
//
//   npx tsx training/src/corpus/eval-instructions.ts MODEL.bin [--lora LORA.bin] [--count N]
import { readFileSync } from "node:fs";
import { Engine } from "../../../engine-c/ts/engine.ts";
import { generateInstructions } from "./story-instructions.ts";

const INSTRUCT_MARK_ID = 4;
const RESPONSE_MARK_ID = 5;
const EOS_ID = 3;
const HELD_OUT_SEED = 99;

const args = process.argv.slice(2);
const modelPath = args[0];
if (!modelPath || modelPath.startsWith("--")) {
  process.stderr.write("usage: eval-instructions.ts MODEL.bin [--lora LORA.bin] [--count N]\n");
  process.exit(2);
}
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = Number(option("--count") ?? 200);
const loraPath = option("--lora");

const engine = await Engine.create({ threads: 1 });
engine.load(new Uint8Array(readFileSync(modelPath)));
if (loraPath) engine.loadLora(new Uint8Array(readFileSync(loraPath)));
const blockSize = engine.info.config.blockSize;

let right = 0;
const wrong: string[] = [];
for (const { question, answer } of generateInstructions(HELD_OUT_SEED, count)) {
  engine.reset();
  const prompt = [INSTRUCT_MARK_ID, ...engine.encode(question), RESPONSE_MARK_ID];
  let logits = engine.prefill(prompt);
  const out: number[] = [];
  while (prompt.length + out.length < blockSize) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    if (best === EOS_ID) break;
    out.push(best);
    logits = engine.step(best);
  }
  const said = engine.decode(out).trim();
  if (said === answer) right++;
  else if (wrong.length < 5) wrong.push(`  Q: ${question}\n  A: ${said}\n  want: ${answer}`);
}
engine.dispose();
process.stdout.write(
  `${modelPath}${loraPath ? ` + ${loraPath}` : ""}: ${right}/${count} held-out instructions answered exactly ` +
    `(${((100 * right) / count).toFixed(1)}%)\n`,
);
if (wrong.length) process.stdout.write(`first misses:\n${wrong.join("\n")}\n`);
