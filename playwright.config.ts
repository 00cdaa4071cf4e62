// Browser tests (`npx playwright test`, run by `npm test` after vitest): the playground's and the
// course's end-to-end specs, in Debian's Chromium (/usr/bin/chromium; Playwright never downloads a
// browser here). Each spec file starts its own preview server of the built site. Screenshots and
// traces of failures land in build/playwright (the CI artifacts).
import { defineConfig } from "@playwright/test";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: ".",
  testMatch: ["playground/e2e/**/*.spec.ts", "docs/e2e/**/*.spec.ts"],
  outputDir: "build/playwright/results",
  timeout: 180_000,
  expect: { timeout: 60_000 },
  // Two cores: one browser at a time keeps timings honest and the machine responsive.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [
    ["list"],
    ["html", { outputFolder: "build/playwright/report", open: "never" }],
    ["json", { outputFile: "build/playwright/results.json" }],
  ],
  use: {
    browserName: "chromium",
    launchOptions: { executablePath: chromium },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
