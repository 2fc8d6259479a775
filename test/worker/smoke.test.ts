import { describe, expect, it } from "vitest";
import { api, listPath, newIds, token } from "./helpers.ts";

describe("smoke", () => {
  it("serves health and a list", async () => {
    expect((await api("/health")).status).toBe(200);
    const ids = newIds();
    const response = await api(listPath(ids), { token: await token(ids) });
    expect(response.status).toBe(200);
  });
});
