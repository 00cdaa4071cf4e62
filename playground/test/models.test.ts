// The model panel's header check: a file is refused before it is stored unless its 256-byte
// header is a valid Nano model's (the format module's own checks), with a one-line reason.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHeader } from "../src/models.ts";

const pico = new Uint8Array(
  readFileSync(join(import.meta.dirname, "..", "..", "models", "nano-pico.bin")),
);

describe("parseHeader", () => {
  it("reads the header and config from the first 256 bytes of a model", () => {
    const h = parseHeader(pico.subarray(0, 256), pico.length);
    expect(h.config).toMatchObject({ nLayer: 4, nEmbd: 96, vocabSize: 258, blockSize: 128 });
    expect(h.quantType).toBe("F32");
    expect(h.paramCount).toBe(431136);
  });

  it("refuses what is not a model, saying why in one line", () => {
    expect(() => parseHeader(pico.subarray(0, 100), 100)).toThrow(
      "not a Nano model: only 100 bytes",
    );
    const notMagic = pico.slice(0, 256);
    notMagic[0] ^= 0xff;
    expect(() => parseHeader(notMagic)).toThrow(/^not a Nano model file: magic is/);
    const zeroHeads = pico.slice(0, 256);
    new DataView(zeroHeads.buffer).setInt32(40, 0, true); // n_head
    expect(() => parseHeader(zeroHeads)).toThrow(/n_head/);
    const lora = pico.slice(0, 256);
    new DataView(lora.buffer).setInt32(16, 10, true); // model type: LoRA
    expect(() => parseHeader(lora)).toThrow("this is a LoRA module (model type 10), not a model");
  });
});
