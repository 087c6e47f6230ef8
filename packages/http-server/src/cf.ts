/**
 * `request.cf`: what Cloudflare's edge knows about a visitor (IncomingRequestCfProperties). Nothing runs
 * behind Cloudflare here, so this is a fixed local placeholder (a visitor in Austin, Texas, as Miniflare 2's
 * fallback) plus what the connection itself tells us: HTTP version and TLS. It is never fetched from the
 * network. A fresh object is made for every request, so a worker that changes it changes only its own.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export type RequestCf = Record<string, unknown>;

/** The placeholder's country: also the `CF-IPCountry` header. */
export const PLACEHOLDER_COUNTRY = "US";

export function createCf(req: IncomingMessage, clientAcceptEncoding: string | undefined): RequestCf {
  // One object literal rather than a spread of a template: made for every request, this is on the hot path.
  const cf: RequestCf = {
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

/**
 * A `CF-Ray` id: 16 random hex digits. An id, not a secret: Math.random is enough, and crypto's
 * randomBytes cost more than the rest of the request conversion.
 */
export function randomRay(): string {
  return hex8() + hex8();
}

function hex8(): string {
  return (Math.random() * 0x100000000 >>> 0).toString(16).padStart(8, "0");
}

/** The visitor's IP as the runtime reports it: IPv4 without the `::ffff:` mapping, `::1` as 127.0.0.1. */
export function clientIp(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return "127.0.0.1";
  if (remoteAddress === "::1") return "127.0.0.1";
  if (remoteAddress.startsWith("::ffff:")) return remoteAddress.slice("::ffff:".length);
  return remoteAddress;
}
