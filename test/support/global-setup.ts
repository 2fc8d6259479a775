import type { TestProject } from "vitest/node";
import { startFakePodero } from "../../dev/fake-podero/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeUpstreamUrl: string;
    inlineJwks: { keys: object[] };
  }
}

/** Starts the fake Podero (and identity provider) on a free local port for the workerd tests. */
export default async function setup(project: TestProject) {
  const fake = await startFakePodero();
  project.provide("fakeUpstreamUrl", fake.url);
  project.provide("inlineJwks", await fake.idp.jwks("partner-b", false));
  return () => fake.close();
}
