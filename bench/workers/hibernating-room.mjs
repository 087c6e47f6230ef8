// The hibernation benchmark's worker: every WebSocket upgrade joins the one Room object, which accepts it
// with the Hibernation API (ctx.acceptWebSocket) and echoes what it receives. Once the object hibernates,
// what each connection costs is what flarelet keeps for a hibernatable socket without its object.
import { DurableObject } from "cloudflare:workers";

export class HibernatingRoom extends DurableObject {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(ws, message) {
    ws.send(message);
  }

  webSocketClose(ws, code, reason) {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
}

export default {
  fetch(request, env) {
    return env.ROOMS.getByName("room").fetch(request);
  },
};
