// `nanolm quantize`: F32 → Q8_0, byte-identical to the original Nano exporter (the rules live in
// engine-c/ts/format.ts). The output is written to a temporary file and renamed into place, so a
// failure never leaves a half-written model behind, and the input is never touched.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import {
  DEFAULT_GROUP_SIZE,
  QUANT_F32,
  quantizeModel,
  readModel,
  writeModel,
} from "../engine-c/ts/format.ts";
import { CliError, existingFile, numberFlag, parseFlags } from "./common.ts";
import { readBytes } from "./run.ts";

const USAGE = `usage: nanolm quantize IN.bin OUT.bin [--group-size ${DEFAULT_GROUP_SIZE}]

Convert an F32 model to Q8_0: int8 weights with one f32 scale per group. As the original Nano
exporter does, the group size is halved until it divides n_embd, and values round half to even.`;

/** nanolm quantize */
export async function quantizeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { "group-size": { type: "string" } }, USAGE, 2);
  if (positionals.length !== 2)
    throw new CliError(`IN.bin and OUT.bin are required\n\n${USAGE}`, 2);
  const [input, output] = positionals;
  if (resolve(input) === resolve(output)) throw new CliError("OUT.bin must differ from IN.bin");
  const groupSize =
    numberFlag("group-size", values["group-size"], { min: 1, max: 1 << 20, integer: true }) ??
    DEFAULT_GROUP_SIZE;
  const model = readModel(readBytes(existingFile(input)));
  if (model.header.quantType !== QUANT_F32) throw new CliError(`${input} is already quantized`);
  const quantized = quantizeModel(model, groupSize);
  writeAtomically(output, writeModel(quantized));
  const used = quantized.header.groupSize;
  const note =
    used === groupSize ? "" : ` (halved from ${groupSize} to divide n_embd ${model.config.nEmbd})`;
  process.stderr.write(`nanolm: wrote ${output}: Q8_0, group size ${used}${note}\n`);
  return 0;
}

/** Write bytes to a temporary file beside `path`, fsync it, then rename it over `path`. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, "w");
    try {
      for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
