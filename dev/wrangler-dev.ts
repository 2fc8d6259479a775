import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  /** Everything wrangler printed, for diagnosing a failed start. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Runs the real worker under `wrangler dev` with `--var` overrides (exactly what operators do), and
 * waits until it answers. `persist` keeps local state in a folder of its own so runs never share KV.
 */
export async function startWranglerDev(options: {
  port?: number;
  vars: Record<string, string>;
  inherit?: boolean;
  persistTo?: string;
  /** Another wrangler config (default wrangler.toml), e.g. the webhook worker's. */
  config?: string;
  /** Expose `/cdn-cgi/handler/scheduled` to run the Cron Trigger by hand. */
  testScheduled?: boolean;
  /** wrangler's log level (default "warn"); "info" keeps the worker's own log lines in `output()`. */
  logLevel?: "warn" | "info" | "log";
}): Promise<WranglerDev> {
  const port = options.port ?? (await freePort());
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--log-level", options.logLevel ?? "warn"];
  if (options.config) args.push("--config", options.config);
  if (options.testScheduled) args.push("--test-scheduled");
  args.push("--persist-to", options.persistTo ?? mkdtempSync(join(tmpdir(), "heat-pump-edge-")));
  for (const [name, value] of Object.entries(options.vars)) args.push("--var", `${name}:${value}`);
  let output = "";
  const child = spawn("npx", args, {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: process.env.CI ?? "" },
    stdio: options.inherit ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { url, process: child, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer within 90 s:\n${output}`);
}
