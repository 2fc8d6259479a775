import { describe, expect, it } from "vitest";
import { judge, type Figures } from "../../bench/budgets.ts";

const GOOD: Figures = {
  health: { rps: 1000, p99: 10 },
  hitFull: { rps: 800, p99: 19 },
  hitCompact: { rps: 900, p99: 15 },
  coldP50: 94,
  upstreamLatencyMs: 80,
  burstUpstreamCalls: 1,
  jwtEs256Us: 90,
  validateReshape500Us: 9000,
  bundleGzipKiB: 93,
  startupCpuMs: 24,
};

describe("benchmark budgets", () => {
  it("passes figures within every budget", () => {
    expect(judge(GOOD).filter((line) => !line.pass)).toEqual([]);
  });

  it("judges each budget against the floor of the same run, using the worse hit-path view", () => {
    const short = judge({ ...GOOD, hitCompact: { rps: 700, p99: 25 }, coldP50: 96, burstUpstreamCalls: 2, jwtEs256Us: 101, validateReshape500Us: 10_001, bundleGzipKiB: 100.1, startupCpuMs: null });
    expect(short.filter((line) => !line.pass).map((line) => line.figure)).toEqual([
      "hit-path requests/s",
      "hit-path p99",
      "cold path p50",
      "upstream calls, 100-request cold burst",
      "JWT verification, ES256, imported key",
      "validate + reshape 500 heat pumps",
      "worker bundle, gzip",
      "startup CPU (wrangler check startup)",
    ]);
  });
});
