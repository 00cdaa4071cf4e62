// Types of scripts/playground.mjs (used by playground/test/server.ts).
export declare const repoRoot: string;
export declare const playgroundRoot: string;
export declare const playgroundConfig: string;
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
