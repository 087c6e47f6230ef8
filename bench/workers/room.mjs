// The Durable Object benchmark's worker: every WebSocket upgrade joins the one Room object, which sends
// each message it receives to every socket in the room (the sender's included).
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  sockets = new Set();

  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.sockets.add(server);
    server.addEventListener("message", (event) => {
      for (const socket of this.sockets) socket.send(event.data);
    });
    server.addEventListener("close", (event) => {
      this.sockets.delete(server);
      server.close(event.code === 1005 ? 1000 : event.code, event.reason);
    });
    return new Response(null, { status: 101, webSocket: client });
  }
}

export default {
  fetch(request, env) {
    return env.ROOMS.getByName("room").fetch(request);
  },
};
