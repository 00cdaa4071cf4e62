// models.ts — where the playground's models come from: the bundled .bin files, and files the user
// opens (picker or drag-and-drop), streamed with progress and kept in the browser's storage (OPFS,
// else IndexedDB) so a reload lists them again. Also the header/config summary (NANO-FORMAT.md §1).
import {
  HEADER_BYTES,
  readModelHeader,
  QUANT_Q8_0,
  parameterCount,
  type NanoConfig,
} from "../../engine-c/ts/format.ts";

/** One model the select lists. */
export interface ModelEntry {
  /** "bundled:sort.bin" or "cached:<file name>". */
  id: string;
  name: string;
  source: "bundled" | "cached";
  /** Bundled models: the asset URL. */
  url?: string;
  /** Bytes, when known without reading the file. */
  size?: number;
}

/** The header of a model file, read from its first 256 bytes. */
export interface ModelHeader {
  majorVersion: number;
  minorVersion: number;
  modelType: number;
  quantType: "F32" | "Q8_0";
  groupSize: number;
  config: NanoConfig;
  paramCount: number;
}

/** Reports bytes read so far of a total (total 0 when unknown). */
export type Progress = (loaded: number, total: number) => void;

const bundledUrls = import.meta.glob("../../models/*.bin", {
  query: "?url",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** The models shipped with the playground, nano-pico first (the default) when it is there. */
export function bundledModels(): ModelEntry[] {
  const entries = Object.entries(bundledUrls).map(([path, url]) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    return { id: `bundled:${name}`, name, source: "bundled" as const, url };
  });
  const rank = (e: ModelEntry) => (e.name === "nano-pico.bin" ? 0 : e.name === "sort.bin" ? 1 : 2);
  return entries.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Read a model's bytes: bundled ones are fetched, cached ones read back from storage. */
export async function readModelBytes(entry: ModelEntry, progress?: Progress): Promise<Uint8Array> {
  if (entry.source === "bundled") {
    const response = await fetch(entry.url!);
    if (!response.ok) throw new Error(`could not fetch ${entry.name}: HTTP ${response.status}`);
    const total = Number(response.headers.get("content-length") ?? 0);
    return readStream(response.body!, total, progress);
  }
  const blob = await cache.get(entry.name);
  if (!blob) throw new Error(`${entry.name} is no longer in the browser's storage`);
  return readStream(blob.stream(), blob.size, progress);
}

/** Stream a user's file into memory with progress, and keep a copy in the browser's storage. */
export async function openModelFile(file: File, progress?: Progress): Promise<ModelEntry> {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  parseHeader(head, file.size); // refuse a non-model before storing anything
  await cache.put(file.name, file, progress);
  return { id: `cached:${file.name}`, name: file.name, source: "cached", size: file.size };
}

/** The models kept in the browser's storage from earlier visits. */
export async function cachedModels(): Promise<ModelEntry[]> {
  try {
    const names = await cache.list();
    return names.map(({ name, size }) => ({
      id: `cached:${name}`,
      name,
      source: "cached" as const,
      size,
    }));
  } catch {
    return []; // storage unavailable (private window, file://): nothing cached
  }
}

/** Parse the fixed 256-byte header with the format module's checks; throws a one-line Error for
 *  anything that is not a model (`fileSize`: the whole file's, when only its head is at hand). */
export function parseHeader(bytes: Uint8Array, fileSize = bytes.length): ModelHeader {
  if (bytes.length < HEADER_BYTES) throw new Error(`not a Nano model: only ${fileSize} bytes`);
  let parsed;
  try {
    parsed = readModelHeader(bytes.subarray(0, HEADER_BYTES));
  } catch (e) {
    throw new Error(e instanceof Error ? e.message : String(e));
  }
  const { header, config } = parsed;
  return {
    majorVersion: header.majorVersion,
    minorVersion: header.minorVersion,
    modelType: header.modelType,
    quantType: header.quantType === QUANT_Q8_0 ? "Q8_0" : "F32",
    groupSize: header.groupSize,
    config,
    paramCount: parameterCount(config),
  };
}

/** Whether a model is a non-causal seq2seq toy (sort): tiny context and vocabulary, no story. */
export function looksSeq2seq(name: string, header: ModelHeader): boolean {
  const c = header.config;
  return /sort|seq2seq/i.test(name) || (c.blockSize <= 32 && c.vocabSize <= 64);
}

/** The header as the model panel shows it. */
export function describeModel(name: string, header: ModelHeader, fileSize: number): string {
  const c = header.config;
  const rows: [string, string | number][] = [
    ["file", name],
    ["size", formatBytes(fileSize)],
    ["version", `${header.majorVersion}.${header.minorVersion}`],
    ["weights", header.quantType === "Q8_0" ? `Q8_0, groups of ${header.groupSize}` : "F32"],
    ["parameters", formatCount(header.paramCount)],
    ["block_size", c.blockSize],
    ["vocab_size", c.vocabSize],
    ["n_layer", c.nLayer],
    ["n_embd", c.nEmbd],
    ["n_head", c.nHead],
    ["n_kv_head", c.nKvHead],
    ["head_dim", c.headDim],
    ["n_hidden", c.nHidden],
    ["shared classifier", c.isSharedClassifier ? "yes" : "no"],
  ];
  return rows.map(([k, v]) => `${k.padEnd(18)}${v}`).join("\n");
}

/** 1234567 → "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) [v, u] = [v / 1024, u + 1];
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** 430123 → "430k". */
function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

/* Read a byte stream into one buffer (preallocated when the length is known). */
async function readStream(
  stream: ReadableStream<Uint8Array>,
  total: number,
  progress?: Progress,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let out = total > 0 ? new Uint8Array(total) : null;
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (out && loaded + value.length <= out.length) out.set(value, loaded);
    else {
      if (out) chunks.push(out.subarray(0, loaded));
      out = null;
      chunks.push(value);
    }
    loaded += value.length;
    progress?.(loaded, total);
  }
  if (out) return loaded === out.length ? out : out.subarray(0, loaded);
  const joined = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    joined.set(c, at);
    at += c.length;
  }
  return joined;
}

/* ---- storage: OPFS (origin private file system), else IndexedDB ---- */

interface ModelCache {
  list(): Promise<{ name: string; size: number }[]>;
  get(name: string): Promise<Blob | null>;
  put(name: string, file: File, progress?: Progress): Promise<void>;
}

const OPFS_DIR = "nanolm-models";

/* OPFS: files streamed in chunk by chunk, so a 600 MB model never sits twice in memory. */
const opfsCache: ModelCache = {
  async list() {
    const dir = await opfsDir();
    const out: { name: string; size: number }[] = [];
    for await (const handle of (
      dir as unknown as { values(): AsyncIterable<FileSystemHandle> }
    ).values()) {
      if (handle.kind === "file") {
        const file = await (handle as FileSystemFileHandle).getFile();
        out.push({ name: handle.name, size: file.size });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  },
  async get(name) {
    try {
      return await (await (await opfsDir()).getFileHandle(name)).getFile();
    } catch {
      return null;
    }
  },
  async put(name, file, progress) {
    const handle = await (await opfsDir()).getFileHandle(name, { create: true });
    const writable = await handle.createWritable();
    const reader = file.stream().getReader();
    let loaded = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await writable.write(value);
        loaded += value.length;
        progress?.(loaded, file.size);
      }
      await writable.close();
    } catch (e) {
      await writable.abort();
      throw e;
    }
  },
};

async function opfsDir(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(OPFS_DIR, { create: true });
}

/* IndexedDB: the File itself is stored (browsers keep Blobs on disk). */
const IDB_NAME = "nanolm-playground";
const IDB_STORE = "models";

function idb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(IDB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(IDB_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB is unavailable"));
  });
}

function idbRequest<T>(
  mode: IDBTransactionMode,
  run: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  return idb().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const req = run(db.transaction(IDB_STORE, mode).objectStore(IDB_STORE));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
      }),
  );
}

const idbCache: ModelCache = {
  async list() {
    const keys = (await idbRequest("readonly", (s) => s.getAllKeys())) as string[];
    const out: { name: string; size: number }[] = [];
    for (const name of keys) {
      const blob = await this.get(name);
      if (blob) out.push({ name, size: blob.size });
    }
    return out;
  },
  async get(name) {
    const v = (await idbRequest("readonly", (s) => s.get(name))) as Blob | undefined;
    return v ?? null;
  },
  async put(name, file, progress) {
    await idbRequest("readwrite", (s) => s.put(file, name));
    progress?.(file.size, file.size);
  },
};

/* Pick OPFS where the browser has it (with createWritable), else IndexedDB. */
const hasOpfs =
  typeof navigator !== "undefined" &&
  typeof navigator.storage?.getDirectory === "function" &&
  typeof FileSystemFileHandle !== "undefined" &&
  "createWritable" in FileSystemFileHandle.prototype;

const cache: ModelCache = hasOpfs ? withFallback(opfsCache, idbCache) : idbCache;

/* OPFS can still refuse at run time (quota, private mode): then IndexedDB takes over. */
function withFallback(primary: ModelCache, fallback: ModelCache): ModelCache {
  return {
    async list() {
      const [a, b] = await Promise.all([
        primary.list().catch(() => []),
        fallback.list().catch(() => []),
      ]);
      const seen = new Set(a.map((x) => x.name));
      return [...a, ...b.filter((x) => !seen.has(x.name))];
    },
    async get(name) {
      return (await primary.get(name).catch(() => null)) ?? fallback.get(name);
    },
    async put(name, file, progress) {
      try {
        await primary.put(name, file, progress);
      } catch {
        await fallback.put(name, file, progress);
      }
    },
  };
}
