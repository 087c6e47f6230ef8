/** The command line parser (src/cli/args.ts): flags as data, validation, optional values. */
import { describe, expect, it } from "vitest";
import { FLAGS, parseBindings, parseCliArgs, parseDate, parseInteger, UsageError, type FlagSpec } from "../src/cli/args.js";

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
  it("sets no option without flags", () => {
    expect(parseCliArgs([])).toEqual({ options: {}, debug: false, help: false, version: false });
  });

  it("reads every flag, long and short", () => {
    const args = parseCliArgs([
      "worker.mjs", "-m", "-p", "8080", "-H", "0.0.0.0", "-w", "-b", "A=1", "--binding", "B=2", "-e", "a.env",
      "-c", "conf/wrangler.toml", "--wrangler-env", "staging", "--compat-date", "2024-01-31", "--compat-flag", "x",
      "--compat-flag", "y", "--max-message-size", "1024", "-d", "--no-bundle", "-o", "COUNTER=Counter", "--do", "ROOM=Room",
      "--do-persist", "data",
    ]);
    expect(args).toEqual({
      script: "worker.mjs",
      options: {
        modules: true,
        bundle: false,
        port: 8080,
        host: "0.0.0.0",
        watch: true,
        bindings: { A: "1", B: "2" },
        envPath: "a.env",
        wranglerConfigPath: "conf/wrangler.toml",
        wranglerConfigEnv: "staging",
        compatibilityDate: "2024-01-31",
        compatibilityFlags: ["x", "y"],
        maxMessageSize: 1024,
        durableObjects: { COUNTER: "Counter", ROOM: "Room" },
        durableObjectsPersist: "data",
      },
      debug: true,
      help: false,
      version: false,
    });
  });

  it("--do takes NAME=CLASS; --do-persist alone means the default folder", () => {
    expect(parseCliArgs(["w.mjs", "--do-persist"]).options).toEqual({ durableObjectsPersist: true });
    expect(() => parseCliArgs(["-o", "COUNTER"])).toThrow('Invalid --do ["COUNTER"]: expected NAME=CLASS');
  });

  it("combines short boolean flags", () => {
    expect(parseCliArgs(["-mwd", "w.mjs"])).toMatchObject({ options: { modules: true, watch: true }, debug: true, script: "w.mjs" });
  });

  it("takes --flag=value too", () => {
    expect(parseCliArgs(["--port=0", "--env=x.env"])).toMatchObject({ options: { port: 0, envPath: "x.env" } });
  });

  it("-e and -c without a value mean the default file", () => {
    expect(parseCliArgs(["worker.mjs", "-e"])).toMatchObject({ script: "worker.mjs", options: { envPath: true } });
    expect(parseCliArgs(["-e", "--modules", "worker.mjs"])).toMatchObject({ script: "worker.mjs", options: { envPath: true, modules: true } });
    expect(parseCliArgs(["--wrangler-config", "-w"])).toMatchObject({ options: { wranglerConfigPath: true, watch: true } });
    expect(parseCliArgs(["-c"])).toMatchObject({ options: { wranglerConfigPath: true } });
  });

  it("-e followed by a word takes it as the path (put the script first to avoid that)", () => {
    expect(parseCliArgs(["-e", "test.env", "worker.mjs"])).toMatchObject({ options: { envPath: "test.env" }, script: "worker.mjs" });
  });

  it("later single values win; repeatable flags keep every value", () => {
    expect(parseCliArgs(["-p", "1", "-p", "2", "-b", "A=1", "-b", "A=2"])).toMatchObject({ options: { port: 2, bindings: { A: "2" } } });
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

describe("flags as data", () => {
  it("parses a plugin's flags from their declaration alone: value, optional value, repeats, conversion", () => {
    const flags: FlagSpec[] = [
      { name: "queue", short: "q", type: "string", value: "NAME", multiple: true, option: "queues", description: "A queue binding" },
      { name: "queue-persist", type: "string", value: "PATH", optionalValue: true, option: "queuePersist", description: "Persist queues" },
      { name: "batch", type: "integer", value: "N", min: 1, max: 100, option: "batchSize", description: "Messages per batch" },
      { name: "retries", type: "string", value: "N", option: "retries", toOption: (value) => {
        if (value !== "none") throw new Error("expected none");
        return 0;
      }, description: "How to retry" },
    ];
    expect(parseCliArgs(["-q", "A", "--queue", "B", "--queue-persist", "--batch", "5", "--retries", "none"], flags)).toEqual({
      options: { queues: ["A", "B"], queuePersist: true, batchSize: 5, retries: 0 },
      debug: false,
      help: false,
      version: false,
    });
    expect(() => parseCliArgs(["--retries", "3"], flags)).toThrow('Invalid --retries "3": expected none');
    expect(() => parseCliArgs(["--batch", "0"], flags)).toThrow('Invalid --batch "0": expected an integer from 1 to 100');
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
