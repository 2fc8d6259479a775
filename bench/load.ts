import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

// One load generator interface over wrk (Debian's package, when installed) and autocannon (npm, always there):
// fixed connections and duration; a separate warm-up run is never counted.

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Each request's path; fixed when absent. */
  randomUserPath?: { prefix: string; suffix: string };
  /** The status every answer must have (others are counted as errors). */
  expectStatus: number;
}

export interface LoadResult {
  tool: "wrk" | "autocannon";
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers with another status, and socket errors or timeouts. */
  unexpected: number;
}

export function loadTool(): "wrk" | "autocannon" {
  const wanted = process.env.BENCH_TOOL;
  if (wanted === "autocannon" || wanted === "wrk") return wanted;
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return "wrk";
  } catch (error) {
    // wrk --version exits 1 but prints its banner; a missing binary throws ENOENT.
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "autocannon" : "wrk";
  }
}

export async function runLoad(spec: LoadSpec, tool = loadTool()): Promise<LoadResult> {
  return tool === "wrk" ? runWrk(spec) : runAutocannon(spec);
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const random = spec.randomUserPath;
  const result = await autocannon({
    url: url.origin,
    connections: spec.connections,
    duration: spec.durationSeconds,
    headers: spec.headers,
    requests: [{ method: "GET", path: `${url.pathname}${url.search}`, ...(random ? { setupRequest: (request) => ({ ...request, path: `${random.prefix}${crypto.randomUUID()}${random.suffix}` }) } : {}) }],
  });
  const byClass: Record<number, number> = { 1: result["1xx"], 2: result["2xx"], 3: result["3xx"], 4: result["4xx"], 5: result["5xx"] };
  const expected = spec.expectStatus === 304 ? byClass[3]! : byClass[Math.floor(spec.expectStatus / 100)]!;
  const total = result.requests.total;
  return {
    tool: "autocannon",
    requests: total,
    requestsPerSecond: total / spec.durationSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    unexpected: total - expected + result.errors + result.timeouts,
  };
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const headerLines = Object.entries(spec.headers).map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
  const random = spec.randomUserPath;
  const script = [
    ...headerLines,
    random
      ? `local hex = "0123456789abcdef"
math.randomseed(os.time())
local function uuid() return (string.gsub("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx", "x", function() local i = math.random(1, 16) return string.sub(hex, i, i) end)) end
request = function() return wrk.format("GET", ${JSON.stringify(random.prefix)} .. uuid() .. ${JSON.stringify(random.suffix)}) end`
      : "",
    'done = function(summary) io.write(string.format("UNEXPECTED %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout)) end',
  ].join("\n");
  const file = join(mkdtempSync(join(tmpdir(), "wrk-")), "script.lua");
  writeFileSync(file, script);
  const threads = Math.min(2, spec.connections);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("wrk", [`-t${threads}`, `-c${spec.connections}`, `-d${spec.durationSeconds}s`, "--latency", "--timeout", "10s", "-s", file, url.href]);
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const latency = (percent: string) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(output);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  // wrk's own error count: statuses outside 2xx/3xx, and socket errors and timeouts.
  const requests = number(/(\d+) requests in/);
  return {
    tool: "wrk",
    requests,
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    unexpected: number(/UNEXPECTED (\d+)/) || 0,
  };
}
