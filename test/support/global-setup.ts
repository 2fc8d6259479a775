import type { TestProject } from "vitest/node";
import { exportJWK, generateKeyPair } from "jose";
import { startFakePodero } from "../../dev/fake-podero/server.ts";

/** Starts the fake Podero (and identity provider) on a free local port for the workerd tests. */
export default async function setup(project: TestProject) {
  const fake = await startFakePodero();
  project.provide("fakeUpstreamUrl", fake.url);
  project.provide("inlineJwks", await fake.idp.jwks("partner-b", false));
  // The edge's own embed-token key, as operators set it with `wrangler secret put EMBED_SIGNING_KEY`.
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  project.provide("embedSigningKey", JSON.stringify({ ...(await exportJWK(privateKey)), kid: "embed-test-1" }));
  return () => fake.close();
}
