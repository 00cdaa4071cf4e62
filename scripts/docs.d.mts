// Types of scripts/docs.mjs (used by docs/e2e/course.spec.ts).
export declare const docsRoot: string;
export declare const docsConfig: string;
export declare const courseOutDir: string;
export declare function ensureCourseBuilt(options?: {
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{ outDir: string; built: boolean; seconds: number }>;
export declare function ensureSiteBuilt(options?: {
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{
  playground: { outDir: string; built: boolean; seconds: number };
  course: { outDir: string; built: boolean; seconds: number };
  seconds: number;
}>;
export declare function startCourse(options?: {
  host?: string;
  port?: number;
  strictPort?: boolean;
  log?: (line: string) => void;
}): Promise<{ url: string; courseUrl: string; buildSeconds: number; close: () => Promise<void> }>;
