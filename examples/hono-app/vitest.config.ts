import { cloudflareTest } from "@flarelet/vitest";
import { defineConfig } from "vitest/config";

// The app's own tests, in-process: the routes through SELF, as a client would call them.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
});
