// R7RS §6.5 symbols, plus uninterned symbols (`gensym`, `string->uninterned-symbol`).
import type { Builtins } from "./registry.ts";
import { wrongType } from "../errors.ts";
import { MString, Sym } from "../values.ts";
import { checkString, checkSymbol } from "./args.ts";

/** Defines the symbol primitives. */
export function install(b: Builtins): void {
  b.define("symbol?", 1, 1, (x: unknown) => x instanceof Sym);
  b.define("symbol=?", 1, -1, (...xs: unknown[]) => {
    for (const x of xs) checkSymbol("symbol=?", x);
    return xs.every((x) => x === xs[0]);
  });
  // The name of a symbol is immutable, like a literal (R7RS §6.5).
  b.define("symbol->string", 1, 1, (s: unknown) =>
    MString.from(checkSymbol("symbol->string", s).name, false),
  );
  b.define("string->symbol", 1, 1, (s: unknown) =>
    Sym.intern(checkString("string->symbol", s).toString()),
  );
  b.define("symbol<?", 1, -1, (...xs: unknown[]) => {
    const names = xs.map((x) => checkSymbol("symbol<?", x).name);
    for (let i = 1; i < names.length; i++) if (!(names[i - 1] < names[i])) return false;
    return true;
  });
  b.define("string->uninterned-symbol", 1, 1, (s: unknown) =>
    uninterned(checkString("string->uninterned-symbol", s).toString()),
  );
  b.define("gensym", 0, 1, (prefix: unknown) => {
    if (prefix === undefined) return Sym.gensym();
    if (prefix instanceof MString) return Sym.gensym(prefix.toString());
    if (prefix instanceof Sym) return Sym.gensym(prefix.name);
    return wrongType("gensym", "a string or symbol prefix", prefix);
  });
  b.define("symbol-interned?", 1, 1, (s: unknown) => {
    const sym = checkSymbol("symbol-interned?", s);
    return Sym.intern(sym.name) === sym;
  });
}

/** A fresh symbol with exactly this name, distinct from the interned one. */
function uninterned(name: string): Sym {
  // Sym.gensym appends a counter; build the exact name by borrowing its constructor.
  const s = Sym.gensym("");
  Object.defineProperty(s, "name", { value: name });
  return s;
}
