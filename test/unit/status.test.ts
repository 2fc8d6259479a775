import { describe, expect, it } from "vitest";
import { overallStatus, statusValue } from "../../src/heat-pumps/status.ts";
import type { OverallStatus } from "../../src/heat-pumps/schemas.ts";

const VALUES: OverallStatus[] = ["ok", "warning", "error", "unknown"];
const RANK: Record<OverallStatus, number> = { ok: 0, unknown: 1, warning: 2, error: 3 };

describe("overallStatus", () => {
  it("is the worst of the three, by error > warning > unknown > ok, for all 64 combinations", () => {
    for (const a of VALUES) for (const b of VALUES) for (const c of VALUES) {
      const expected = [a, b, c].sort((x, y) => RANK[y] - RANK[x])[0];
      expect(overallStatus(a, b, c), `${a}/${b}/${c}`).toBe(expected);
    }
  });

  it("is ok only when all are ok", () => {
    expect(overallStatus("ok", "ok", "ok")).toBe("ok");
    expect(overallStatus("ok", "unknown", "ok")).toBe("unknown");
  });
});

describe("statusValue", () => {
  it("keeps the documented values and reads anything new as unknown", () => {
    expect(statusValue("warning")).toBe("warning");
    expect(statusValue("ERROR")).toBe("error");
    expect(statusValue("degraded")).toBe("unknown");
    expect(statusValue("")).toBe("unknown");
  });
});
