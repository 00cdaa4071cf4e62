// Node-specific wiring: file access through node:fs and the prelude read from disk. The facade
// (interpreter.ts) stays free of Node imports so the playground can bundle it for the browser.
import { existsSync, readFileSync, writeFileSync, unlinkSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PRELUDE_FILES } from "./runtime/index.ts";
import {
  Interpreter,
  type InterpreterOptions,
  type SourceFile,
  type HostFs,
} from "./interpreter.ts";

export const nodeHost: HostFs = {
  readFile: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return null;
    }
  },
  readBytes: (path) => {
    try {
      return new Uint8Array(readFileSync(path));
    } catch {
      return null;
    }
  },
  writeBytes: (path, data) => writeFileSync(path, data),
  exists: (path) => existsSync(path),
  deleteFile: (path) => unlinkSync(path),
  resolve: (dir, rel) => (isAbsolute(rel) ? rel : resolve(dir, rel)),
  dirname: (path) => dirname(path),
  environment: () => Object.entries(process.env).map(([k, v]) => [k, v ?? ""] as [string, string]),
};

let preludeCache: SourceFile[] | undefined;

/** The prelude's Scheme files, in load order. */
export function loadPreludeFromDisk(): SourceFile[] {
  if (preludeCache) return preludeCache;
  preludeCache = PRELUDE_FILES.map((name) => ({
    name: `<prelude>/${name}`,
    text: readFileSync(
      fileURLToPath(new URL(`./runtime/prelude/${name}`, import.meta.url)),
      "utf8",
    ),
  }));
  return preludeCache;
}

/** An interpreter for Node: real files, the prelude from disk, console output to stdout. */
export function nodeInterpreter(options: Partial<InterpreterOptions> = {}): Interpreter {
  return new Interpreter({
    host: nodeHost,
    ...options,
    prelude: options.prelude ?? loadPreludeFromDisk(),
  });
}
