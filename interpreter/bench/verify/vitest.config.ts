// Runs the conformance tests against Guile instead of NanoLM, to check the expected values:
//   npx vitest run --config interpreter/bench/verify/vitest.config.ts [test files]
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  resolve: { alias: [{ find: /^\.\/helpers\.ts$/, replacement: here("./guile-helpers.ts") }] },
  test: {
    root: fileURLToPath(new URL("../../..", import.meta.url)),
    include: ["interpreter/test/r7rs-*.test.ts", "interpreter/test/programs.test.ts"],
    testTimeout: 600_000,
    pool: "forks",
  },
});
