export { flareletVitest, flareletVitest as cloudflareTest } from "./plugin.js";
export type { FlareletVitestOptions } from "./options.js";
