/**
 * The `https` option's key and certificate: each is PEM text or a path to a PEM file. Files are read when
 * the server is created (not when the plugin is), so that a certificate renewed on disk is picked up by
 * the next `createServer`.
 */
import { FlareletError } from "@flarelet/core";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HttpsOptions } from "./plugin.js";

/** PEM text always has an armour line such as "-----BEGIN CERTIFICATE-----"; a file path never does. */
export function isPem(value: string): boolean {
  return value.includes("-----BEGIN");
}

export async function loadHttpsOptions(https: HttpsOptions): Promise<{ key: string; cert: string }> {
  const [key, cert] = await Promise.all([readPem("key", https.key), readPem("cert", https.cert)]);
  return { key, cert };
}

async function readPem(field: "key" | "cert", value: string): Promise<string> {
  if (isPem(value)) return value;
  const file = path.resolve(value);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new FlareletError("ERR_INVALID_OPTION", `[plugin http-server] Cannot read https.${field} from ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isPem(text)) {
    throw new FlareletError("ERR_INVALID_OPTION", `[plugin http-server] https.${field} file ${file} is not PEM (no "-----BEGIN" line).`);
  }
  return text;
}
