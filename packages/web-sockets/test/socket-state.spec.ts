/**
 * The WebSocket's state machine as a table (src/socket-state.ts): every transition there is, and that no
 * other trigger changes anything. The behaviour each one stands for is tested through real sockets in
 * pair.spec.ts, couple.spec.ts, client.spec.ts and reload.spec.ts.
 */
import { describe, expect, it } from "vitest";
import { PROPERTIES, STATES, transition, type SocketState, type Trigger } from "../src/socket-state.js";

const TRIGGERS: readonly Trigger[] = [
  "accept",
  "claim",
  "connected",
  "connect-failed",
  "cancel",
  "user-close",
  "runtime-close",
  "peer-close",
  "peer-gone",
  "error",
];

type Name = keyof typeof STATES;

/** from → trigger → to, by the names of STATES; every pair not listed changes nothing. */
const TABLE: Partial<Record<Name, Partial<Record<Trigger, Name>>>> = {
  connecting: { connected: "open", "connect-failed": "errored", cancel: "connectingCancelled" },
  connectingCancelled: { connected: "closeSentByUser", "connect-failed": "erroredByUser", cancel: "connectingCancelled" },
  pending: { accept: "open", claim: "released", "runtime-close": "pendingCloseSent" },
  pendingCloseSent: { accept: "closeSent" },
  open: { "user-close": "closeSentByUser", "runtime-close": "closeSent", "peer-close": "closeReceived", "peer-gone": "closed", error: "errored" },
  closeSent: { "peer-close": "closed", "peer-gone": "closed", error: "errored" },
  closeSentByUser: { "peer-close": "closedByUser", "peer-gone": "closedByUser", error: "erroredByUser" },
  closeReceived: { "user-close": "closedByUser", "runtime-close": "closed", error: "closed" },
  errored: { "peer-close": "closed", "peer-gone": "closed" },
  erroredByUser: { "peer-close": "closedByUser", "peer-gone": "closedByUser" },
};

const nameOf = (state: SocketState | undefined): Name | undefined =>
  state === undefined ? undefined : (Object.entries(STATES).find(([, candidate]) => candidate === state)?.[0] as Name);

describe("socket-state: the transition table", () => {
  const cases = (Object.keys(STATES) as Name[]).flatMap((from) =>
    TRIGGERS.map((trigger) => [from, trigger, TABLE[from]?.[trigger]] as const),
  );

  it.each(cases)("%s --%s--> %s", (from, trigger, to) => {
    expect(nameOf(transition(STATES[from], trigger))).toBe(to);
  });
});

describe("socket-state: what each state allows", () => {
  it.each([
    ["connecting", 0],
    ["pending", 1],
    ["released", 1],
    ["open", 1],
    ["pending-close-sent", 2],
    ["close-sent", 2],
    ["close-received", 2],
    ["closed", 3],
    ["errored", 3],
  ] as const)("readyState of %s is %i", (kind, readyState) => {
    expect(PROPERTIES[kind].readyState).toBe(readyState);
  });

  it("only an accepted (or connected) socket delivers events, and only with its inbound side open, messages", () => {
    const delivering = Object.entries(PROPERTIES).filter(([, properties]) => properties.delivers).map(([kind]) => kind);
    const receiving = Object.entries(PROPERTIES).filter(([, properties]) => properties.receivesMessages).map(([kind]) => kind);
    expect(delivering).toEqual(["open", "close-sent", "close-received", "closed", "errored"]);
    expect(receiving).toEqual(["open", "close-sent"]);
  });

  it("only a socket waiting for accept() can be returned in a Response", () => {
    const couplable = Object.entries(PROPERTIES).filter(([, properties]) => properties.couplable === "yes").map(([kind]) => kind);
    expect(couplable).toEqual(["pending", "pending-close-sent"]);
  });

  it("states are frozen constants, so a transition allocates nothing", () => {
    for (const state of Object.values(STATES)) expect(Object.isFrozen(state)).toBe(true);
  });
});
