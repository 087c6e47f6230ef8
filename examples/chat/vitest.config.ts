import { cloudflareTest } from "@flarelet/vitest";
import { defineConfig } from "vitest/config";

// The chat's own tests (`pnpm test`): the ChatRoom Durable Object and the worker, in-process with
// @flarelet/vitest. The browser test (test/browser.spec.ts) has a config of its own, vitest.browser.config.ts.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
  test: { include: ["test/**/*.test.ts"] },
});
