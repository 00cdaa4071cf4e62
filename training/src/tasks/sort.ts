// sort.ts — the original Nano's sort task: `length` random digits in, the same digits sorted out
// (e.g. 114515 → 111455). Non-causal seq2seq: every output position sees the whole input.
import type { ToyTask } from "./index.ts";

const DIGITS = "0123456789".split("");

/** The sort task over strings of `length` digits (the shipped sort-6 model uses 6). */
export function sortTask(length = 6): ToyTask {
  return {
    name: "sort",
    length,
    alphabet: DIGITS,
    randomInput: (random) =>
      Array.from({ length }, () => DIGITS[Math.floor(random() * 10)]).join(""),
    solve: (input) => [...input].sort().join(""),
  };
}
