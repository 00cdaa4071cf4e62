// Types of scripts/playground.mjs (used by playground/e2e/server.ts and scripts/docs.mjs).
export declare const repoRoot: string;
export declare const playgroundRoot: string;
export declare const playgroundConfig: string;
/** Newest modification time (ms) under a file or folder; 0 if it does not exist. */
export declare function newest(path: string): number;
export declare function ensureBuilt(options?: {
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{ outDir: string; built: boolean; seconds: number }>;
export declare function freePort(host?: string): Promise<number>;
export declare function startPreview(options?: {
  host?: string;
  port?: number;
  strictPort?: boolean;
}): Promise<{ url: string; close: () => Promise<void> }>;
export declare function serveUntilStopped(
  args: string[],
  defaultPort: number,
  banner: (url: string) => string,
): Promise<void>;
