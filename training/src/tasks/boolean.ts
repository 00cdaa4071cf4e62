// boolean.ts — boolean-expression evaluation: an expression over T and F with ~ (not), & (and),
// | (or) and parentheses, padded with spaces to `length` characters, e.g. "T&F|~T      "; the
// output is its value written at every position ("FFFFFFFFFFFF"). Precedence as in C: ~ binds
// tightest, then &, then |. Non-causal seq2seq: each position reads the whole expression, and
// asking every position for the answer gives the model `length` times the training signal.
import type { ToyTask } from "./index.ts";

type Expr =
  | { kind: "leaf"; value: boolean }
  | { kind: "not"; operand: Expr }
  | { kind: "and" | "or"; left: Expr; right: Expr };

// Binding strength, used to write the fewest parentheses that keep the tree's meaning.
const PRECEDENCE = { or: 1, and: 2, not: 3, leaf: 4 } as const;

/** The boolean task over expressions of at most `length` characters. */
export function booleanTask(length = 12): ToyTask {
  const maxLeaves = Math.max(1, Math.ceil(length / 2));
  return {
    name: "boolean",
    length,
    alphabet: [" ", "T", "F", "~", "&", "|", "(", ")"],
    randomInput(random) {
      // Half the examples are true and half false, so always answering one value scores 50%.
      const wanted = random() < 0.5;
      for (;;) {
        const leaves = 1 + Math.floor(random() * maxLeaves);
        const text = show(randomExpr(leaves, random));
        if (text.length <= length && evaluateBoolean(text) === wanted) return text.padEnd(length);
      }
    },
    solve: (input) => (evaluateBoolean(input) ? "T" : "F").repeat(length),
  };
}

/** A random tree with `leaves` operands; about one node in four is negated. */
function randomExpr(leaves: number, random: () => number): Expr {
  let e: Expr;
  if (leaves === 1) {
    e = { kind: "leaf", value: random() < 0.5 };
  } else {
    const leftLeaves = 1 + Math.floor(random() * (leaves - 1));
    e = {
      kind: random() < 0.5 ? "and" : "or",
      left: randomExpr(leftLeaves, random),
      right: randomExpr(leaves - leftLeaves, random),
    };
  }
  return random() < 0.25 ? { kind: "not", operand: e } : e;
}

/** The expression as text, with parentheses only where precedence needs them. */
function show(e: Expr): string {
  const wrap = (child: Expr, min: number) =>
    PRECEDENCE[child.kind] < min ? `(${show(child)})` : show(child);
  switch (e.kind) {
    case "leaf":
      return e.value ? "T" : "F";
    case "not":
      return "~" + wrap(e.operand, PRECEDENCE.not);
    case "and":
      return wrap(e.left, PRECEDENCE.and) + "&" + wrap(e.right, PRECEDENCE.and + 1);
    case "or":
      return wrap(e.left, PRECEDENCE.or) + "|" + wrap(e.right, PRECEDENCE.or + 1);
  }
}

/** The value of an expression (spaces ignored), by recursive descent; throws on bad syntax. */
export function evaluateBoolean(text: string): boolean {
  const s = text.replace(/ /g, "");
  let i = 0;
  // or := and ('|' and)*
  const or = (): boolean => {
    let v = and();
    while (s[i] === "|") {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  // and := not ('&' not)*
  const and = (): boolean => {
    let v = not();
    while (s[i] === "&") {
      i++;
      const r = not();
      v = v && r;
    }
    return v;
  };
  // not := '~' not | 'T' | 'F' | '(' or ')'
  const not = (): boolean => {
    const c = s[i++];
    if (c === "~") return !not();
    if (c === "T") return true;
    if (c === "F") return false;
    if (c === "(") {
      const v = or();
      if (s[i++] !== ")")
        throw new Error(`missing ')' in boolean expression ${JSON.stringify(text)}`);
      return v;
    }
    throw new Error(
      `unexpected ${JSON.stringify(c ?? "end")} in boolean expression ${JSON.stringify(text)}`,
    );
  };
  const value = or();
  if (i !== s.length)
    throw new Error(`trailing text in boolean expression ${JSON.stringify(text)}`);
  return value;
}
