import { defineConfig } from "vitest/config";

// CI asks for a JSON report too (VITEST_JSON=path), so `npm test` stays the one test command
// even though it runs Playwright after vitest.
const json = process.env.VITEST_JSON;

export default defineConfig({
  test: {
    include: ["**/test/**/*.test.ts"],
    exclude: ["node_modules/**", "**/build/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["scripts/vitest-temp.ts"],
    reporters: json ? ["default", "json"] : ["default"],
    outputFile: json ? { json } : undefined,
  },
});
