// Micro-benchmarks of the pure parts, as workerd runs them: zod without code generation (run this with
// `node --disallow-code-generation-from-strings`, as bench/run.ts does, so zod's JIT is off as on Workers),
// jose on WebCrypto. Prints JSON: the median time per operation over many batches.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { heatPump } from "../dev/fake-podero/fixtures.ts";
import { verifyAndRemember, verifyPartnerToken } from "../src/auth/verify-token.ts";
import { parseConfig } from "../src/config/config.ts";
import { reshapeHeatPump } from "../src/heat-pumps/reshape.ts";
import { parseHeatPumpList } from "../src/upstream/parse-list.ts";

let evalAllowed = true;
try {
  new Function("");
} catch {
  evalAllowed = false;
}

/** Median of per-operation times (µs) over `batches` batches of `perBatch` operations, after a warm-up. */
async function median(perBatch: number, batches: number, operation: () => unknown): Promise<number> {
  // Warm up for half a second, so V8 has optimised the code as it would have in a busy isolate.
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await operation();
  const samples: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const started = performance.now();
    for (let i = 0; i < perBatch; i++) await operation();
    samples.push(((performance.now() - started) * 1000) / perBatch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const results: Record<string, number> = {};

// The calibration operation: what this machine does in a fixed piece of work right now (a loaded machine does
// everything 3–5 × slower). Budgets of the operations below are ratios to it, measured in the same run.
const calibrationInput = crypto.getRandomValues(new Uint8Array(64 * 1024));
results.calibration_sha256_64k_us = await median(200, 25, () => crypto.subtle.digest("SHA-256", calibrationInput));

for (const alg of ["ES256", "RS256", "EdDSA"] as const) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const issuer = `https://${alg.toLowerCase()}.bench.example`;
  const config = parseConfig({
    ENVIRONMENT: "production",
    UPSTREAM_BASE_URL: "https://app.podero.com",
    UPSTREAM_API_TOKEN: "bench",
    PARTNER_ISSUERS: JSON.stringify([{ issuer, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg }] }, orgs: "*" }]),
  });
  const token = await new SignJWT({ org_id: crypto.randomUUID(), scope: "heat_pumps:read" })
    .setProtectedHeader({ alg, kid: "k1" })
    .setIssuer(issuer)
    .setAudience("heat-pump-edge")
    .setExpirationTime("1h")
    .sign(privateKey);
  await verifyPartnerToken(token, config); // imports the key once; the measured calls reuse it
  // The full check (signature included) every time, as for a token the isolate has not seen yet …
  results[`jwt_verify_${alg.toLowerCase()}_us`] = await median(200, 25, () => verifyAndRemember(token, config));
  // … and what the hit path pays for a token it has already verified.
  if (alg === "ES256") results.jwt_verify_es256_remembered_us = await median(2000, 25, () => verifyPartnerToken(token, config));
}

for (const count of [1, 10, 500]) {
  const body = JSON.parse(JSON.stringify(Array.from({ length: count }, (_, i) => heatPump({}, `bench-${i}`)))) as unknown;
  const options = { now: Date.now(), staleAfterSeconds: 3600, ownersVisible: false };
  const perBatch = Math.max(1, Math.floor(2000 / count));
  results[`validate_reshape_${count}_us`] = await median(perBatch, 25, () => parseHeatPumpList(body).items.map((item) => reshapeHeatPump(item, options)));
}

console.log(JSON.stringify({ eval_allowed: evalAllowed, ...results }));
