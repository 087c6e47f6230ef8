import { defineConfig } from "vitest/config";

// The browser test only (`pnpm --filter @flarelet/example-chat test:browser`, a step of .ci/run): it drives a
// real Chromium, so it is not part of `pnpm test`. It uses flarelet's built dist/, as an app would.
export default defineConfig({
  test: {
    include: ["test/**/*.spec.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"],
  },
});
