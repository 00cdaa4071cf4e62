// The procedures behind `define-record-type` (R7RS §5.5). The expander calls these internal
// primitives with the record type's name and field symbols; each returns a Primitive specialised
// to one record type. Their names follow the usual convention (`make-point`, `point?`, `point-x`,
// `set-point-x!`); the expander may rename them, and error messages use the current name.
import type { Builtins } from "./registry.ts";
import { schemeError, wrongType } from "../errors.ts";
import { Primitive, Record, RecordType, Sym, UNSPECIFIED } from "../values.ts";
import { checkList, checkSymbol } from "./args.ts";

/** `<point>` → `point`: the name users say in messages. */
export function recordTypeShortName(rtd: RecordType): string {
  const m = /^<(.+)>$/.exec(rtd.name);
  return m ? m[1] : rtd.name;
}

function checkRtd(who: string, x: unknown): RecordType {
  if (x instanceof RecordType) return x;
  return wrongType(who, "a record type descriptor", x);
}

function fieldIndex(who: string, rtd: RecordType, field: unknown): number {
  const name = checkSymbol(who, field).name;
  const i = rtd.fieldNames.indexOf(name);
  if (i < 0) schemeError(`${who}: record type ${rtd.name} has no field ${name}`);
  return i;
}

function makeRecordType(name: unknown, fields: unknown): RecordType {
  const typeName = checkSymbol("%make-record-type", name).name;
  const fieldNames = checkList("%make-record-type", fields).map(
    (f) => checkSymbol("%make-record-type", f).name,
  );
  const dup = fieldNames.find((f, i) => fieldNames.indexOf(f) !== i);
  if (dup !== undefined) schemeError(`define-record-type: duplicate field ${dup} in ${typeName}`);
  return new RecordType(typeName, fieldNames);
}

/** The constructor takes the listed fields, in that order; other fields start as #f. */
function recordConstructor(rtdArg: unknown, fieldsArg: unknown): Primitive {
  const rtd = checkRtd("%record-constructor", rtdArg);
  const positions =
    fieldsArg === false
      ? rtd.fieldNames.map((_, i) => i)
      : checkList("%record-constructor", fieldsArg).map((f) =>
          fieldIndex("%record-constructor", rtd, f),
        );
  const n = positions.length;
  const width = rtd.fieldNames.length;
  const allInOrder = n === width && positions.every((p, i) => p === i);
  const ctor: Primitive = new Primitive(
    `make-${recordTypeShortName(rtd)}`,
    (...args: unknown[]) => {
      if (args.length !== n)
        schemeError(
          `${ctor.name}: expected ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`,
        );
      if (allInOrder) return new Record(rtd, args);
      const fields = new Array(width).fill(false);
      for (let i = 0; i < n; i++) fields[positions[i]] = args[i];
      return new Record(rtd, fields);
    },
    n,
    n,
  );
  return ctor;
}

function recordPredicate(rtdArg: unknown): Primitive {
  const rtd = checkRtd("%record-predicate", rtdArg);
  return new Primitive(
    `${recordTypeShortName(rtd)}?`,
    (x: unknown) => x instanceof Record && x.type === rtd,
    1,
    1,
  );
}

function recordAccessor(rtdArg: unknown, field: unknown): Primitive {
  const rtd = checkRtd("%record-accessor", rtdArg);
  const i = fieldIndex("%record-accessor", rtd, field);
  const expected = `a ${recordTypeShortName(rtd)}`;
  const accessor: Primitive = new Primitive(
    `${recordTypeShortName(rtd)}-${rtd.fieldNames[i]}`,
    (x: unknown) => {
      if (!(x instanceof Record && x.type === rtd)) wrongType(accessor.name!, expected, x);
      return x.fields[i];
    },
    1,
    1,
  );
  return accessor;
}

function recordModifier(rtdArg: unknown, field: unknown): Primitive {
  const rtd = checkRtd("%record-modifier", rtdArg);
  const i = fieldIndex("%record-modifier", rtd, field);
  const expected = `a ${recordTypeShortName(rtd)}`;
  const modifier: Primitive = new Primitive(
    `set-${recordTypeShortName(rtd)}-${rtd.fieldNames[i]}!`,
    (x: unknown, v: unknown) => {
      if (!(x instanceof Record && x.type === rtd)) wrongType(modifier.name!, expected, x);
      x.fields[i] = v;
      return UNSPECIFIED;
    },
    2,
    2,
  );
  return modifier;
}

/** Defines the record primitives the expander uses for define-record-type. */
export function install(b: Builtins): void {
  b.define("%make-record-type", 2, 2, makeRecordType);
  b.define("%record-constructor", 2, 2, recordConstructor);
  b.define("%record-predicate", 1, 1, recordPredicate);
  b.define("%record-accessor", 2, 2, recordAccessor);
  b.define("%record-modifier", 2, 2, recordModifier);
  b.define("record?", 1, 1, (x: unknown) => x instanceof Record);
  b.define("%record-type-name", 1, 1, (rtd: unknown) =>
    Sym.intern(checkRtd("%record-type-name", rtd).name),
  );
}
