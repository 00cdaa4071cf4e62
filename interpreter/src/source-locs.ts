// Where each datum came from. The reader records locations here instead of on the data, so
// runtime pairs pay nothing; the expander and compiler look them up.
import type { Loc, Pair } from "./values.ts";

/** A list (keyed by its first pair) or vector (keyed by the array): the range of the whole form. */
export const formLocs = new WeakMap<object, Loc>();
/** For every pair of a list read from source: the range of that pair's `car` datum. */
export const carLocs = new WeakMap<Pair, Loc>();
