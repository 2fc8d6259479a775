// What test/support/global-setup.ts provides to the workerd tests (and their config).
declare module "vitest" {
  export interface ProvidedContext {
    fakeUpstreamUrl: string;
    inlineJwks: { keys: object[] };
    embedSigningKey: string;
  }
}

export {};
