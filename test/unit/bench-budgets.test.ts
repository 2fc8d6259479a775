import { describe, expect, it } from "vitest";
import { judge, type Figures } from "../../bench/budgets.ts";

const GOOD: Figures = {
  cpu: { hitMarginalUs: 44, notModifiedMarginalUs: 40, cacheOffMarginalUs: 1000 },
  coldP50: 94,
  upstreamLatencyMs: 80,
  burstUpstreamCalls: 1,
  calibrationUs: 50,
  jwtEs256Us: 100,
  validateReshape500Us: 6500,
  bundleGzipKiB: 95,
  startupCpuMs: 24,
};

describe("benchmark budgets", () => {
  it("passes figures within every budget", () => {
    expect(judge(GOOD).filter((line) => !line.pass)).toEqual([]);
  });

  it("judges timings as ratios within the run: a machine twice as slow passes the same budgets", () => {
    const slow = { ...GOOD, cpu: { hitMarginalUs: 88, notModifiedMarginalUs: 80, cacheOffMarginalUs: 2000 }, calibrationUs: 100, jwtEs256Us: 200, validateReshape500Us: 13_000 };
    expect(judge(slow).filter((line) => !line.pass)).toEqual([]);
  });

  it("fails each budget past its limit", () => {
    const short = judge({ ...GOOD, cpu: { hitMarginalUs: 260, notModifiedMarginalUs: 160, cacheOffMarginalUs: 1000 }, coldP50: 96, burstUpstreamCalls: 2, jwtEs256Us: 126, validateReshape500Us: 8_001, bundleGzipKiB: 100.1, startupCpuMs: null });
    expect(short.filter((line) => !line.pass).map((line) => line.figure)).toEqual([
      "hit, worker CPU beyond /health",
      "304, worker CPU beyond /health",
      "cold path p50",
      "upstream calls, 100-request cold burst",
      "JWT verification, ES256, imported key",
      "validate + reshape 500 heat pumps",
      "worker bundle, gzip",
      "startup CPU (wrangler check startup)",
    ]);
  });
});
