/**
 * The chat in a real browser: headless Chromium (Debian's package, /usr/bin/chromium, or $CHROMIUM_PATH)
 * driven by playwright-core, against the app served by flarelet on 127.0.0.1:0. Two pages chat; the room
 * is hibernated and woken with the names intact; a reload of the worker closes both pages' sockets with
 * 1012 and they reconnect. A screenshot of a page is kept in test-artifacts/ (not committed).
 *
 * Skipped, saying why, where there is no Chromium; .ci/run installs it first.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Log, LogLevel, Miniflare } from "flarelet";

const APP = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(APP, "test-artifacts");
/** How long a page may take to show what a step waits for. */
const WAIT_MS = 15_000;

/**
 * Chromium's flags for a closed machine: without the background-networking ones it tries to reach Google's
 * services and, here, has its own connections refused; --no-sandbox because CI runs as root.
 */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!hasChromium)("examples/chat in headless Chromium", () => {
  let mf: Miniflare;
  let origin: string;
  let context: BrowserContext;
  let profile: string;
  const lines: string[] = [];

  beforeAll(async () => {
    mf = new Miniflare({
      rootPath: APP,
      wranglerConfigPath: true,
      port: 0,
      log: new Log(LogLevel.DEBUG, { colour: false, write: (line) => lines.push(line) }),
    });
    const server = await mf.startServer();
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    // A fresh profile each run: nothing from an earlier run (cache, storage) can leak in.
    profile = await mkdtemp(path.join(os.tmpdir(), "flarelet-chat-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    context.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await context?.close();
    await mf?.dispose();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  const open = async (user: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${origin}/?room=lobby&user=${user}`);
    await page.locator('#status[data-state="connected"]').waitFor();
    expect(await page.locator("#join").isVisible()).toBe(false);
    return page;
  };
  const say = async (page: Page, text: string) => {
    await page.locator("#text").fill(text);
    await page.locator("#text").press("Enter");
  };
  const seen = (page: Page, user: string, text: string) =>
    page.locator("#messages li.message", { hasText: `${user}: ${text}` }).waitFor();

  it("two pages chat, through a forced hibernation (names intact) and a reload (1012, then reconnected)", async () => {
    const alice = await open("Alice");
    const bob = await open("Bob");
    await alice.locator("#online", { hasText: "Online: Alice, Bob" }).waitFor();

    await say(alice, "Hello, Bob");
    await seen(bob, "Alice", "Hello, Bob");

    // Hibernation: the room leaves memory, both sockets stay open; the next message constructs it again,
    // and the names still come from the sockets' attachments.
    expect(await mf.hibernateDurableObjects()).toBe(1);
    expect(lines.some((line) => /Durable Object ChatRoom \S+ hibernated; 2 WebSockets stay open/.test(line))).toBe(true);
    await say(bob, "Still here after hibernation");
    await seen(alice, "Bob", "Still here after hibernation");
    expect(lines.some((line) => /Durable Object ChatRoom \S+ woke up for webSocketMessage: constructed again/.test(line))).toBe(true);

    // A reload of the worker closes every socket with 1012 Service Restart: both pages say so and reconnect.
    await mf.reload();
    for (const page of [alice, bob]) {
      await page.locator("#messages li.system", { hasText: "Server restarted (1012 Service Restart); reconnecting…" }).waitFor();
      await page.locator('#status[data-state="connected"]').waitFor();
    }
    await say(alice, "Back after the reload");
    await seen(bob, "Alice", "Back after the reload");

    await mkdir(ARTIFACTS, { recursive: true });
    await bob.screenshot({ path: path.join(ARTIFACTS, "chat.png"), fullPage: true });
    expect(existsSync(path.join(ARTIFACTS, "chat.png"))).toBe(true);
  });

  it("a page opened later gets the room's last messages from storage", async () => {
    const dave = await open("Dave");
    await seen(dave, "Alice", "Hello, Bob");
    await seen(dave, "Alice", "Back after the reload");
  });

  it("a page without a name asks for one, then joins with it", async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/?room=side`);
    expect(await page.locator("#chat").isVisible()).toBe(false);
    await page.locator("#name").fill("Carol");
    await page.locator("#name").press("Enter");
    await page.locator('#status[data-state="connected"]', { hasText: "Connected as Carol" }).waitFor();
    expect(new URL(page.url()).searchParams.get("user")).toBe("Carol");
    await say(page, "Anyone here?");
    await seen(page, "Carol", "Anyone here?");
  });
});
