/**
 * The Durable Object case: 100 `ws` clients in one room; 10 of them keep one message each in flight, and
 * every message is sent by the room to all 100. Measured: messages delivered per second (each copy a
 * client receives counts), and the sender's round trip (its send → its own copy back) at p50 and p99.
 * Every client must receive every message sent in the window, in order per sender.
 */
import { connectMany, closeAll } from "./ws-cases.mjs";
import { percentiles, Samples } from "./stats.mjs";

const DRAIN_TIMEOUT_MS = 10_000;

export async function runRoom(wsUrl, { clients = 100, senders = 10, warmupMs, durationMs }) {
  const sockets = await connectMany(`${wsUrl}room`, clients, 20);
  try {
    const delivered = new Array(clients).fill(0);
    const lastSeq = sockets.map(() => new Map());
    const latencies = new Samples();
    let measuring = false;
    let stopping = false;
    let windowDeliveries = 0;
    let disorder = 0;
    const pending = new Map();

    sockets.forEach((ws, index) => {
      ws.on("message", (data) => {
        const [sender, seq] = String(data).split(":").map(Number);
        if (seq <= (lastSeq[index].get(sender) ?? -1)) disorder++;
        lastSeq[index].set(sender, seq);
        delivered[index]++;
        if (measuring) windowDeliveries++;
        if (index === sender) pending.get(sender)?.(seq);
      });
    });

    const sendLoop = async (sender) => {
      const ws = sockets[sender];
      for (let seq = 0; !stopping; seq++) {
        const sentAt = process.hrtime.bigint();
        const back = new Promise((resolve) => pending.set(sender, resolve));
        ws.send(`${sender}:${seq}`);
        await back;
        if (measuring) latencies.push(Number(process.hrtime.bigint() - sentAt) / 1000);
      }
    };
    const loops = Array.from({ length: senders }, (_, sender) => sendLoop(sender));
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    measuring = true;
    const started = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    measuring = false;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    stopping = true;
    let timer;
    await Promise.race([
      Promise.all(loops),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the room did not deliver every message in time")), DRAIN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    // Every client got every message: the counts are equal once the senders are done (give stragglers a moment).
    const settleUntil = Date.now() + 2000;
    while (new Set(delivered).size > 1 && Date.now() < settleUntil) await new Promise((resolve) => setTimeout(resolve, 10));
    if (new Set(delivered).size > 1) throw new Error(`clients received different numbers of messages: ${Math.min(...delivered)}–${Math.max(...delivered)}`);
    if (disorder > 0) throw new Error(`${disorder} messages arrived out of order`);
    const [p50, p99] = percentiles(latencies.values(), [50, 99]);
    return { deliveriesPerSecond: windowDeliveries / seconds, p50Us: p50, p99Us: p99 };
  } finally {
    await closeAll(sockets);
  }
}
