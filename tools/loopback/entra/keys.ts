// The issuer's signing keys: generation, which are published, test overrides of the published
// JWKs, and JWS signing that does exactly what a test asks (even what a real issuer never would).

import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  KeyObject,
  generateKeyPair as nodeGenerateKeyPair,
  sign,
} from "node:crypto";
import { promisify } from "node:util";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";

export type SigningAlg =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512";

export interface AddKeyOptions {
  /** Publish the key in the JWKS at once; default true. */
  publish?: boolean;
  /** RSA only; default 2048. Below 2048 is allowed, for tests of key validation. */
  modulusLength?: number;
  /** Default RS256, the only algorithm Entra signs access tokens with. */
  alg?: SigningAlg;
}

interface KeyEntry {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  signingKey: KeyObject;
  /** The public key as SPKI PEM: the HMAC secret of an algorithm-confusion forgery. */
  publicPem: string;
  /** As Entra publishes it, before any test override: kty, use, kid, x5t, key members. */
  jwk: Record<string, unknown>;
}

const generateNodeKeyPair = promisify(nodeGenerateKeyPair);

export class KeyRing {
  readonly #keys = new Map<string, KeyEntry>();
  /** Published kids in publication order, which is the order of the JWKS. */
  #published: string[] = [];
  readonly #overrides = new Map<string, Record<string, unknown>>();
  #activeKid = "";

  static async create(): Promise<KeyRing> {
    const ring = new KeyRing();
    await ring.rotate();
    return ring;
  }

  get activeKid(): string {
    return this.#activeKid;
  }

  async add(options: AddKeyOptions = {}): Promise<string> {
    const entry = await createKey(options.alg ?? "RS256", options.modulusLength ?? 2048);
    this.#keys.set(entry.kid, entry);
    if (options.publish ?? true) this.publish(entry.kid);
    return entry.kid;
  }

  /** A new published key becomes active; older keys stay published, as in Entra's rollover. */
  async rotate(): Promise<string> {
    const kid = await this.add();
    this.#activeKid = kid;
    return kid;
  }

  publish(kid: string): void {
    this.#entry(kid);
    if (!this.#published.includes(kid)) this.#published.push(kid);
  }

  unpublish(kid: string): void {
    this.#entry(kid);
    this.#published = this.#published.filter((k) => k !== kid);
  }

  publishedKids(): string[] {
    return [...this.#published];
  }

  setOverride(kid: string, patch: Record<string, unknown> | undefined): void {
    this.#entry(kid);
    if (patch === undefined) this.#overrides.delete(kid);
    else this.#overrides.set(kid, { ...patch });
  }

  /** The published JWKs with `extra` members (Entra's v2 `issuer`) and then test overrides applied. */
  publishedJwks(extra: Record<string, unknown> = {}): Record<string, unknown>[] {
    return this.#published.map((kid) =>
      applyPatch({ ...this.#entry(kid).jwk, ...extra }, this.#overrides.get(kid)),
    );
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  algOf(kid: string): SigningAlg {
    return this.#entry(kid).alg;
  }

  privateKey(kid: string): CryptoKey {
    return this.#entry(kid).privateKey;
  }

  /** The key as published, before overrides and without a tenant's `issuer`. */
  publicJwk(kid: string): JWK {
    return { ...this.#entry(kid).jwk } as JWK;
  }

  /**
   * A compact JWS over exactly these segments. The signature follows `header.alg` when this key
   * can make it: HS* is an HMAC keyed with the public key's PEM (the classic algorithm-confusion
   * forgery) and `none` leaves the signature empty. Any other alg the key cannot make (unknown,
   * not a string, or of another key type) gets a signature by the key's own algorithm, so the
   * header lies about how the token was signed.
   */
  sign(kid: string, header: Record<string, unknown>, payload: string): string {
    const entry = this.#entry(kid);
    const input = `${base64url(JSON.stringify(header))}.${base64url(payload)}`;
    const alg = typeof header.alg === "string" ? header.alg : entry.alg;
    return `${input}.${signature(entry, alg, input)}`;
  }

  #entry(kid: string): KeyEntry {
    const entry = this.#keys.get(kid);
    if (entry === undefined) throw new Error(`EntraIssuer: no key with kid '${kid}'`);
    return entry;
  }
}

/** Sets the patch's members; a member set to `undefined` is removed. */
function applyPatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (patch === undefined) return target;
  const result = { ...target };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

async function createKey(alg: SigningAlg, modulusLength: number): Promise<KeyEntry> {
  const privateKey = await generatePrivateKey(alg, modulusLength);
  const signingKey = KeyObject.from(privateKey);
  const publicKey = createPublicKey(signingKey);
  // Entra's kid is the base64url SHA-1 thumbprint of the key's certificate (so kid == x5t); a
  // thumbprint of the public key has the same shape and is stable for the key.
  const kid = createHash("sha1")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url");
  const { kty, n, e, crv, x, y } = await exportJWK(publicKey);
  const jwk: Record<string, unknown> =
    kty === "RSA" ? { kty, use: "sig", kid, x5t: kid, n, e } : { kty, use: "sig", kid, x5t: kid, crv, x, y };
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { kid, alg, privateKey, signingKey, publicPem, jwk };
}

async function generatePrivateKey(alg: SigningAlg, modulusLength: number): Promise<CryptoKey> {
  const rsa = isRsaAlg(alg);
  if (!rsa || modulusLength >= 2048) {
    return (await generateKeyPair(alg, { extractable: true, ...(rsa ? { modulusLength } : {}) })).privateKey;
  }
  // jose refuses to make RSA keys under 2048 bits, which is right for it and wrong for a test
  // that needs a weak key to prove it is rejected.
  const { privateKey } = await generateNodeKeyPair("rsa", { modulusLength });
  return (await importJWK(privateKey.export({ format: "jwk" }) as JWK, alg, {
    extractable: true,
  })) as CryptoKey;
}

function isRsaAlg(alg: string): boolean {
  return /^(RS|PS)(256|384|512)$/.test(alg);
}

/** base64url signature of `input` by `alg`, falling back to the key's own alg (see KeyRing.sign). */
function signature(entry: KeyEntry, requested: string, input: string): string {
  if (requested === "none") return "";
  const hmac = /^HS(256|384|512)$/.exec(requested);
  if (hmac) return createHmac(`sha${hmac[1]}`, entry.publicPem).update(input).digest("base64url");
  const canMake = isRsaAlg(entry.alg) ? isRsaAlg(requested) : requested === entry.alg;
  const alg = canMake ? requested : entry.alg;
  const hash = `sha${alg.slice(2)}`;
  const data = Buffer.from(input);
  if (alg.startsWith("PS")) {
    return sign(hash, data, {
      key: entry.signingKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString("base64url");
  }
  if (alg.startsWith("ES")) {
    return sign(hash, data, { key: entry.signingKey, dsaEncoding: "ieee-p1363" }).toString("base64url");
  }
  return sign(hash, data, entry.signingKey).toString("base64url");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
