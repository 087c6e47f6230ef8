import type { ViteUserConfig } from "vitest/config";

/**
 * Test settings every package shares. The `@flarelet/source` condition makes workspace packages resolve to
 * their TypeScript sources (see each package.json `exports`), so tests need no build of their dependencies;
 * only tests that spawn the CLI use `dist/`.
 */
export const sharedTestConfig: ViteUserConfig = {
  resolve: { conditions: ["@flarelet/source"] },
  ssr: { resolve: { conditions: ["@flarelet/source"] } },
  test: {
    include: ["test/**/*.spec.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"],
  },
};
