// tasks/index.ts — the toy tasks (sort, reverse, boolean), like the original Nano's: each is a
// deterministic generator of fixed-length input/output strings, a fixed validation set disjoint
// from training, its own small tokenizer, and exact-match evaluation of a trained model.
import { Rng } from "../rng.ts";
import { SPECIAL_TOKENS, Tokenizer } from "../tokenizer.ts";
import { booleanTask } from "./boolean.ts";
import { reverseTask } from "./reverse.ts";
import { sortTask } from "./sort.ts";

export type TaskName = "sort" | "reverse" | "boolean";

/** A sequence-to-sequence toy task: inputs and outputs are `length` characters each. */
export interface ToyTask {
  name: TaskName;
  /** characters per input and per output, = the model's blockSize */
  length: number;
  /** every character inputs and outputs use (one token each, after the 7 specials) */
  alphabet: string[];
  /** a random input, drawing from `random` (floats in [0, 1)) */
  randomInput(random: () => number): string;
  /** the correct output for an input */
  solve(input: string): string;
}

/** One input with its correct output. */
export interface TaskExample {
  input: string;
  output: string;
}

/** The validation set is the same for every run (independent of the training seed), so
 *  accuracies of different runs compare. */
export const VALIDATION_SEED = 0x7a11d;

/** The task by name, at its default length unless one is given. */
export function createTask(name: TaskName, length?: number): ToyTask {
  if (length !== undefined && (!Number.isInteger(length) || length < 1 || length > 256)) {
    throw new RangeError(`task length must be an integer in 1–256, got ${length}`);
  }
  switch (name) {
    case "sort":
      return sortTask(length);
    case "reverse":
      return reverseTask(length);
    case "boolean":
      return booleanTask(length);
    default:
      throw new Error(`unknown task ${JSON.stringify(name)}: expected sort, reverse or boolean`);
  }
}

/** The task's tokenizer: the 7 Nano specials (so exported models load in every engine), then
 *  one token per alphabet character. */
export function taskTokenizer(task: ToyTask): Tokenizer {
  return new Tokenizer({
    version: 1,
    tokens: [
      ...SPECIAL_TOKENS.map((text) => ({ text, special: true })),
      ...task.alphabet.map((text) => ({ text, special: false })),
    ],
  });
}

/** `count` examples with distinct inputs, from `seed`, skipping inputs in `exclude`. Throws when
 *  the task has too few distinct inputs to supply them. */
export function distinctExamples(
  task: ToyTask,
  count: number,
  seed: number,
  exclude: ReadonlySet<string> = new Set(),
): TaskExample[] {
  const rng = new Rng(seed);
  const random = () => rng.nextFloat();
  const seen = new Set<string>();
  const examples: TaskExample[] = [];
  let misses = 0;
  while (examples.length < count) {
    const input = task.randomInput(random);
    if (seen.has(input) || exclude.has(input)) {
      if (++misses > 100 * count + 10_000) {
        throw new Error(
          `the ${task.name} task (length ${task.length}) has too few distinct inputs for ` +
            `${count} examples; lower trainSize/valSize or raise length`,
        );
      }
      continue;
    }
    seen.add(input);
    examples.push({ input, output: task.solve(input) });
  }
  return examples;
}

/** The fixed validation set: `count` distinct examples from VALIDATION_SEED. */
export function validationExamples(task: ToyTask, count = 1000): TaskExample[] {
  return distinctExamples(task, count, VALIDATION_SEED);
}

/** Exact-match accuracy and the first few mistakes. */
export interface TaskAccuracy {
  accuracy: number;
  correct: number;
  total: number;
  mistakes: { input: string; expected: string; got: string }[];
}

/** Predicts output ids (one row of `length` ids per input row). */
export type TaskPredictor = (inputs: number[][]) => number[][] | Promise<number[][]>;

/** Score a model on examples: the share whose whole output is exactly right. `predict` gets
 *  batches of input ids and returns the argmax id at every position. */
export async function evaluateTask(
  task: ToyTask,
  examples: TaskExample[],
  predict: TaskPredictor,
  batchSize = 256,
): Promise<TaskAccuracy> {
  const tokenizer = taskTokenizer(task);
  let correct = 0;
  const mistakes: TaskAccuracy["mistakes"] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const predicted = await predict(batch.map((e) => tokenizer.encode(e.input)));
    if (predicted.length !== batch.length) {
      throw new Error(`predict returned ${predicted.length} rows for ${batch.length} inputs`);
    }
    batch.forEach((example, i) => {
      const got = tokenizer.decode(predicted[i]);
      if (got === example.output) correct++;
      else if (mistakes.length < 10)
        mistakes.push({ input: example.input, expected: example.output, got });
    });
  }
  return {
    accuracy: examples.length ? correct / examples.length : 0,
    correct,
    total: examples.length,
    mistakes,
  };
}
