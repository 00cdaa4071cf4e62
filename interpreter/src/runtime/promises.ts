// (scheme lazy) promises, after the R7RS reference implementation of `delay-force` (§7.3): a
// promise points to a shared box {done, value}; forcing a chain of delay-forces rewires boxes so
// it runs in constant space. `force` itself is in the prelude (it calls the thunks).
import type { Builtins } from "./registry.ts";
import { wrongType } from "../errors.ts";
import { Procedure, UNSPECIFIED } from "../values.ts";

interface PromiseBox {
  done: boolean;
  /** The value once done; before that, the thunk that computes the next promise. */
  value: unknown;
}

/** A promise; promises chained by delay-force come to share one box. */
export class SchemePromise {
  constructor(public box: PromiseBox) {}
  /** How the printer shows it: `#<promise>`. */
  readonly typeName = "promise";
}

function checkPromise(who: string, x: unknown): SchemePromise {
  if (x instanceof SchemePromise) return x;
  return wrongType(who, "a promise", x);
}

/** Defines the promise primitives of (scheme lazy). */
export function install(b: Builtins): void {
  b.define("promise?", 1, 1, (x: unknown) => x instanceof SchemePromise);
  b.define("make-promise", 1, 1, (x: unknown) =>
    x instanceof SchemePromise ? x : new SchemePromise({ done: true, value: x }),
  );
  // A done promise holding x, even when x is itself a promise: what `delay` needs, so that
  // (force (delay (delay 1))) is a promise, as in R7RS's reference implementation.
  b.define(
    "%make-eager-promise",
    1,
    1,
    (x: unknown) => new SchemePromise({ done: true, value: x }),
  );
  // (delay-force expr) ≡ (%make-lazy-promise (lambda () expr)); (delay expr) ≡
  // (%make-lazy-promise (lambda () (%make-eager-promise expr))).
  b.define("%make-lazy-promise", 1, 1, (thunk: unknown) => {
    if (!(thunk instanceof Procedure)) wrongType("delay-force", "a procedure", thunk);
    return new SchemePromise({ done: false, value: thunk });
  });
  b.define("%promise-done?", 1, 1, (p: unknown) => checkPromise("force", p).box.done);
  b.define("%promise-value", 1, 1, (p: unknown) => checkPromise("force", p).box.value);
  // R7RS's promise-update!: the outer promise takes the inner one's state, and they share a box.
  b.define("%promise-update!", 2, 2, (inner: unknown, outer: unknown) => {
    const p = checkPromise("force", inner);
    const q = checkPromise("force", outer);
    q.box.done = p.box.done;
    q.box.value = p.box.value;
    p.box = q.box;
    return UNSPECIFIED;
  });
}
