// checkpoint.ts — everything a run needs to continue exactly, in one file: the weights, AdamW's
// moments, the step, the data position and the best validation loss, plus the config and the
// tokenizer so that export needs nothing else. Written atomically: a crash at any moment leaves
// either the old file or the new one, never a torn one.
//
// Layout (little-endian):
//   "NANOCKPT" (8 bytes) | version u32 | header length u32 | header JSON (UTF-8, space-padded to a
//   multiple of 4) | float32 tensors, back to back, in the header's `tensors` order
// The header records each tensor's shape and the CRC-32 of the tensor bytes, so a truncated or
// damaged file is refused with a message instead of training on garbage.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { crc32 } from "node:zlib";
import type { TrainConfig } from "./config.ts";
import type { TokenizerJson } from "./tokenizer.ts";

const MAGIC = "NANOCKPT";
const VERSION = 1;
const PREFIX_BYTES = 16; // magic + version + header length

/** A tensor as a checkpoint holds it: row-major float32 in tfjs's shape. */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

/** AdamW's state: the moments of every trainable parameter and its step count. */
export interface OptimizerState {
  stepCount: number;
  m: Map<string, StoredTensor>;
  v: Map<string, StoredTensor>;
}

/** The contents of a checkpoint file. */
export interface Checkpoint {
  config: TrainConfig;
  tokenizer: TokenizerJson;
  /** every parameter, frozen ones included (a LoRA checkpoint holds its base too) */
  params: Map<string, StoredTensor>;
  /** names of the parameters the optimizer updates */
  trainable: string[];
  optimizer: OptimizerState;
  /** optimizer steps completed */
  step: number;
  /** Dataset.getState(): where the training stream continues */
  dataState: unknown;
  /** saved RNG states by name (JSON-serializable) */
  rngStates: Record<string, unknown>;
  /** the best validation loss so far, null before the first evaluation */
  bestValLoss: number | null;
  /** training seconds so far, so elapsed time continues across resumes */
  elapsedSeconds: number;
}

/** A checkpoint file that cannot be read; the message says what is wrong with it. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

interface TensorEntry {
  name: string;
  /** "param", "adam.m" or "adam.v" */
  group: string;
  shape: number[];
}

interface Header {
  format: "nanolm-checkpoint";
  step: number;
  trainable: string[];
  optimizerStepCount: number;
  dataState: unknown;
  rngStates: Record<string, unknown>;
  bestValLoss: number | null;
  elapsedSeconds: number;
  config: TrainConfig;
  tokenizer: TokenizerJson;
  tensors: TensorEntry[];
  /** total bytes of tensor data and their CRC-32 */
  dataBytes: number;
  dataCrc32: number;
}

// ---- writing ----

/** Serialize a checkpoint to bytes (the pieces, to write without one big copy). */
export function encodeCheckpoint(ckpt: Checkpoint): Buffer[] {
  const tensors: TensorEntry[] = [];
  const blobs: Buffer[] = [];
  const add = (group: string, map: Map<string, StoredTensor>) => {
    for (const [name, t] of map) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (size !== t.data.length) {
        throw new CheckpointError(
          `tensor ${group} ${name}: shape ${t.shape} but ${t.data.length} values`,
        );
      }
      tensors.push({ name, group, shape: t.shape });
      blobs.push(float32Bytes(t.data));
    }
  };
  add("param", ckpt.params);
  add("adam.m", ckpt.optimizer.m);
  add("adam.v", ckpt.optimizer.v);

  let dataCrc = 0;
  let dataBytes = 0;
  for (const b of blobs) {
    dataCrc = crc32(b, dataCrc);
    dataBytes += b.length;
  }
  const header: Header = {
    format: "nanolm-checkpoint",
    step: ckpt.step,
    trainable: ckpt.trainable,
    optimizerStepCount: ckpt.optimizer.stepCount,
    dataState: ckpt.dataState,
    rngStates: ckpt.rngStates,
    bestValLoss: ckpt.bestValLoss,
    elapsedSeconds: ckpt.elapsedSeconds,
    config: ckpt.config,
    tokenizer: ckpt.tokenizer,
    tensors,
    dataBytes,
    dataCrc32: dataCrc,
  };
  let json = JSON.stringify(header);
  // Pad so the tensor data starts 4-byte aligned (a reader may view it as a Float32Array).
  while ((PREFIX_BYTES + Buffer.byteLength(json)) % 4 !== 0) json += " ";
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(VERSION, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);
  return [prefix, headerBytes, ...blobs];
}

/** Write a checkpoint atomically: a temporary file in the same folder, fsync, rename over `path`,
 *  fsync the folder (so the rename itself survives a power cut). */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  writeFileAtomically(path, encodeCheckpoint(ckpt));
}

/** The temporary name a write to `path` goes through (same folder, so rename is atomic). */
export function tempPathFor(path: string): string {
  return `${dirname(path)}/.${basename(path)}.tmp-${process.pid}`;
}

/** Write `pieces` to `path` so that readers see the old file or the whole new one. */
export function writeFileAtomically(path: string, pieces: Uint8Array[]): void {
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, "w");
    try {
      for (const piece of pieces) {
        let written = 0;
        while (written < piece.length) {
          written += writeSync(fd, piece, written, piece.length - written);
        }
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  syncFolder(dirname(path));
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory (Windows); the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function float32Bytes(data: Float32Array): Buffer {
  // Checkpoints are little-endian; so is every platform Node runs training on in practice.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

// ---- reading ----

/** Read and check a checkpoint file. */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}

/** Parse checkpoint bytes; `path` is only for messages. */
export function decodeCheckpoint(bytes: Buffer, path = "checkpoint"): Checkpoint {
  const bad = (why: string) => new CheckpointError(`${path} is not a valid checkpoint: ${why}`);
  if (bytes.length < PREFIX_BYTES || bytes.toString("latin1", 0, 8) !== MAGIC) {
    throw bad("it does not start with NANOCKPT");
  }
  const version = bytes.readUInt32LE(8);
  if (version !== VERSION) throw bad(`version ${version}, this NanoLM reads version ${VERSION}`);
  const headerLength = bytes.readUInt32LE(12);
  if (PREFIX_BYTES + headerLength > bytes.length) throw bad("it is truncated (in the header)");
  let header: Header;
  try {
    header = JSON.parse(bytes.toString("utf8", PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch (e) {
    throw bad(`its header is not valid JSON (${(e as Error).message})`);
  }
  if (header?.format !== "nanolm-checkpoint" || !Array.isArray(header.tensors)) {
    throw bad("its header lacks the checkpoint fields");
  }
  const dataStart = PREFIX_BYTES + headerLength;
  const dataBytes = bytes.length - dataStart;
  if (dataBytes !== header.dataBytes) {
    throw bad(
      `it holds ${dataBytes} bytes of tensor data, its header says ${header.dataBytes}` +
        (dataBytes < header.dataBytes ? " (the file is truncated)" : ""),
    );
  }
  if (crc32(bytes.subarray(dataStart)) !== header.dataCrc32) {
    throw bad("its tensor data fails the CRC-32 check (the file is damaged)");
  }

  const groups: Record<string, Map<string, StoredTensor>> = {
    param: new Map(),
    "adam.m": new Map(),
    "adam.v": new Map(),
  };
  let offset = dataStart;
  for (const entry of header.tensors) {
    const group = groups[entry.group];
    if (!group) throw bad(`tensor ${entry.name} is in an unknown group ${entry.group}`);
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.length) throw bad(`tensor ${entry.name} runs past the end`);
    // Copy out: the tensors outlive the file's buffer and need their own alignment.
    const data = new Float32Array(size);
    new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + size * 4));
    group.set(entry.name, { shape: entry.shape, data });
    offset += size * 4;
  }
  for (const name of header.trainable) {
    if (!groups.param.has(name)) throw bad(`trainable parameter ${name} has no weights`);
  }
  return {
    config: header.config,
    tokenizer: header.tokenizer,
    params: groups.param,
    trainable: header.trainable,
    optimizer: { stepCount: header.optimizerStepCount, m: groups["adam.m"], v: groups["adam.v"] },
    step: header.step,
    dataState: header.dataState,
    rngStates: header.rngStates ?? {},
    bestValLoss: header.bestValLoss,
    elapsedSeconds: header.elapsedSeconds ?? 0,
  };
}
