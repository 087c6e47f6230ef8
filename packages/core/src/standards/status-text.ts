/**
 * The statusText workerd gives a Response made without one: the IANA reason phrase (Node's table, which is
 * the same but for the three codes below), or the class of the status for a code without one ("Successful",
 * "Client Error"…). Measured on workerd over 200–599 (the conformance harness; see docs/conformance.md).
 */
import { STATUS_CODES } from "node:http";

const DIFFERENT_FROM_NODE: Record<number, string> = {
  418: "I'm a teapot", // Node: "I'm a Teapot"
  425: "Client Error", // Node: "Too Early"
  509: "Server Error", // Node: "Bandwidth Limit Exceeded"
};

const BY_CLASS = ["", "Informational", "Successful", "Redirection", "Client Error", "Server Error"];

export function defaultStatusText(status: number): string {
  return DIFFERENT_FROM_NODE[status] ?? STATUS_CODES[status] ?? BY_CLASS[Math.floor(status / 100)] ?? "";
}
