// Toy tasks: generators give right answers, validation sets are fixed and disjoint from
// training, tokenizers carry the Nano specials, and evaluation counts exact matches.
import { describe, expect, it } from "vitest";
import { evaluateBoolean } from "../src/tasks/boolean.ts";
import {
  createTask,
  distinctExamples,
  evaluateTask,
  taskTokenizer,
  validationExamples,
  type TaskName,
} from "../src/tasks/index.ts";
import { SPECIAL_TOKENS } from "../src/tokenizer.ts";

describe("toy tasks", () => {
  it("sort outputs the input's digits in order", () => {
    const task = createTask("sort");
    expect(task.length).toBe(6);
    expect(task.solve("114515")).toBe("111455");
    expect(task.solve("654321")).toBe("123456");
    for (const { input, output } of distinctExamples(task, 500, 1)) {
      expect(input).toMatch(/^\d{6}$/);
      expect([...output].sort().join("")).toBe(output);
      expect([...output].sort()).toEqual([...input].sort());
    }
  });

  it("reverse outputs the input backwards", () => {
    const task = createTask("reverse", 5);
    expect(task.solve("12345")).toBe("54321");
    for (const { input, output } of distinctExamples(task, 200, 2))
      expect(output).toBe([...input].reverse().join(""));
  });

  it("evaluates boolean expressions with ~ over & over |", () => {
    const cases: [string, boolean][] = [
      ["T", true],
      ["~T", false],
      ["T&F|~T", false],
      ["T|F&F", true], // & binds tighter than |
      ["(T|F)&F", false],
      ["~(T&F)", true],
      ["~~F|F", false],
      ["F|~F&T  ", true],
    ];
    for (const [text, value] of cases) expect(evaluateBoolean(text)).toBe(value);
    expect(() => evaluateBoolean("T&")).toThrow(/unexpected/);
    expect(() => evaluateBoolean("(T")).toThrow(/missing '\)'/);
  });

  it("generates boolean examples that agree with JavaScript's own operators, half true", () => {
    const task = createTask("boolean");
    const examples = distinctExamples(task, 1000, 3);
    let trues = 0;
    for (const { input, output } of examples) {
      expect(input.length).toBe(task.length);
      const js = input.trim().replace(/T/g, "true").replace(/F/g, "false").replace(/~/g, "!");
      const value = new Function(
        `return ${js.replace(/&/g, "&&").replace(/\|/g, "||")};`,
      )() as boolean;
      expect(output).toBe((value ? "T" : "F").repeat(task.length));
      if (value) trues++;
    }
    expect(trues).toBeGreaterThan(420);
    expect(trues).toBeLessThan(580);
    expect(new Set(examples.map((e) => e.input.trim().length)).size).toBeGreaterThan(4);
  });

  it("has a fixed validation set, disjoint from training examples", () => {
    for (const name of ["sort", "reverse", "boolean"] as TaskName[]) {
      const task = createTask(name);
      const val = validationExamples(task, 300);
      expect(validationExamples(task, 300)).toEqual(val);
      const held = new Set(val.map((e) => e.input));
      expect(held.size).toBe(300);
      for (const e of distinctExamples(task, 2000, 11, held)) expect(held.has(e.input)).toBe(false);
    }
    expect(() => distinctExamples(createTask("sort", 1), 11, 1)).toThrow(/too few distinct inputs/);
  });

  it("has tokenizers with the Nano specials, then one token per character", () => {
    const tok = taskTokenizer(createTask("sort"));
    expect(tok.json.tokens.slice(0, 7).map((t) => t.text)).toEqual(SPECIAL_TOKENS);
    expect(tok.vocabSize).toBe(17);
    expect(tok.encode("654321")).toEqual([13, 12, 11, 10, 9, 8]);
    expect(taskTokenizer(createTask("boolean")).encode("~(T&F)|T ").length).toBe(9);
  });

  it("measures exact-match accuracy with a predictor", async () => {
    const task = createTask("sort");
    const tok = taskTokenizer(task);
    const examples = validationExamples(task, 100);
    const perfect = await evaluateTask(task, examples, (inputs) =>
      inputs.map((ids) => tok.encode(task.solve(tok.decode(ids)))),
    );
    expect(perfect).toMatchObject({ accuracy: 1, correct: 100, total: 100, mistakes: [] });
    // echoing the input is right only for inputs already sorted
    const echo = await evaluateTask(task, examples, async (inputs) => inputs, 7);
    const alreadySorted = examples.filter((e) => e.input === e.output).length;
    expect(echo.correct).toBe(alreadySorted);
    expect(echo.mistakes.length).toBe(Math.min(10, 100 - alreadySorted));
  });
});
