// The budgets of issue 5, as pure checks over one run's figures. Timing budgets are judged here, in the
// benchmark, never in a timed test.

export interface Figures {
  health: { rps: number; p99: number };
  hitFull: { rps: number; p99: number };
  hitCompact: { rps: number; p99: number };
  coldP50: number;
  upstreamLatencyMs: number;
  burstUpstreamCalls: number;
  jwtEs256Us: number;
  validateReshape500Us: number;
  bundleGzipKiB: number;
  startupCpuMs: number | null;
}

export interface BudgetLine {
  figure: string;
  value: string;
  budget: string;
  pass: boolean;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

export function judge(f: Figures): BudgetLine[] {
  const worstHitRps = Math.min(f.hitFull.rps, f.hitCompact.rps);
  const worstHitP99 = Math.max(f.hitFull.p99, f.hitCompact.p99);
  return [
    { figure: "hit-path requests/s", value: `${(worstHitRps / f.health.rps).toFixed(2)} × /health`, budget: "≥ 0.75 × /health", pass: worstHitRps >= 0.75 * f.health.rps },
    { figure: "hit-path p99", value: `${(worstHitP99 / f.health.p99).toFixed(2)} × /health p99`, budget: "≤ 2 × /health p99", pass: worstHitP99 <= 2 * f.health.p99 },
    { figure: "cold path p50", value: ms(f.coldP50), budget: `≤ ${f.upstreamLatencyMs} + 15 ms`, pass: f.coldP50 <= f.upstreamLatencyMs + 15 },
    { figure: "upstream calls, 100-request cold burst", value: String(f.burstUpstreamCalls), budget: "1", pass: f.burstUpstreamCalls === 1 },
    { figure: "JWT verification, ES256, imported key", value: `${f.jwtEs256Us.toFixed(0)} µs`, budget: "≤ 100 µs median", pass: f.jwtEs256Us <= 100 },
    { figure: "validate + reshape 500 heat pumps", value: ms(f.validateReshape500Us / 1000), budget: "≤ 10 ms median", pass: f.validateReshape500Us <= 10_000 },
    { figure: "worker bundle, gzip", value: `${f.bundleGzipKiB.toFixed(1)} KiB`, budget: "≤ 100 KiB", pass: f.bundleGzipKiB <= 100 },
    {
      figure: "startup CPU (wrangler check startup)",
      value: f.startupCpuMs === null ? "not measured" : ms(f.startupCpuMs),
      budget: "≤ 30 ms",
      pass: f.startupCpuMs !== null && f.startupCpuMs <= 30,
    },
  ];
}
