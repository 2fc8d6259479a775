import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";

// A fake partner identity provider: per issuer name, one key pair per accepted algorithm, a JWKS
// endpoint that counts its fetches, and a signer for tests and `npm start`. Private keys never leave it.

export const ALGORITHMS = ["ES256", "RS256", "PS256", "EdDSA"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

interface SigningKey {
  kid: string;
  alg: Algorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface Issuer {
  keys: SigningKey[];
  generation: number;
  jwksRequests: number;
}

export class FakeIdp {
  readonly #issuers = new Map<string, Promise<Issuer>>();

  issuer(name: string): Promise<Issuer> {
    let issuer = this.#issuers.get(name);
    if (!issuer) {
      issuer = makeKeys(name, 1).then((keys) => ({ keys, generation: 1, jwksRequests: 0 }));
      this.#issuers.set(name, issuer);
    }
    return issuer;
  }

  async jwks(name: string, count = true): Promise<{ keys: JWK[] }> {
    const issuer = await this.issuer(name);
    if (count) issuer.jwksRequests += 1;
    return { keys: issuer.keys.map((key) => key.publicJwk) };
  }

  /** New keys with new kids; the old ones are no longer published. */
  async rotate(name: string): Promise<void> {
    const issuer = await this.issuer(name);
    issuer.generation += 1;
    issuer.keys = await makeKeys(name, issuer.generation);
  }

  async sign(name: string, payload: JWTPayload, options: { alg?: Algorithm; header?: Record<string, unknown> } = {}): Promise<string> {
    const issuer = await this.issuer(name);
    const alg = options.alg ?? "ES256";
    const key = issuer.keys.find((candidate) => candidate.alg === alg);
    if (!key) throw new Error(`no ${alg} key`);
    return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ: "JWT", ...options.header }).sign(key.privateKey);
  }
}

async function makeKeys(name: string, generation: number): Promise<SigningKey[]> {
  return Promise.all(
    ALGORITHMS.map(async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `${name}-${alg.toLowerCase()}-${generation}`;
      return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
    }),
  );
}
