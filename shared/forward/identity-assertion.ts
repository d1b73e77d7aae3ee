// The identity assertion: a short-lived ES256 JWT tollgate signs for each backend, so a backend can
// check who the caller is (and that tollgate said so) without trusting plain headers.

import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import { BoundedCache } from "../bounded-cache.js";
import { type Clock, systemClock } from "../clock.js";
import { type AssertionKey, type PublishedJwk, parseAssertionKeys } from "./assertion-keys.js";
import type { IdentityClaims } from "./header-hygiene.js";

/** The JWT `typ` of an assertion, so it can never be mistaken for an access token. */
export const ASSERTION_TYPE = "tollgate-identity+jwt";

export interface AssertionSignerOptions {
  /** `iss` of every assertion. Default "tollgate". */
  issuer?: string;
  /** `aud` of every assertion; by default each backend's origin (`https://orders.internal:8443`). */
  audience?: string;
  /** Seconds from `iat` to `exp`. Default 60. */
  lifetimeSeconds?: number;
  clock?: Clock;
  /** Signed assertions kept for reuse; 0 turns reuse off. Default 10 000. */
  cacheSize?: number;
}

/** What an assertion says about the caller. A Principal has all of it. */
export type AssertionSubject = IdentityClaims & {
  /** The access token's `exp` (seconds): an assertion never outlives the token it stands for. */
  expiresAt?: number;
};

export interface PublicJwks {
  keys: PublishedJwk[];
}

const DEFAULT_LIFETIME_SECONDS = 60;
// A reused assertion has at least this long left, so it does not expire on its way to the backend.
const REUSE_MARGIN_SECONDS = 10;
const MAX_AUDIENCES_REMEMBERED = 1024;

function checkedOptions(options: AssertionSignerOptions): Required<Omit<AssertionSignerOptions, "audience">> {
  const lifetime = options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 3600) {
    throw new RangeError(
      `Assertion lifetime must be a whole number of seconds from 1 to 3600, not ${lifetime}.`,
    );
  }
  const cacheSize = options.cacheSize ?? 10_000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new RangeError(`Assertion cache size must be a whole number, 0 or more, not ${cacheSize}.`);
  }
  const issuer = options.issuer ?? "tollgate";
  if (issuer === "") throw new RangeError("Assertion issuer must not be empty.");
  return { issuer, lifetimeSeconds: lifetime, clock: options.clock ?? systemClock, cacheSize };
}

/**
 * The assertion cache's key for a subject and audience, built once per verified token: the token
 * cache hands out the same principal object for every request with that token, and the WeakMap
 * entry lives exactly as long as that object. The key itself still names every claim signed, so
 * an assertion is reused only for the same identity and expiry.
 */
const cacheKeys = new WeakMap<AssertionSubject, Map<string, string>>();

function cacheKeyOf(subject: AssertionSubject, audience: string): string {
  let byAudience = cacheKeys.get(subject);
  if (byAudience === undefined) {
    byAudience = new Map();
    cacheKeys.set(subject, byAudience);
  }
  let key = byAudience.get(audience);
  if (key === undefined) {
    key = JSON.stringify([
      subject.tenantId,
      subject.objectId,
      subject.clientAppId,
      subject.kind,
      subject.roles,
      subject.scopes,
      subject.expiresAt,
      audience,
    ]);
    // A principal goes to a handful of backends; the bound keeps a hostile policy from growing it.
    if (byAudience.size >= 16) byAudience.clear();
    byAudience.set(audience, key);
  }
  return key;
}

/**
 * Signs identity assertions with the first of its keys and publishes all of them, so a new key
 * can be published before it signs and an old one kept until its last assertion has expired.
 * Keys are imported once; a signed assertion is reused for the same caller and backend until
 * about 10 s before it expires, so `jti` names an assertion, not a request.
 */
export class AssertionSigner {
  readonly #signingKid: string;
  readonly #signingKey: CryptoKey;
  readonly #jwks: readonly PublishedJwk[];
  readonly #issuer: string;
  readonly #audience: string | undefined;
  readonly #lifetimeSeconds: number;
  readonly #clock: Clock;
  /** Signed assertions per subject and audience, so a busy caller costs one signature a minute. */
  readonly #cache: BoundedCache<{ token: string; reuseUntilMs: number }>;
  readonly #audiences = new Map<string, string>();

  private constructor(keys: readonly AssertionKey[], signingKey: CryptoKey, options: AssertionSignerOptions) {
    const checked = checkedOptions(options);
    const first = keys[0];
    if (first === undefined) throw new RangeError("An assertion signer needs at least one key.");
    this.#signingKid = first.kid;
    this.#signingKey = signingKey;
    this.#jwks = keys.map((key) => Object.freeze({ ...key.publicJwk }));
    this.#issuer = checked.issuer;
    this.#audience = options.audience;
    this.#lifetimeSeconds = checked.lifetimeSeconds;
    this.#clock = checked.clock;
    // Oldest first rather than least recently used: every entry is re-signed within a lifetime
    // anyway, so the order barely matters, and a hit then costs one lookup (no delete and set).
    this.#cache = new BoundedCache({ maxEntries: checked.cacheSize, refreshOnHit: false });
  }

  /** A signer for the keys in a setting (see parseAssertionKeys for the accepted forms). */
  static fromSetting(raw: string, options: AssertionSignerOptions = {}): Promise<AssertionSigner> {
    return AssertionSigner.fromKeys(parseAssertionKeys(raw), options);
  }

  static async fromKeys(
    keys: readonly AssertionKey[],
    options: AssertionSignerOptions = {},
  ): Promise<AssertionSigner> {
    const first = keys[0];
    if (first === undefined) throw new RangeError("An assertion signer needs at least one key.");
    checkedOptions(options);
    const signingKey = await importJWK({ ...first.privateJwk, alg: "ES256" }, "ES256");
    // importJWK answers with bytes only for symmetric ("oct") keys, which parseAssertionKeys never yields.
    if (signingKey instanceof Uint8Array) throw new TypeError("The signing key imported as a symmetric key.");
    return new AssertionSigner(keys, signingKey, options);
  }

  /** The kid of the key that signs. */
  get kid(): string {
    return this.#signingKid;
  }

  /** The public keys, for backends to verify assertions with. Never contains a private part. */
  jwks(): PublicJwks {
    return { keys: this.#jwks.map((jwk) => ({ ...jwk })) };
  }

  /** The `aud` assertions for this backend carry: the configured audience, or the backend's origin. */
  audienceFor(backendUrl: string): string {
    if (this.#audience !== undefined) return this.#audience;
    let audience = this.#audiences.get(backendUrl);
    if (audience === undefined) {
      audience = new URL(backendUrl).origin;
      if (this.#audiences.size >= MAX_AUDIENCES_REMEMBERED) this.#audiences.clear();
      this.#audiences.set(backendUrl, audience);
    }
    return audience;
  }

  /**
   * sign() without a promise when an assertion for this subject and backend is still reusable;
   * undefined when a new one must be signed (then call sign()).
   */
  signedBefore(subject: AssertionSubject, backendUrl: string): string | undefined {
    const nowMs = this.#clock.now();
    const cached = this.#cache.get(
      cacheKeyOf(subject, this.audienceFor(backendUrl)),
      (entry) => nowMs >= entry.reuseUntilMs,
    );
    return cached?.token;
  }

  /** An assertion of `subject`'s identity for the backend at `backendUrl`. */
  async sign(subject: AssertionSubject, backendUrl: string): Promise<string> {
    const reusable = this.signedBefore(subject, backendUrl);
    if (reusable !== undefined) return reusable;
    const audience = this.audienceFor(backendUrl);
    const nowMs = this.#clock.now();
    const cacheKey = cacheKeyOf(subject, audience);

    const iat = Math.floor(nowMs / 1000);
    let exp = iat + this.#lifetimeSeconds;
    if (subject.expiresAt !== undefined) exp = Math.max(iat + 1, Math.min(exp, subject.expiresAt));
    const token = await new SignJWT({
      tid: subject.tenantId,
      oid: subject.objectId,
      azp: subject.clientAppId,
      kind: subject.kind,
      roles: [...subject.roles],
      // Space-separated, as Entra writes `scp`.
      scp: subject.scopes.join(" "),
    })
      .setProtectedHeader({ alg: "ES256", kid: this.#signingKid, typ: ASSERTION_TYPE })
      .setIssuer(this.#issuer)
      .setAudience(audience)
      .setSubject(subject.objectId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.#signingKey);

    const margin = Math.min(REUSE_MARGIN_SECONDS, (exp - iat) / 2);
    this.#cache.set(cacheKey, { token, reuseUntilMs: (exp - margin) * 1000 });
    return token;
  }
}
