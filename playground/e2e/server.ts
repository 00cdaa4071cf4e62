// The built playground served by `vite preview` on a free port, for the browser tests and the
// benchmark. Building (into playground/dist) happens only when a source is newer than the last
// build; the logic is shared with `npm start` (scripts/playground.mjs).
import { ensureBuilt, startPreview } from "../../scripts/playground.mjs";

export interface PlaygroundServer {
  /** Origin + "/", e.g. http://127.0.0.1:41234/ */
  url: string;
  /** Seconds spent building (0 when the build was up to date). */
  buildSeconds: number;
  close(): Promise<void>;
}

/** Build if needed, then serve; call close() when done. */
export async function startPlayground(): Promise<PlaygroundServer> {
  const { seconds } = await ensureBuilt({ log: (line) => console.log(`[playground] ${line}`) });
  const server = await startPreview();
  return { url: server.url, buildSeconds: seconds, close: server.close };
}
