// A chat: the page at /, and a ChatRoom Durable Object per room name at /room/<name> (WebSocket upgrades).
import page from "./page.html";

export { ChatRoom } from "./chat-room.js";

interface Env {
  ROOMS: DurableObjectNamespace;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/") {
      return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    const room = /^\/room\/([\w-]{1,32})$/.exec(url.pathname)?.[1];
    if (room !== undefined) {
      // The room answers the upgrade itself; its WebSocket goes through this worker to the browser.
      return env.ROOMS.getByName(room).fetch(request);
    }
    return new Response("Not found\n", { status: 404 });
  },
};
