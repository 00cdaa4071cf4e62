// Checkpoint files: a round trip keeps every number and field; a write killed before its rename
// leaves the old file intact; damaged or truncated files are refused with a clear message.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  tempPathFor,
  type Checkpoint,
} from "../src/checkpoint.ts";
import { parseTrainConfig } from "../src/config.ts";

const dir = mkdtempSync(join(tmpdir(), "nanolm-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small checkpoint with awkward float values (-0, a denormal, near-max); never NaN: the
 *  trainer refuses to checkpoint one. */
function sample(step = 7): Checkpoint {
  const config = parseTrainConfig(
    {
      model: { blockSize: 6, nLayer: 1, nEmbd: 8, nHead: 2, nHidden: 8, causal: false },
      data: { kind: "task", task: "sort" },
      train: { maxSteps: 10 },
      out: "run",
    },
    dir,
  );
  const tensor = (shape: number[], f: (i: number) => number) => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
  });
  return {
    config,
    tokenizer: {
      version: 1,
      tokens: [
        { text: "<|padding|>", special: true },
        { text: "a", special: false },
      ],
    },
    params: new Map([
      ["tok_embeddings", tensor([3, 8], (i) => Math.sin(i) * 1e-3 + step)],
      ["norm", tensor([8], (i) => (i === 0 ? -0 : i === 1 ? 1e-45 : 3.4e38))],
    ]),
    trainable: ["tok_embeddings", "norm"],
    optimizer: {
      stepCount: step,
      m: new Map([
        ["tok_embeddings", tensor([3, 8], (i) => -i / 7)],
        ["norm", tensor([8], () => 0)],
      ]),
      v: new Map([
        ["tok_embeddings", tensor([3, 8], (i) => i * 1e-9)],
        ["norm", tensor([8], () => 1)],
      ]),
    },
    step,
    dataState: { position: 12345, order: [3, 1, 2] },
    rngStates: { extra: 42 },
    bestValLoss: 1.2345678,
    elapsedSeconds: 9.5,
  };
}

describe("checkpoint files", () => {
  it("round-trips every tensor bit for bit and every field", () => {
    const path = join(dir, "round.ckpt");
    const original = sample();
    saveCheckpoint(path, original);
    const loaded = loadCheckpoint(path);
    expect(loaded.step).toBe(7);
    expect(loaded.config).toEqual(original.config);
    expect(loaded.tokenizer).toEqual(original.tokenizer);
    expect(loaded.trainable).toEqual(original.trainable);
    expect(loaded.dataState).toEqual(original.dataState);
    expect(loaded.rngStates).toEqual(original.rngStates);
    expect(loaded.bestValLoss).toBe(1.2345678);
    expect(loaded.elapsedSeconds).toBe(9.5);
    expect(loaded.optimizer.stepCount).toBe(7);
    const sameBits = (a: Float32Array, b: Float32Array) =>
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    for (const [group, from, to] of [
      ["param", original.params, loaded.params],
      ["m", original.optimizer.m, loaded.optimizer.m],
      ["v", original.optimizer.v, loaded.optimizer.v],
    ] as const) {
      expect([...to.keys()], group).toEqual([...from.keys()]);
      for (const [name, t] of from) {
        expect(to.get(name)!.shape).toEqual(t.shape);
        sameBits(t.data, to.get(name)!.data);
      }
    }
  });

  it("a write killed before the rename leaves the old checkpoint intact", () => {
    const path = join(dir, "atomic.ckpt");
    saveCheckpoint(path, sample(1));
    // What a SIGKILL mid-write leaves: a partial temporary file beside the real one.
    const pieces = Buffer.concat(encodeCheckpoint(sample(2)));
    writeFileSync(tempPathFor(path), pieces.subarray(0, pieces.length >> 1));
    expect(loadCheckpoint(path).step).toBe(1);
    // The next successful write replaces both.
    saveCheckpoint(path, sample(3));
    expect(loadCheckpoint(path).step).toBe(3);
    expect(readdirSync(dir).filter((f) => f.includes("atomic"))).toEqual(["atomic.ckpt"]);
  });

  it("refuses damaged files with a message saying what is wrong", () => {
    const good = Buffer.concat(encodeCheckpoint(sample()));
    const cases: [string, Buffer, RegExp][] = [
      [
        "not a checkpoint",
        Buffer.from("hello world, not a checkpoint"),
        /does not start with NANOCKPT/,
      ],
      ["empty", Buffer.alloc(0), /does not start with NANOCKPT/],
      ["truncated data", good.subarray(0, good.length - 10), /truncated/],
      ["truncated header", good.subarray(0, 40), /truncated \(in the header\)/],
      ["flipped bit", flip(good, good.length - 5), /CRC-32/],
      ["bad header", flip(good, 20), /header is not valid JSON|lacks/],
    ];
    for (const [what, bytes, message] of cases) {
      const path = join(dir, `bad-${what.replace(/ /g, "-")}.ckpt`);
      writeFileSync(path, bytes);
      expect(() => loadCheckpoint(path), what).toThrow(CheckpointError);
      expect(() => loadCheckpoint(path), what).toThrow(message);
    }
    expect(() => loadCheckpoint(join(dir, "missing.ckpt"))).toThrow(/cannot read checkpoint/);
  });

  it("starts with the magic and a JSON header a person can read", () => {
    const path = join(dir, "peek.ckpt");
    saveCheckpoint(path, sample());
    const bytes = readFileSync(path);
    expect(bytes.toString("latin1", 0, 8)).toBe("NANOCKPT");
    const header = JSON.parse(bytes.toString("utf8", 16, 16 + bytes.readUInt32LE(12)));
    expect(header.step).toBe(7);
    expect(header.tensors.map((t: { name: string }) => t.name)).toContain("tok_embeddings");
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0x40;
  return copy;
}
