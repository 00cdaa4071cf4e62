/// <reference lib="webworker" />
// The Scheme engine in a Web Worker: builds a SchemeHost (scheme-host.ts) with the prelude and the
// engine's scheme-lib sources bundled as text, and connects it to postMessage. The UI talks to it
// through scheme-client.ts with the messages of protocol.ts.
import { PRELUDE_FILES } from "../../interpreter/src/runtime/index.ts";
import { SchemeHost } from "./scheme-host.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

const preludeTexts = import.meta.glob("../../interpreter/src/runtime/prelude/*.scm", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const libraryTexts = import.meta.glob("../../scheme-lib/nano/*.sld", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const prelude = PRELUDE_FILES.map((name) => {
  const text = preludeTexts[`../../interpreter/src/runtime/prelude/${name}`];
  if (text === undefined) throw new Error(`prelude file ${name} is missing from the bundle`);
  return { name: `<prelude>/${name}`, text };
});
const libraryFiles: Record<string, string> = {};
for (const [path, text] of Object.entries(libraryTexts))
  libraryFiles[path.replace("../../scheme-lib/", "")] = text;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromWorker, transfer: Transferable[] = []): void =>
  scope.postMessage(msg, transfer);

let host: SchemeHost | null = null;
const early: ToWorker[] = [];
scope.onmessage = (e: MessageEvent<ToWorker>) => {
  if (host) void host.handle(e.data);
  else early.push(e.data);
};

try {
  host = new SchemeHost({ prelude, libraryFiles, post });
  post({ type: "ready" });
  for (const msg of early.splice(0)) void host.handle(msg);
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  post({
    type: "error",
    message,
    report: e instanceof Error && e.stack ? e.stack : message,
    loc: null,
  });
}
