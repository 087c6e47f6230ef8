import { Hono } from "hono";
import { upgradeWebSocket } from "hono/cloudflare-workers";

type Bindings = { GREETING: string; API_TOKEN: string };

const app = new Hono<{ Bindings: Bindings }>();

app.get("/", (c) => c.text(`${c.env.GREETING} from Hono on flarelet!`));

app.get("/api/hello/:name", (c) => c.json({ message: `${c.env.GREETING}, ${c.req.param("name")}!`, tokenSet: c.env.API_TOKEN !== undefined }));

app.get(
  "/ws",
  upgradeWebSocket(() => ({
    onMessage(event, ws) {
      ws.send(`echo: ${String(event.data)}`);
    },
  })),
);

app.get("/boom", () => {
  throw new Error("Boom from the Hono app");
});

// Let errors reach flarelet (as wrangler dev's error page), instead of Hono's plain "Internal Server Error".
app.onError((error) => {
  throw error;
});

export default app;
