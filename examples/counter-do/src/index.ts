// A counter per name, as a Durable Object: the worker routes /<name>/... to the object called <name>,
// which keeps its count in storage (the key-value API) and its history in SQL, and answers over RPC.
import { DurableObject } from "cloudflare:workers";

interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
}

// The few types this example uses (a real project gets them from @cloudflare/workers-types).
interface DurableObjectNamespace<T> {
  getByName(name: string): Stub<T>;
}
type Stub<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };
interface DurableObjectState {
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    sql: { exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] } };
  };
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

export class Counter extends DurableObject<Env> {
  declare ctx: DurableObjectState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Runs before the first request reaches the object.
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS history (at INTEGER, value INTEGER)");
    });
  }

  async increment(by = 1): Promise<number> {
    const value = ((await this.ctx.storage.get<number>("value")) ?? 0) + by;
    await this.ctx.storage.put("value", value);
    this.ctx.storage.sql.exec("INSERT INTO history VALUES (?, ?)", Date.now(), value);
    return value;
  }

  async current(): Promise<number> {
    return (await this.ctx.storage.get<number>("value")) ?? 0;
  }

  history(): number[] {
    return this.ctx.storage.sql.exec("SELECT value FROM history ORDER BY rowid").toArray().map((row) => row.value as number);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const [, name = "", action = ""] = new URL(request.url).pathname.split("/");
    if (name === "") return new Response("Try /<name>/increment, /<name> or /<name>/history\n");
    const counter = env.COUNTER.getByName(name);
    switch (action) {
      case "increment":
        return Response.json({ name, value: await counter.increment() });
      case "history":
        return Response.json({ name, history: await counter.history() });
      case "":
        return Response.json({ name, value: await counter.current() });
      default:
        return new Response("Not found\n", { status: 404 });
    }
  },
};
