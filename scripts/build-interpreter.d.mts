// Types of scripts/build-interpreter.mjs (used by interpreter/test/snapshot-bundle.test.ts).
export declare const schemeBlob: string;
export declare function withComputedCharBuckets(source: string): string | null;
export declare function buildSchemeSnapshot(): Promise<void>;
export declare function ensureSchemeSnapshot(): Promise<string>;
