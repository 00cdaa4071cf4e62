// Stepping through one whole token of the Scheme engine with the debugger, as a learner does in
// the playground: stop at a breakpoint before the token, step into every expression of its
// forward pass until it returns, look at variables on the way, and check that the attention
// weights the observation hook reported are the C engine's, bit for bit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine-c/ts/engine.ts";
import { writeModel } from "../../engine-c/ts/format.ts";
import { makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import type { DebugStatus } from "../../interpreter/src/debugger.ts";
import { Primitive, type Sym } from "../../interpreter/src/values.ts";
import { modelBytes, newScheme, PSYCHO_PROMPT_IDS, sharedModel, toScheme } from "./helpers.ts";

const psycho = sharedModel("psycho-230k.bin");

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine?.dispose());

const FILE = "step-token.scm";
// Line 6 runs the token we step through; line 7 is the first thing after it.
const PROGRAM = `(import (scheme base) (nano format) (nano model) (test data))
(define model (bytevector->model model-bytes))
(define session (make-session model))
(set-observer! observe!)
(for-each (lambda (id) (forward! session id)) prefix)
(define logits (forward! session last-token))
(finished! logits)
`;

interface Stepped {
  steps: number;
  procedures: Set<string>;
  /** [layer][head] attention weights the observer reported for the stepped token */
  attention: Float32Array[][];
  logits: Float32Array;
  /** `position` evaluated in the innermost frame the first time it was `attend` */
  positionSeenInAttend: unknown;
}

/** Run PROGRAM under the debugger, stopping at line 6 and stepping into everything until line 7. */
function stepOneToken(bytes: Uint8Array, prompt: readonly number[]): Stepped {
  let stepping = false;
  const attention: Float32Array[][] = [];
  let logits = new Float32Array(0);
  const { scheme } = newScheme({
    "model-bytes": bytes,
    prefix: toScheme(prompt.slice(0, -1)),
    "last-token": prompt[prompt.length - 1],
    "observe!": new Primitive(
      "observe!",
      (kind: Sym, _position: number, layer: number, head: number, data: Float32Array) => {
        if (stepping && kind.name === "attention") (attention[layer] ??= [])[head] = data.slice();
        return false;
      },
      5,
      5,
    ),
    "finished!": new Primitive(
      "finished!",
      (x: Float32Array) => ((logits = x.slice()), false),
      1,
      1,
    ),
  });
  const session = scheme.debug(PROGRAM, FILE);
  session.setBreakpoints(FILE, [6]);
  let status: DebugStatus = session.run();
  expect(status).toMatchObject({ state: "paused", reason: "breakpoint" });
  expect(status.state === "paused" && status.loc?.line).toBe(6);

  stepping = true;
  const procedures = new Set<string>();
  let steps = 0;
  let positionSeenInAttend: unknown;
  for (;;) {
    status = session.stepInto();
    steps++;
    if (status.state !== "paused") break;
    if (status.loc?.file === FILE && status.loc.line === 7) break;
    const top = session.frames()[0];
    procedures.add(top.name);
    if (top.name === "attend" && positionSeenInAttend === undefined)
      positionSeenInAttend = session.evaluate(0, "position");
  }
  expect(status).toMatchObject({ state: "paused", reason: "step" });
  stepping = false;
  status = session.run();
  expect(status.state).toBe("done");
  return { steps, procedures, attention, logits, positionSeenInAttend };
}

/** The C engine's attention weights and logits for the last token of `prompt`. */
function cEngineLastToken(bytes: Uint8Array, prompt: readonly number[]) {
  const info = engine.load(bytes);
  engine.observe({ attention: true });
  let logits = new Float32Array(0);
  for (const id of prompt) logits = engine.step(id).slice();
  const attention: Float32Array[][] = [];
  for (let l = 0; l < info.config.nLayer; l++)
    attention.push(engine.attention(l).map((w) => w.slice()));
  engine.observe({});
  return { attention, logits };
}

function expectSameToken(
  bytes: Uint8Array,
  prompt: readonly number[],
  nLayer: number,
  nHead: number,
) {
  const stepped = stepOneToken(bytes, prompt);
  const c = cEngineLastToken(bytes, prompt);

  // It really was stepped expression by expression, through every stage of the forward pass.
  expect(stepped.steps).toBeGreaterThan(1000);
  for (const name of ["forward!", "embed", "rms-norm", "project", "matvec", "rotate!", "attend"])
    expect(stepped.procedures).toContain(name);
  for (const name of ["softmax!", "fexp", "feed-forward!", "silu", "add!", "classify"])
    expect(stepped.procedures).toContain(name);
  expect(stepped.positionSeenInAttend).toBe(prompt.length - 1);

  // What the observation hook reported on the way is exactly what the C engine computed.
  expect(stepped.attention.length).toBe(nLayer);
  for (let l = 0; l < nLayer; l++) {
    expect(stepped.attention[l].length).toBe(nHead);
    for (let h = 0; h < nHead; h++) {
      expect(stepped.attention[l][h].length).toBe(prompt.length);
      expect(Array.from(stepped.attention[l][h])).toEqual(Array.from(c.attention[l][h]));
    }
  }
  expect(Array.from(stepped.logits)).toEqual(Array.from(c.logits));
}

describe("stepping one token with the debugger", () => {
  it("on a small synthetic model: attention weights observed while stepping equal the C engine's", () => {
    const bytes = writeModel(
      makeSyntheticModel({
        config: {
          blockSize: 16,
          vocabSize: 64,
          nLayer: 2,
          nEmbd: 16,
          nHead: 4,
          nKvHead: 2,
          nHidden: 32,
        },
        seed: 5,
      }),
    );
    expectSameToken(bytes, [2, 9, 33, 17], 2, 4);
  });

  it.skipIf(!psycho)(
    "on psycho-230k: the sixth prompt token, stepped, matches the C engine",
    () => {
      expectSameToken(modelBytes(psycho!), PSYCHO_PROMPT_IDS, 8, 4);
    },
  );
});
