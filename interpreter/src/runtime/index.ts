// Installs every runtime module into one Builtins table. The Scheme half of the runtime is in
// prelude/*.scm, which the facade expands in the system environment once the builtins exist.
import { Builtins } from "./registry.ts";
import { install as installNumeric } from "./numeric.ts";
import { install as installControl } from "./control.ts";
import { install as installEquivalence } from "./equivalence.ts";
import { install as installLists } from "./lists.ts";
import { install as installSymbols } from "./symbols.ts";
import { install as installChars } from "./chars.ts";
import { install as installStrings } from "./strings.ts";
import { install as installVectors } from "./vectors.ts";
import { install as installBytevectors } from "./bytevectors.ts";
import { install as installSrfi4 } from "./srfi4.ts";
import { install as installRecords } from "./records.ts";
import { install as installHashTables } from "./hashtables.ts";
import { install as installPorts } from "./ports.ts";
import { install as installSystem } from "./system.ts";
import { install as installPromises } from "./promises.ts";
import { install as installBinary } from "./binary.ts";

/** Fills `b` with every builtin primitive and value. */
export function installAll(b: Builtins = new Builtins()): Builtins {
  installNumeric(b);
  installControl(b);
  installEquivalence(b);
  installLists(b);
  installSymbols(b);
  installChars(b);
  installStrings(b);
  installVectors(b);
  installBytevectors(b);
  installSrfi4(b); // after bytevectors: u8vector-copy & co. are the bytevector procedures
  installRecords(b);
  installHashTables(b);
  installPorts(b);
  installSystem(b);
  installPromises(b);
  installBinary(b);
  return b;
}

/**
 * The prelude files under `prelude/`, in a load order that works (control.scm, the control
 * helper's, first). Order matters little: prelude procedures refer to each other only inside
 * their bodies, so only top-level calls (make-parameter in ports.scm) need their callee loaded.
 */
export const PRELUDE_FILES = [
  "control.scm",
  "environments.scm",
  "hashtables.scm",
  "lazy.scm",
  "lists.scm",
  "ports.scm",
  "strings.scm",
];
