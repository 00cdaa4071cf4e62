// R7RS §6.13 input and output: textual and binary ports over strings, bytevectors, files (through
// a host interface the facade sets) and the console (through sinks the facade sets). Primitives
// here take the port explicitly (`%display x port`); the prelude defines the R7RS procedures with
// an optional port that defaults to the `current-output-port` parameter.
import type { Builtins } from "./registry.ts";
import { SchemeError, schemeError, wrongType } from "../errors.ts";
import { displayString, writeSharedString, writeSimpleString, writeString } from "../printer.ts";
import { readDatum } from "../reader/reader.ts";
import { Char, EOF_OBJECT, ErrorObject, MString, UNSPECIFIED } from "../values.ts";
import { checkBytevector, checkChar, checkIndexValue, checkRange, checkString } from "./args.ts";
import { decodeUtf8, encodeUtf8 } from "./bytevectors.ts";

// ---------------------------------------------------------------------------------------------
// Host interfaces

/** The file system and environment, as the facade provides them (Node's fs, or nothing). */
export interface PortHost {
  /** The file's bytes, or null when it cannot be read. */
  readFile(path: string): Uint8Array | null;
  writeFile(path: string, data: Uint8Array): void;
  fileExists(path: string): boolean;
  deleteFile(path: string): void;
  /** Environment variables, for (scheme process-context): an object or [name, value] pairs. */
  environment?(): Record<string, string> | [string, string][];
}

let host: PortHost | null = null;
/** Sets the file system used by file ports, `file-exists?` and `delete-file`. */
export function setHost(h: PortHost | null): void {
  host = h;
}
/** The file system set by `setHost`, if any. */
export function getHost(): PortHost | null {
  return host;
}

/** Where console output goes and where console input comes from. */
export interface ConsoleSinks {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The next chunk of standard input, or null at end of input. */
  stdin(): string | null;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Base class of every port; `open` is cleared by close-port. */
export abstract class Port {
  inputOpen: boolean;
  outputOpen: boolean;
  constructor(
    readonly input: boolean,
    readonly output: boolean,
    readonly textual: boolean,
  ) {
    this.inputOpen = input;
    this.outputOpen = output;
  }
  /** How the printer shows it: `#<textual-input-port>`, `#<binary-output-port>`... */
  get typeName(): string {
    return `${this.textual ? "textual" : "binary"}-${this.input ? "input" : "output"}-port`;
  }
  /** Called by close-port and flush-output-port: pushes buffered output to its destination. */
  flush(): void {}
}

/** A textual input port over a JS string, optionally refilled (console input). */
export class TextInputPort extends Port {
  pos = 0;
  constructor(
    public text: string,
    readonly name: string,
    private readonly refill: (() => string | null) | null = null,
  ) {
    super(true, false, true);
  }
  /** Ensures at least `n` UTF-16 units are buffered after `pos`, if the source has them. */
  fill(n: number): boolean {
    while (this.text.length - this.pos < n) {
      const more = this.refill?.() ?? null;
      if (more === null) return false;
      this.text = this.text.slice(this.pos) + more;
      this.pos = 0;
    }
    return true;
  }
  /** Buffers the whole remaining input (for `read`, which needs a complete datum). */
  fillAll(): void {
    while (this.fill(this.text.length - this.pos + 1));
  }
  peekCode(): number {
    if (!this.fill(1)) return -1;
    const c = this.text.codePointAt(this.pos)!;
    if (c >= 0xd800 && c <= 0xdbff) this.fill(2);
    return this.text.codePointAt(this.pos)!;
  }
  readCode(): number {
    const c = this.peekCode();
    if (c >= 0) this.pos += c > 0xffff ? 2 : 1;
    return c;
  }
  /** The text up to the next line ending (consumed, not included), or null at end of input. */
  readLine(): string | null {
    for (;;) {
      const nl = this.text.indexOf("\n", this.pos);
      if (nl >= 0) {
        const end = nl > this.pos && this.text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const line = this.text.slice(this.pos, end);
        this.pos = nl + 1;
        return line;
      }
      if (!this.fill(this.text.length - this.pos + 1)) break;
    }
    if (this.pos >= this.text.length) return null;
    const line = this.text.slice(this.pos);
    this.pos = this.text.length;
    return line;
  }
}

/** A binary input port over bytes. */
export class BinaryInputPort extends Port {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    super(true, false, false);
  }
}

/**
 * A textual output port. Text is collected in `chunks`; a port with a `sink` (the console) hands
 * it over at each newline or every few kilobytes, so a loop of `display`s stays cheap.
 */
export class TextOutputPort extends Port {
  chunks: string[] = [];
  private pending = 0;
  constructor(
    public sink: ((text: string) => void) | null = null,
    private readonly onFlush: ((text: string) => void) | null = null,
  ) {
    super(false, true, true);
  }
  write(s: string): void {
    this.chunks.push(s);
    if (this.sink === null) return;
    this.pending += s.length;
    if (this.pending > 8192 || s.includes("\n")) this.flush();
  }
  /** True for the ports of open-output-string (neither the console nor a file). */
  get isStringPort(): boolean {
    return this.sink === null && this.onFlush === null;
  }
  /** Everything written so far (string ports). */
  contents(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join("")];
    return this.chunks[0] ?? "";
  }
  override flush(): void {
    if (this.sink !== null) {
      if (this.chunks.length > 0) this.sink(this.chunks.join(""));
      this.chunks = [];
      this.pending = 0;
    } else if (this.onFlush !== null) {
      this.onFlush(this.contents());
    }
  }
}

/** A binary output port: a growable byte buffer, optionally written to a file on flush. */
export class BinaryOutputPort extends Port {
  bytes = new Uint8Array(64);
  length = 0;
  constructor(private readonly onFlush: ((bytes: Uint8Array) => void) | null = null) {
    super(false, true, false);
  }
  /** True for the ports of open-output-bytevector (not a file). */
  get isBytevectorPort(): boolean {
    return this.onFlush === null;
  }
  writeBytes(src: Uint8Array): void {
    if (this.length + src.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + src.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src, this.length);
    this.length += src.length;
  }
  contents(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
  override flush(): void {
    this.onFlush?.(this.contents());
  }
}

// ---------------------------------------------------------------------------------------------
// The console

const defaultSinks: ConsoleSinks = {
  stdout: (s) => globalThis.process?.stdout?.write(s),
  stderr: (s) => globalThis.process?.stderr?.write(s),
  stdin: () => null,
};
let sinks: ConsoleSinks = defaultSinks;

/** The console ports: what `%current-output-port` & co. return, shared by every interpreter. */
export const consoleOutput = new TextOutputPort((s) => sinks.stdout(s));
export const consoleError = new TextOutputPort((s) => sinks.stderr(s));
export const consoleInput = new TextInputPort("", "<stdin>", () => {
  consoleOutput.flush(); // show a prompt before waiting for input
  return sinks.stdin();
});

/** Routes console output and input; the facade calls this once per interpreter. */
export function setConsoleSinks(s: Partial<ConsoleSinks>): void {
  flushConsole();
  sinks = { ...defaultSinks, ...s };
  // The console ports are shared by every interpreter in this JS realm: a program that closed
  // one, or left input unread, must not affect the next run.
  consoleOutput.outputOpen = true;
  consoleError.outputOpen = true;
  consoleInput.inputOpen = true;
  consoleInput.text = "";
  consoleInput.pos = 0;
}

/** File output ports not yet closed, flushed with the console so nothing written is lost. */
const openFilePorts = new Set<Port>();

/** Pushes buffered console output to the sinks (and open file ports to their files). */
export function flushConsole(): void {
  consoleOutput.flush();
  consoleError.flush();
  for (const p of openFilePorts) p.flush();
}

// ---------------------------------------------------------------------------------------------
// Checks and file helpers

function checkPort(who: string, x: unknown): Port {
  if (x instanceof Port) return x;
  return wrongType(who, "a port", x);
}
function checkTextIn(who: string, x: unknown): TextInputPort {
  if (!(x instanceof TextInputPort)) return wrongType(who, "a textual input port", x);
  if (!x.inputOpen) schemeError(`${who}: port is closed`);
  return x;
}
function checkBinaryIn(who: string, x: unknown): BinaryInputPort {
  if (!(x instanceof BinaryInputPort)) return wrongType(who, "a binary input port", x);
  if (!x.inputOpen) schemeError(`${who}: port is closed`);
  return x;
}
function checkTextOut(who: string, x: unknown): TextOutputPort {
  if (!(x instanceof TextOutputPort)) return wrongType(who, "a textual output port", x);
  if (!x.outputOpen) schemeError(`${who}: port is closed`);
  return x;
}
function checkBinaryOut(who: string, x: unknown): BinaryOutputPort {
  if (!(x instanceof BinaryOutputPort)) return wrongType(who, "a binary output port", x);
  if (!x.outputOpen) schemeError(`${who}: port is closed`);
  return x;
}

/** Raises a file error (`file-error?` is true of it) naming the file. */
function fileError(message: string, path: string): never {
  throw new SchemeError(new ErrorObject(message, [MString.from(path, false)], "file"));
}

function requireHost(who: string, path: string): PortHost {
  if (host === null) fileError(`${who}: no file system is available`, path);
  return host;
}

export function readFileBytes(who: string, name: unknown): [string, Uint8Array] {
  const path = checkString(who, name).toString();
  const bytes = requireHost(who, path).readFile(path);
  if (bytes === null) fileError(`${who}: cannot open file`, path);
  return [path, bytes];
}

/** An output port that (re)writes its whole file on every flush and on close. */
function openFileOutput(who: string, name: unknown, textual: boolean): Port {
  const path = checkString(who, name).toString();
  const h = requireHost(who, path);
  const write = (bytes: Uint8Array): void => {
    try {
      h.writeFile(path, bytes);
    } catch {
      fileError(`${who}: cannot write file`, path);
    }
  };
  write(new Uint8Array(0)); // create or truncate now, so errors show at open time
  const port = textual
    ? new TextOutputPort(null, (text) => write(encodeUtf8(text)))
    : new BinaryOutputPort(write);
  openFilePorts.add(port);
  return port;
}

function closeInput(p: Port): void {
  p.inputOpen = false;
}
function closeOutput(p: Port): void {
  if (p.outputOpen) p.flush();
  p.outputOpen = false;
  openFilePorts.delete(p);
}

// ---------------------------------------------------------------------------------------------
// Printing

type Printer = (x: unknown) => string;

function defineWriter(b: Builtins, name: string, print: Printer): void {
  b.define(`%${name}`, 2, 2, (x: unknown, port: unknown) => {
    checkTextOut(name, port).write(print(x));
    return UNSPECIFIED;
  });
}

// ---------------------------------------------------------------------------------------------

export function install(b: Builtins): void {
  installPortBasics(b);
  installTextInput(b);
  installBinaryInput(b);
  installOutput(b);
  installFiles(b);
}

function installPortBasics(b: Builtins): void {
  b.define("%current-output-port", 0, 0, () => consoleOutput);
  b.define("%current-error-port", 0, 0, () => consoleError);
  b.define("%current-input-port", 0, 0, () => consoleInput);
  b.define("port?", 1, 1, (x: unknown) => x instanceof Port);
  b.define("input-port?", 1, 1, (x: unknown) => x instanceof Port && x.input);
  b.define("output-port?", 1, 1, (x: unknown) => x instanceof Port && x.output);
  b.define("textual-port?", 1, 1, (x: unknown) => x instanceof Port && x.textual);
  b.define("binary-port?", 1, 1, (x: unknown) => x instanceof Port && !x.textual);
  b.define("input-port-open?", 1, 1, (x: unknown) => checkPort("input-port-open?", x).inputOpen);
  b.define("output-port-open?", 1, 1, (x: unknown) => checkPort("output-port-open?", x).outputOpen);
  b.define("close-port", 1, 1, (x: unknown) => {
    const p = checkPort("close-port", x);
    closeInput(p);
    closeOutput(p);
    return UNSPECIFIED;
  });
  b.define("close-input-port", 1, 1, (x: unknown) => {
    const p = checkPort("close-input-port", x);
    if (!p.input) wrongType("close-input-port", "an input port", x);
    closeInput(p);
    return UNSPECIFIED;
  });
  b.define("close-output-port", 1, 1, (x: unknown) => {
    const p = checkPort("close-output-port", x);
    if (!p.output) wrongType("close-output-port", "an output port", x);
    closeOutput(p);
    return UNSPECIFIED;
  });
  b.define("eof-object", 0, 0, () => EOF_OBJECT);
  b.define("eof-object?", 1, 1, (x: unknown) => x === EOF_OBJECT);
  b.define(
    "open-input-string",
    1,
    1,
    (s: unknown) => new TextInputPort(checkString("open-input-string", s).toString(), "<string>"),
  );
  b.define("open-output-string", 0, 0, () => new TextOutputPort());
  b.define("get-output-string", 1, 1, (p: unknown) => {
    if (!(p instanceof TextOutputPort) || !p.isStringPort)
      wrongType("get-output-string", "a string output port", p);
    return MString.from(p.contents());
  });
  b.define(
    "open-input-bytevector",
    1,
    1,
    (v: unknown) => new BinaryInputPort(checkBytevector("open-input-bytevector", v)),
  );
  b.define("open-output-bytevector", 0, 0, () => new BinaryOutputPort());
  b.define("get-output-bytevector", 1, 1, (p: unknown) => {
    if (!(p instanceof BinaryOutputPort) || !p.isBytevectorPort)
      wrongType("get-output-bytevector", "a bytevector output port", p);
    return p.contents();
  });
  b.define("file-error?", 1, 1, (x: unknown) => x instanceof ErrorObject && x.kind === "file");
  b.define("read-error?", 1, 1, (x: unknown) => x instanceof ErrorObject && x.kind === "read");
}

function installTextInput(b: Builtins): void {
  b.define("%read-char", 1, 1, (p: unknown) => {
    const c = checkTextIn("read-char", p).readCode();
    return c < 0 ? EOF_OBJECT : Char.of(c);
  });
  b.define("%peek-char", 1, 1, (p: unknown) => {
    const c = checkTextIn("peek-char", p).peekCode();
    return c < 0 ? EOF_OBJECT : Char.of(c);
  });
  b.define("%read-line", 1, 1, (p: unknown) => {
    const line = checkTextIn("read-line", p).readLine();
    return line === null ? EOF_OBJECT : MString.from(line);
  });
  b.define("%read-string", 2, 2, (k: unknown, p: unknown) => {
    const n = checkIndexValue("read-string", k);
    const port = checkTextIn("read-string", p);
    const cps: number[] = [];
    while (cps.length < n) {
      const c = port.readCode();
      if (c < 0) break;
      cps.push(c);
    }
    if (cps.length === 0 && n > 0) return EOF_OBJECT;
    return MString.fromCodePoints(Uint32Array.from(cps));
  });
  b.define("%char-ready?", 1, 1, (p: unknown) => {
    checkTextIn("char-ready?", p);
    return true; // input is never pending: strings are complete, the console blocks in stdin()
  });
  b.define("%read", 1, 1, (p: unknown) => {
    const port = checkTextIn("read", p);
    port.fillAll();
    const r = readDatum(port.text, port.pos, port.name);
    if (r === null) {
      port.pos = port.text.length;
      return EOF_OBJECT;
    }
    port.pos = r.end;
    return r.datum;
  });
}

function installBinaryInput(b: Builtins): void {
  b.define("%read-u8", 1, 1, (p: unknown) => {
    const port = checkBinaryIn("read-u8", p);
    return port.pos < port.bytes.length ? port.bytes[port.pos++] : EOF_OBJECT;
  });
  b.define("%peek-u8", 1, 1, (p: unknown) => {
    const port = checkBinaryIn("peek-u8", p);
    return port.pos < port.bytes.length ? port.bytes[port.pos] : EOF_OBJECT;
  });
  b.define("%u8-ready?", 1, 1, (p: unknown) => {
    checkBinaryIn("u8-ready?", p);
    return true;
  });
  b.define("%read-bytevector", 2, 2, (k: unknown, p: unknown) => {
    const n = checkIndexValue("read-bytevector", k);
    const port = checkBinaryIn("read-bytevector", p);
    if (port.pos >= port.bytes.length && n > 0) return EOF_OBJECT;
    const out = port.bytes.slice(port.pos, port.pos + n);
    port.pos += out.length;
    return out;
  });
  b.define("%read-bytevector!", 2, 4, (v: unknown, p: unknown, start?: unknown, end?: unknown) => {
    const bv = checkBytevector("read-bytevector!", v);
    const port = checkBinaryIn("read-bytevector!", p);
    const [s, e] = checkRange("read-bytevector!", start, end, bv.length);
    if (port.pos >= port.bytes.length && e > s) return EOF_OBJECT;
    const chunk = port.bytes.subarray(port.pos, port.pos + (e - s));
    bv.set(chunk, s);
    port.pos += chunk.length;
    return chunk.length;
  });
}

function installOutput(b: Builtins): void {
  defineWriter(b, "write", writeString);
  defineWriter(b, "write-shared", writeSharedString);
  defineWriter(b, "write-simple", writeSimpleString);
  defineWriter(b, "display", displayString);
  b.define("%newline", 1, 1, (p: unknown) => {
    checkTextOut("newline", p).write("\n");
    return UNSPECIFIED;
  });
  b.define("%write-char", 2, 2, (c: unknown, p: unknown) => {
    const code = checkChar("write-char", c).code;
    checkTextOut("write-char", p).write(String.fromCodePoint(code));
    return UNSPECIFIED;
  });
  b.define("%write-string", 2, 4, (s: unknown, p: unknown, start?: unknown, end?: unknown) => {
    const str = checkString("write-string", s);
    const port = checkTextOut("write-string", p);
    const [a, e] = checkRange("write-string", start, end, str.length);
    const text =
      a === 0 && e === str.length
        ? str.toString()
        : MString.fromCodePoints(str.codePoints(a, e)).toString();
    port.write(text);
    return UNSPECIFIED;
  });
  b.define("%write-u8", 2, 2, (x: unknown, p: unknown) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 255)
      wrongType("write-u8", "a byte", x);
    checkBinaryOut("write-u8", p).writeBytes(Uint8Array.of(x));
    return UNSPECIFIED;
  });
  b.define("%write-bytevector", 2, 4, (v: unknown, p: unknown, start?: unknown, end?: unknown) => {
    const bv = checkBytevector("write-bytevector", v);
    const port = checkBinaryOut("write-bytevector", p);
    const [s, e] = checkRange("write-bytevector", start, end, bv.length);
    port.writeBytes(bv.subarray(s, e));
    return UNSPECIFIED;
  });
  b.define("%flush-output-port", 1, 1, (p: unknown) => {
    const port = checkPort("flush-output-port", p);
    if (!port.output) wrongType("flush-output-port", "an output port", p);
    port.flush();
    return UNSPECIFIED;
  });
}

function installFiles(b: Builtins): void {
  b.define("open-input-file", 1, 1, (name: unknown) => {
    const [path, bytes] = readFileBytes("open-input-file", name);
    return new TextInputPort(decodeUtf8(bytes), path);
  });
  b.define("open-binary-input-file", 1, 1, (name: unknown) => {
    const [, bytes] = readFileBytes("open-binary-input-file", name);
    return new BinaryInputPort(bytes);
  });
  b.define("open-output-file", 1, 1, (name: unknown) =>
    openFileOutput("open-output-file", name, true),
  );
  b.define("open-binary-output-file", 1, 1, (name: unknown) =>
    openFileOutput("open-binary-output-file", name, false),
  );
  b.define("file-exists?", 1, 1, (name: unknown) => {
    const path = checkString("file-exists?", name).toString();
    return host !== null && host.fileExists(path);
  });
  b.define("delete-file", 1, 1, (name: unknown) => {
    const path = checkString("delete-file", name).toString();
    const h = requireHost("delete-file", path);
    if (!h.fileExists(path)) fileError("delete-file: no such file", path);
    try {
      h.deleteFile(path);
    } catch {
      fileError("delete-file: cannot delete file", path);
    }
    return UNSPECIFIED;
  });
}
