// Unit tests of ports (string, bytevector, file and console ports), (scheme time),
// (scheme process-context), promises and the library table.
import { afterEach, describe, expect, test } from "vitest";
import { EOF_OBJECT, ErrorObject, MString, Primitive } from "../src/values.ts";
import {
  consoleOutput,
  flushConsole,
  setConsoleSinks,
  setHost,
  type PortHost,
} from "../src/runtime/ports.ts";
import { setCommandLine } from "../src/runtime/system.ts";
import { STANDARD_LIBRARIES } from "../src/runtime/libraries.ts";
import { b, call, ch, errorOf, payloadOf, show, str } from "./runtime-support.ts";

const stdin = () => call("%current-input-port");

describe("string input ports", () => {
  test("read-char, peek-char and eof", () => {
    const p = call("open-input-string", str("a😀b"));
    expect(show(call("%peek-char", p))).toBe("#\\a");
    expect(show(call("%read-char", p))).toBe("#\\a");
    expect(show(call("%read-char", p))).toBe("#\\😀");
    expect(show(call("%peek-char", p))).toBe("#\\b");
    expect(show(call("%read-char", p))).toBe("#\\b");
    expect(call("%read-char", p)).toBe(EOF_OBJECT);
    expect(call("%peek-char", p)).toBe(EOF_OBJECT);
  });
  test("read-line handles \\n, \\r\\n and a last line without newline", () => {
    const p = call("open-input-string", str("one\r\ntwo\n\nthree"));
    expect(show(call("%read-line", p))).toBe('"one"');
    expect(show(call("%read-line", p))).toBe('"two"');
    expect(show(call("%read-line", p))).toBe('""');
    expect(show(call("%read-line", p))).toBe('"three"');
    expect(call("%read-line", p)).toBe(EOF_OBJECT);
  });
  test("read-string", () => {
    const p = call("open-input-string", str("abcde"));
    expect(show(call("%read-string", 2, p))).toBe('"ab"');
    expect(show(call("%read-string", 10, p))).toBe('"cde"');
    expect(call("%read-string", 1, p)).toBe(EOF_OBJECT);
    expect(show(call("%read-string", 0, p))).toBe('""');
  });
  test("read parses data one at a time", () => {
    const p = call("open-input-string", str('(1 2 . 3) foo "bar" #(1) ; comment\n'));
    expect(show(call("%read", p))).toBe("(1 2 . 3)");
    expect(show(call("%read", p))).toBe("foo");
    expect(show(call("%read", p))).toBe('"bar"');
    expect(show(call("%read", p))).toBe("#(1)");
    expect(call("%read", p)).toBe(EOF_OBJECT);
  });
  test("read after read-char continues where it stopped", () => {
    const p = call("open-input-string", str("x(a b)"));
    call("%read-char", p);
    expect(show(call("%read", p))).toBe("(a b)");
  });
  test("a read error is a read-error?", () => {
    const p = call("open-input-string", str("(1 2"));
    const e = payloadOf(() => call("%read", p));
    expect(call("read-error?", e)).toBe(true);
    expect(call("file-error?", e)).toBe(false);
  });
  test("char-ready? and closing", () => {
    const p = call("open-input-string", str("x"));
    expect(call("%char-ready?", p)).toBe(true);
    expect(call("input-port-open?", p)).toBe(true);
    call("close-input-port", p);
    expect(call("input-port-open?", p)).toBe(false);
    expect(errorOf(() => call("%read-char", p))).toBe("read-char: port is closed");
  });
});

describe("string output ports", () => {
  test("write-string, write-char, newline and get-output-string", () => {
    const p = call("open-output-string");
    call("%write-string", str("hello"), p);
    call("%write-char", ch(" "), p);
    call("%write-string", str("abcdef"), p, 1, 3);
    call("%newline", p);
    call("%write-char", ch("😀"), p);
    expect(show(call("get-output-string", p))).toBe('"hello bc\\n😀"');
    call("%write-string", str("!"), p);
    expect(show(call("get-output-string", p))).toBe('"hello bc\\n😀!"');
  });
  test("display and write go through the printer", () => {
    const p = call("open-output-string");
    call("%display", str("text"), p);
    call("%display", 42, p);
    expect((call("get-output-string", p) as MString).toString()).toBe("text42");
  });
  test("predicates", () => {
    const out = call("open-output-string");
    const inp = call("open-input-string", str(""));
    const bin = call("open-input-bytevector", Uint8Array.of());
    expect([call("port?", out), call("output-port?", out), call("input-port?", out)]).toEqual([
      true,
      true,
      false,
    ]);
    expect([
      call("input-port?", inp),
      call("textual-port?", inp),
      call("binary-port?", inp),
    ]).toEqual([true, true, false]);
    expect([call("binary-port?", bin), call("textual-port?", bin)]).toEqual([true, false]);
    expect(call("port?", 5)).toBe(false);
    expect(call("output-port-open?", out)).toBe(true);
    call("close-port", out);
    expect(call("output-port-open?", out)).toBe(false);
    expect(errorOf(() => call("%write-char", ch("a"), out))).toBe("write-char: port is closed");
  });
  test("errors", () => {
    expect(errorOf(() => call("%write-char", ch("a"), 5))).toBe(
      "write-char: expected a textual output port, got 5",
    );
    expect(errorOf(() => call("%write-char", 5, call("open-output-string")))).toBe(
      "write-char: expected a character, got 5",
    );
    expect(errorOf(() => call("%read-char", call("open-output-string")))).toMatch(
      /^read-char: expected a textual input port/,
    );
    expect(errorOf(() => call("%write-u8", 1, call("open-output-string")))).toMatch(
      /^write-u8: expected a binary output port/,
    );
  });
});

describe("bytevector ports", () => {
  test("read-u8, peek-u8, read-bytevector, read-bytevector!", () => {
    const p = call("open-input-bytevector", Uint8Array.of(1, 2, 3, 4, 5));
    expect(call("%peek-u8", p)).toBe(1);
    expect(call("%read-u8", p)).toBe(1);
    expect(show(call("%read-bytevector", 2, p))).toBe("#u8(2 3)");
    const buf = new Uint8Array(4);
    expect(call("%read-bytevector!", buf, p, 1)).toBe(2);
    expect(show(buf)).toBe("#u8(0 4 5 0)");
    expect(call("%read-u8", p)).toBe(EOF_OBJECT);
    expect(call("%read-bytevector", 3, p)).toBe(EOF_OBJECT);
    expect(call("%read-bytevector!", buf, p)).toBe(EOF_OBJECT);
    expect(call("%u8-ready?", p)).toBe(true);
  });
  test("write-u8, write-bytevector, get-output-bytevector", () => {
    const p = call("open-output-bytevector");
    call("%write-u8", 7, p);
    call("%write-bytevector", Uint8Array.of(1, 2, 3, 4), p, 1, 3);
    for (let i = 0; i < 100; i++) call("%write-u8", i, p);
    const out = call("get-output-bytevector", p) as Uint8Array;
    expect(out.length).toBe(103);
    expect(show(out.subarray(0, 4))).toBe("#u8(7 2 3 0)");
  });
});

describe("file ports", () => {
  const files = new Map<string, Uint8Array>();
  const memoryHost: PortHost = {
    readFile: (p) => files.get(p) ?? null,
    writeFile: (p, d) => void files.set(p, d.slice()),
    fileExists: (p) => files.has(p),
    deleteFile: (p) => void files.delete(p),
    environment: () => ({ HOME: "/home/me" }),
  };
  afterEach(() => setHost(null));

  test("write a file, read it back, delete it", () => {
    setHost(memoryHost);
    const out = call("open-output-file", str("/tmp/a.txt"));
    expect(call("file-exists?", str("/tmp/a.txt"))).toBe(true);
    call("%write-string", str("line 1\nλ line 2\n"), out);
    call("close-port", out);
    const inp = call("open-input-file", str("/tmp/a.txt"));
    expect(show(call("%read-line", inp))).toBe('"line 1"');
    expect(show(call("%read-line", inp))).toBe('"λ line 2"');
    expect(call("%read-line", inp)).toBe(EOF_OBJECT);
    call("delete-file", str("/tmp/a.txt"));
    expect(call("file-exists?", str("/tmp/a.txt"))).toBe(false);
  });
  test("binary files", () => {
    setHost(memoryHost);
    const out = call("open-binary-output-file", str("/tmp/b.bin"));
    call("%write-bytevector", Uint8Array.of(0, 255, 3), out);
    call("%flush-output-port", out);
    expect(show(files.get("/tmp/b.bin"))).toBe("#u8(0 255 3)");
    call("close-output-port", out);
    const inp = call("open-binary-input-file", str("/tmp/b.bin"));
    expect(call("%read-u8", inp)).toBe(0);
    expect(call("%read-u8", inp)).toBe(255);
  });
  test("flushConsole also flushes open file ports", () => {
    setHost(memoryHost);
    const out = call("open-output-file", str("/tmp/c.txt"));
    call("%write-string", str("unflushed"), out);
    flushConsole();
    expect(new TextDecoder().decode(files.get("/tmp/c.txt"))).toBe("unflushed");
    call("close-port", out);
  });
  test("file errors are file-error?", () => {
    setHost(memoryHost);
    const e = payloadOf(() => call("open-input-file", str("/nope")));
    expect(e).toBeInstanceOf(ErrorObject);
    expect(call("file-error?", e)).toBe(true);
    expect(errorOf(() => call("open-input-file", str("/nope")))).toMatch(
      /^open-input-file: cannot open file/,
    );
    expect(
      call(
        "file-error?",
        payloadOf(() => call("delete-file", str("/nope"))),
      ),
    ).toBe(true);
    setHost(null);
    expect(
      call(
        "file-error?",
        payloadOf(() => call("open-input-file", str("/x"))),
      ),
    ).toBe(true);
    expect(call("file-exists?", str("/x"))).toBe(false);
  });
  test("environment variables come from the host", () => {
    setHost(memoryHost);
    expect(show(call("get-environment-variable", str("HOME")))).toBe('"/home/me"');
    expect(call("get-environment-variable", str("NOPE"))).toBe(false);
    expect(show(call("get-environment-variables"))).toBe('(("HOME" . "/home/me"))');
  });
});

describe("console ports", () => {
  afterEach(() => setConsoleSinks({ stdout: () => {}, stderr: () => {}, stdin: () => null }));

  test("output is buffered until a newline, a big chunk or a flush", () => {
    const calls: string[] = [];
    setConsoleSinks({ stdout: (s) => calls.push(s) });
    const out = call("%current-output-port");
    expect(out).toBe(consoleOutput);
    for (let i = 0; i < 100; i++) call("%write-char", ch("x"), out);
    expect(calls).toEqual([]);
    call("%newline", out);
    expect(calls).toEqual(["x".repeat(100) + "\n"]);
    call("%write-string", str("tail"), out);
    flushConsole();
    expect(calls[1]).toBe("tail");
    for (let i = 0; i < 20000; i++) call("%write-char", ch("y"), out);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.length).toBeLessThan(10);
    flushConsole();
    expect(calls.slice(2).join("").length).toBe(20000);
  });
  test("stderr has its own sink", () => {
    let err = "";
    setConsoleSinks({ stderr: (s) => (err += s) });
    call("%write-string", str("oops\n"), call("%current-error-port"));
    expect(err).toBe("oops\n");
  });
  test("input comes from the stdin source in chunks", () => {
    const chunks = ["12 (a", " b)\nline two\n"];
    setConsoleSinks({ stdin: () => chunks.shift() ?? null });
    const inp = stdin();
    expect(show(call("%read", inp))).toBe("12");
    expect(show(call("%read", inp))).toBe("(a b)");
    expect(show(call("%read-line", inp))).toBe('""');
    expect(show(call("%read-line", inp))).toBe('"line two"');
    expect(call("%read-char", inp)).toBe(EOF_OBJECT);
  });
});

describe("time and process context", () => {
  test("current-second is a flonum near now", () => {
    const t = call("current-second");
    const v = typeof t === "number" ? t : (t as { value: number }).value;
    expect(Math.abs(v - Date.now() / 1000)).toBeLessThan(5);
  });
  test("jiffies are exact and increase", () => {
    const a = call("current-jiffy") as number;
    const b2 = call("current-jiffy") as number;
    expect(Number.isInteger(a)).toBe(true);
    expect(b2).toBeGreaterThanOrEqual(a);
    expect(call("jiffies-per-second")).toBe(1000000);
  });
  test("command-line", () => {
    setCommandLine(["prog.scm", "--flag"]);
    expect(show(call("command-line"))).toBe('("prog.scm" "--flag")');
  });
  test("features", () => {
    expect(show(call("features"))).toMatch(/^\(r7rs .*full-unicode/);
  });
});

describe("promises", () => {
  test("make-promise and the promise primitives", () => {
    const p = call("make-promise", 5);
    expect(call("promise?", p)).toBe(true);
    expect(call("promise?", 5)).toBe(false);
    expect(call("%promise-done?", p)).toBe(true);
    expect(call("%promise-value", p)).toBe(5);
    expect(call("make-promise", p)).toBe(p);
    const nested = call("%make-eager-promise", p);
    expect(nested).not.toBe(p);
    expect(call("%promise-value", nested)).toBe(p);
  });
  test("lazy promises share boxes after update", () => {
    const thunk = b.get("list") as Primitive;
    const lazy = call("%make-lazy-promise", thunk);
    expect(call("%promise-done?", lazy)).toBe(false);
    expect(call("%promise-value", lazy)).toBe(thunk);
    call("%promise-update!", call("make-promise", 9), lazy);
    expect(call("%promise-done?", lazy)).toBe(true);
    expect(call("%promise-value", lazy)).toBe(9);
    expect(errorOf(() => call("%make-lazy-promise", 5))).toBe(
      "delay-force: expected a procedure, got 5",
    );
    expect(errorOf(() => call("%promise-update!", 5, lazy))).toBe(
      "force: expected a promise, got 5",
    );
  });
});

describe("library table", () => {
  test("every R7RS library is present", () => {
    for (const lib of [
      "scheme base",
      "scheme case-lambda",
      "scheme char",
      "scheme complex",
      "scheme cxr",
      "scheme eval",
      "scheme file",
      "scheme inexact",
      "scheme lazy",
      "scheme load",
      "scheme process-context",
      "scheme read",
      "scheme repl",
      "scheme time",
      "scheme write",
      "scheme r5rs",
    ])
      expect(STANDARD_LIBRARIES[lib], lib).toBeDefined();
  });
  test("sizes match R7RS appendix A", () => {
    const base = STANDARD_LIBRARIES["scheme base"];
    expect(base.length).toBe(238);
    for (const name of ["_", "...", "=>", "else", "port?", "string-copy!", "read-error?", "square"])
      expect(base, name).toContain(name);
    expect(base).not.toContain("import"); // a program form, not an exported binding
    expect(STANDARD_LIBRARIES["scheme char"].length).toBe(22);
    expect(STANDARD_LIBRARIES["scheme cxr"].length).toBe(24);
  });
  test("library names are unique within each library", () => {
    for (const [lib, names] of Object.entries(STANDARD_LIBRARIES))
      expect(new Set(names).size, lib).toBe(names.length);
  });
  test("every procedure this runtime defines in TS and exports is a builtin here", () => {
    const mine = ["scheme char", "scheme cxr", "scheme time", "srfi 4"];
    for (const lib of mine)
      for (const name of STANDARD_LIBRARIES[lib])
        expect(b.get(name), `${lib}: ${name}`).toBeDefined();
  });
});
