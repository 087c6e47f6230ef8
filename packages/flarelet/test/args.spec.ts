/** The command line parser (src/cli/args.ts): flags as data, validation, optional values. */
import { describe, expect, it } from "vitest";
import { FLAGS, parseBindings, parseCliArgs, parseDate, parseInteger, UsageError } from "../src/cli/args.js";

function usageErrorOf(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseCliArgs(${JSON.stringify(argv)}) did not throw`);
}

describe("parseCliArgs", () => {
  it("has defaults for everything", () => {
    expect(parseCliArgs([])).toEqual({
      modules: false,
      noBundle: false,
      watch: false,
      bindings: {},
      compatFlags: [],
      debug: false,
      help: false,
      version: false,
    });
  });

  it("reads every flag, long and short", () => {
    const args = parseCliArgs([
      "worker.mjs", "-m", "-p", "8080", "-H", "0.0.0.0", "-w", "-b", "A=1", "--binding", "B=2", "-e", "a.env",
      "-c", "conf/wrangler.toml", "--wrangler-env", "staging", "--compat-date", "2024-01-31", "--compat-flag", "x",
      "--compat-flag", "y", "--max-message-size", "1024", "-d", "--no-bundle",
    ]);
    expect(args).toEqual({
      script: "worker.mjs",
      modules: true,
      noBundle: true,
      port: 8080,
      host: "0.0.0.0",
      watch: true,
      bindings: { A: "1", B: "2" },
      env: "a.env",
      wranglerConfig: "conf/wrangler.toml",
      wranglerEnv: "staging",
      compatDate: "2024-01-31",
      compatFlags: ["x", "y"],
      maxMessageSize: 1024,
      debug: true,
      help: false,
      version: false,
    });
  });

  it("combines short boolean flags", () => {
    expect(parseCliArgs(["-mwd", "w.mjs"])).toMatchObject({ modules: true, watch: true, debug: true, script: "w.mjs" });
  });

  it("takes --flag=value too", () => {
    expect(parseCliArgs(["--port=0", "--env=x.env"])).toMatchObject({ port: 0, env: "x.env" });
  });

  it("-e and -c without a value mean the default file", () => {
    expect(parseCliArgs(["worker.mjs", "-e"])).toMatchObject({ script: "worker.mjs", env: true });
    expect(parseCliArgs(["-e", "--modules", "worker.mjs"])).toMatchObject({ script: "worker.mjs", env: true, modules: true });
    expect(parseCliArgs(["--wrangler-config", "-w"])).toMatchObject({ wranglerConfig: true, watch: true });
    expect(parseCliArgs(["-c"])).toMatchObject({ wranglerConfig: true });
  });

  it("-e followed by a word takes it as the path (put the script first to avoid that)", () => {
    expect(parseCliArgs(["-e", "test.env", "worker.mjs"])).toMatchObject({ env: "test.env", script: "worker.mjs" });
  });

  it("later single values win; repeatable flags keep every value", () => {
    expect(parseCliArgs(["-p", "1", "-p", "2", "-b", "A=1", "-b", "A=2"])).toMatchObject({ port: 2, bindings: { A: "2" } });
  });

  it("arguments after -- are positional", () => {
    expect(parseCliArgs(["--", "-weird.mjs"])).toMatchObject({ script: "-weird.mjs" });
  });

  it.each([
    [["--nope"], "Unknown flag --nope"],
    [["-z"], "Unknown flag -z"],
    [["a.mjs", "b.mjs"], "Expected one script, got 2: a.mjs b.mjs"],
    [["--port"], "Missing value for --port"],
    [["--port", "--watch"], "Missing value for --port"],
    [["--port", "http"], 'Invalid --port "http": expected an integer from 0 to 65535'],
    [["--port", "99999"], 'Invalid --port "99999": expected an integer from 0 to 65535'],
    [["--port=-1"], 'Invalid --port "-1": expected an integer from 0 to 65535'],
    [["--watch=yes"], "--watch takes no value"],
    [["-b", "NOEQUALS"], 'Invalid --binding "NOEQUALS": expected KEY=VALUE'],
    [["-b", "=value"], 'Invalid --binding "=value": expected KEY=VALUE'],
    [["--compat-date", "2024-1-1"], 'Invalid --compat-date "2024-1-1": expected a date as YYYY-MM-DD'],
    [["--compat-date", "2023-02-29"], 'Invalid --compat-date "2023-02-29": expected a date as YYYY-MM-DD'],
    [["--max-message-size", "0"], 'Invalid --max-message-size "0"'],
    [["--host", ""], "Invalid --host: expected a value"],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(usageErrorOf(argv)).toContain(message);
  });
});

describe("flag helpers", () => {
  it("parseBindings splits at the first =", () => {
    expect(parseBindings(["A=b=c", "E="])).toEqual({ A: "b=c", E: "" });
  });

  it("parseInteger accepts only whole numbers in range", () => {
    expect(parseInteger("--n", "0", 0, 10)).toBe(0);
    expect(parseInteger("--n", "10", 0, 10)).toBe(10);
    for (const bad of ["11", "1e1", "0x1", "1.0", "", " "]) expect(() => parseInteger("--n", bad, 0, 10)).toThrow(UsageError);
  });

  it("parseDate accepts real days only", () => {
    expect(parseDate("2024-02-29")).toBe("2024-02-29");
    for (const bad of ["2024-13-01", "2024-00-10", "24-01-01", "2024-01-01T00:00"]) expect(() => parseDate(bad)).toThrow(UsageError);
  });

  it("every flag has a description, and short names are unique", () => {
    const shorts = FLAGS.flatMap((flag) => ("short" in flag ? [flag.short] : []));
    expect(new Set(shorts).size).toBe(shorts.length);
    for (const flag of FLAGS) expect(flag.description.length).toBeGreaterThan(10);
  });
});
