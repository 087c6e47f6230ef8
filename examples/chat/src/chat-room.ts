// One chat room, as a Durable Object that uses the WebSocket Hibernation API: it can leave memory while its
// users stay connected, and is constructed again for the next message. What it needs after a wake-up is
// kept outside its fields: each socket's user name in its attachment, one tag per user (to count their
// tabs), the last 100 messages in storage. The page's heartbeat ("ping") is answered without waking it.
import { DurableObject } from "cloudflare:workers";

interface Attachment {
  user: string;
}

interface ChatMessage {
  user: string;
  text: string;
  at: number;
}

/** What the page receives, as JSON. */
type ServerEvent =
  | { type: "history"; messages: ChatMessage[] }
  | ({ type: "message" } & ChatMessage)
  | { type: "join" | "leave"; user: string; online: string[] };

const HISTORY_LENGTH = 100;
const MAX_TEXT_LENGTH = 1000;
const OPEN = 1;

const tagOf = (user: string) => `user:${user}`;

/** A Close code the object may send back (the client's own, or 1000 for the ones only a runtime reports). */
function replyCode(code: number): number {
  return code >= 1000 && code < 5000 && ![1004, 1005, 1006, 1015].includes(code) ? code : 1000;
}

export class ChatRoom extends DurableObject {
  declare ctx: DurableObjectState;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    // The heartbeat: answered by the runtime, whether the object is in memory or not.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("Expected a WebSocket upgrade\n", { status: 426 });
    }
    const user = new URL(request.url).searchParams.get("user")?.trim().slice(0, 32) ?? "";
    if (user === "") return new Response("Say who you are: ?user=<name>\n", { status: 400 });

    const [client, server] = Object.values(new WebSocketPair()) as [WorkersWebSocket, WorkersWebSocket];
    this.ctx.acceptWebSocket(server, [tagOf(user)]);
    server.serializeAttachment({ user } satisfies Attachment);
    server.send(JSON.stringify({ type: "history", messages: await this.history() } satisfies ServerEvent));
    // Only a user's first tab announces them.
    if (this.ctx.getWebSockets(tagOf(user)).length === 1) this.broadcast({ type: "join", user, online: this.online() });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WorkersWebSocket, data: string | ArrayBuffer): Promise<void> {
    if (typeof data !== "string") return;
    let text: unknown;
    try {
      text = (JSON.parse(data) as { text?: unknown }).text;
    } catch {
      return;
    }
    if (typeof text !== "string" || text.trim() === "") return;
    // The name comes from the socket's attachment: it survives hibernation, a field would not.
    const { user } = ws.deserializeAttachment() as Attachment;
    const message: ChatMessage = { user, text: text.slice(0, MAX_TEXT_LENGTH), at: Date.now() };
    const history = await this.history();
    history.push(message);
    await this.ctx.storage.put("history", history.slice(-HISTORY_LENGTH));
    this.broadcast({ type: "message", ...message });
  }

  async webSocketClose(ws: WorkersWebSocket, code: number, reason: string): Promise<void> {
    // The runtime leaves the reply to the client's Close to us.
    ws.close(replyCode(code), reason === "" ? "Bye" : reason.slice(0, 100));
    this.left(ws);
  }

  async webSocketError(ws: WorkersWebSocket): Promise<void> {
    this.left(ws);
  }

  /** A socket went away: if it was its user's last, everyone hears they left. */
  private left(ws: WorkersWebSocket): void {
    const { user } = ws.deserializeAttachment() as Attachment;
    const stillHere = this.ctx.getWebSockets(tagOf(user)).some((other) => other !== ws && other.readyState === OPEN);
    if (!stillHere) this.broadcast({ type: "leave", user, online: this.online() });
  }

  private async history(): Promise<ChatMessage[]> {
    return (await this.ctx.storage.get<ChatMessage[]>("history")) ?? [];
  }

  /** The names of the users with an open socket, each once. */
  private online(): string[] {
    const names = this.ctx.getWebSockets()
      .filter((ws) => ws.readyState === OPEN)
      .map((ws) => (ws.deserializeAttachment() as Attachment).user);
    return [...new Set(names)].sort();
  }

  private broadcast(event: ServerEvent): void {
    const text = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState === OPEN) ws.send(text);
    }
  }
}
