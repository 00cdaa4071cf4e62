// reverse.ts — `length` random digits in, the same digits in reverse order out (e.g. 120034 →
// 430021). Non-causal seq2seq like sort; the model must learn to route by position.
import type { ToyTask } from "./index.ts";

const DIGITS = "0123456789".split("");

/** The reverse task over strings of `length` digits. */
export function reverseTask(length = 6): ToyTask {
  return {
    name: "reverse",
    length,
    alphabet: DIGITS,
    randomInput: (random) =>
      Array.from({ length }, () => DIGITS[Math.floor(random() * 10)]).join(""),
    solve: (input) => [...input].reverse().join(""),
  };
}
