/**
 * `request.cf`: what Cloudflare's edge knows about a visitor (IncomingRequestCfProperties). Nothing runs
 * behind Cloudflare here, so this is a fixed local placeholder (a visitor in Austin, Texas, as Miniflare 2's
 * fallback) plus what the connection itself tells us: HTTP version and TLS. It is never fetched from the
 * network. A fresh object is made for every request, so a worker that changes it changes only its own.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export type RequestCf = Record<string, unknown>;

/** The placeholder's country: also the `CF-IPCountry` header. */
export const PLACEHOLDER_COUNTRY = "US";

const PLACEHOLDER_LOCATION = {
  asn: 395747,
  asOrganization: "Cloudflare, Inc.",
  colo: "DFW",
  country: PLACEHOLDER_COUNTRY,
  continent: "NA",
  city: "Austin",
  region: "Texas",
  regionCode: "TX",
  postalCode: "78701",
  metroCode: "635",
  latitude: "30.27130",
  longitude: "-97.74260",
  timezone: "America/Chicago",
} as const;

export function createCf(req: IncomingMessage, clientAcceptEncoding: string | undefined): RequestCf {
  const cf: RequestCf = {
    ...PLACEHOLDER_LOCATION,
    clientTcpRtt: 0,
    edgeRequestKeepAliveStatus: 1,
    httpProtocol: `HTTP/${req.httpVersion}`,
    requestPriority: "",
  };
  // Present only when the visitor's header was replaced (request.ts), as the runtime documents it.
  if (clientAcceptEncoding !== undefined) cf.clientAcceptEncoding = clientAcceptEncoding;
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted === true) {
    cf.tlsVersion = socket.getProtocol?.() ?? "";
    cf.tlsCipher = socket.getCipher?.()?.name ?? "";
  }
  return cf;
}

/** A `CF-Ray` id: 16 random hex digits. */
export function randomRay(): string {
  return randomBytes(8).toString("hex");
}

/** The visitor's IP as the runtime reports it: IPv4 without the `::ffff:` mapping, `::1` as 127.0.0.1. */
export function clientIp(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return "127.0.0.1";
  if (remoteAddress === "::1") return "127.0.0.1";
  if (remoteAddress.startsWith("::ffff:")) return remoteAddress.slice("::ffff:".length);
  return remoteAddress;
}
