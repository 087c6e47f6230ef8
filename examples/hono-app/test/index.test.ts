import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("the Hono app", () => {
  it("greets with the GREETING var", async () => {
    const response = await SELF.fetch("http://localhost/");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Hello from Hono on flarelet!");
  });

  it("answers JSON with a route parameter, and sees the secret from .dev.vars", async () => {
    const response = await SELF.fetch("http://localhost/api/hello/ada");
    expect(await response.json()).toEqual({ message: "Hello, ada!", tokenSet: true });
    expect(env.API_TOKEN).toBe("dev-only-token");
  });

  it("echoes over a WebSocket (hono/cloudflare-workers' upgradeWebSocket)", async () => {
    const response = await SELF.fetch("http://localhost/ws", { headers: { Upgrade: "websocket" } });
    expect(response.status).toBe(101);
    const socket = response.webSocket!;
    socket.accept();
    const reply = new Promise<MessageEvent>((resolve) => socket.addEventListener("message", resolve, { once: true }));
    socket.send("hi");
    expect((await reply).data).toBe("echo: hi");
    socket.close(1000, "done");
  });

  it("lets a route's error reach the caller, as the app asks with onError", async () => {
    await expect(SELF.fetch("http://localhost/boom")).rejects.toThrow("Boom from the Hono app");
  });

  it("answers 404 for an unknown route", async () => {
    expect((await SELF.fetch("http://localhost/nope")).status).toBe(404);
  });
});
