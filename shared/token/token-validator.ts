// The whole token check: header to principal. Cheap checks run first so hostile input costs
// little, the signature before anything is trusted, and every refusal carries its reason.

import { BoundedCache } from "../bounded-cache.js";
import type { Clock } from "../clock.js";
import type { TokenSettings } from "../config/settings.js";
import { keySourceForToken } from "../keys/key-sources.js";
import type { KeySource, SigningKeys } from "../keys/types.js";
import { TollgateError } from "../reasons.js";
import {
  checkAudience,
  checkClientApp,
  checkIssuer,
  checkKeyIssuer,
  checkTimes,
  principalKind,
  readRoutingClaims,
  rejectGraphAudience,
} from "./entra-rules.js";
import { extractBearerToken } from "./extract.js";
import { checkProtectedHeader } from "./header-rules.js";
import { buildPrincipal, type Principal } from "./principal.js";
import { decodePayload, shapeGate } from "./shape-gate.js";
import { TOKEN_CACHE_MAX_BYTES, tokenCacheEntryBytes } from "./token-cache-size.js";
import { verifySignature } from "./verify-signature.js";

/**
 * A token that passed every check, remembered until it expires, so a caller's next request
 * costs a map lookup instead of an RSA verification. Only such tokens are stored, and a hit is
 * one whose whole text equals the stored one, so a hit is the same bytes that passed.
 */
interface CachedToken {
  /** The whole token: the cache's key is only its end (cacheKeyOf), so a hit compares this. */
  token: string;
  principal: Principal;
  /** Where its key came from: a hit still checks the key is published (emergency rotation). */
  source: KeySource;
  kid: string;
}

/**
 * The cache's key: the token's last 43 characters, 256 bits of its signature for any token that
 * was ever stored. Hashing the whole token (1-2 KiB, a fresh string on every request) for the Map
 * took about 1.5 µs a lookup; the end hashes in a few dozen nanoseconds. Two tokens sharing an end
 * cannot both be stored (the second would need a valid signature with the first one's end), and a
 * hit still compares the whole text, so a crafted look-alike is a miss and is verified.
 */
function cacheKeyOf(token: string): string {
  return token.length <= CACHE_KEY_CHARS ? token : token.slice(-CACHE_KEY_CHARS);
}
const CACHE_KEY_CHARS = 43;

export class TokenValidator {
  readonly #settings: TokenSettings;
  readonly #keys: SigningKeys;
  readonly #clock: Clock;
  readonly #cache: BoundedCache<CachedToken>;

  constructor(settings: TokenSettings, keys: SigningKeys, clock: Clock) {
    this.#settings = settings;
    this.#keys = keys;
    this.#clock = clock;
    // Oldest first, not least recently used: a hit then costs one lookup on the hot path.
    this.#cache = new BoundedCache<CachedToken>({
      maxEntries: settings.cacheSize,
      refreshOnHit: false,
      maxBytes: TOKEN_CACHE_MAX_BYTES,
      sizeOf: (_key, entry) => tokenCacheEntryBytes(entry.token, entry),
    });
  }

  /**
   * Validates the request's Authorization header; throws TollgateError with the reason.
   * `steps`, when given, receives each check's name as it starts (for `tollgate explain`): the
   * last one is the check that failed when this throws.
   */
  async validateAuthorization(
    authorization: string | null | undefined,
    url?: URL,
    steps?: string[],
  ): Promise<Principal> {
    steps?.push("authorization header");
    return this.validateToken(extractBearerToken(authorization, url), steps);
  }

  /**
   * The caller behind a token this validator verified before, synchronously, when the answer is
   * known at once: an exact cache hit, not expired, whose key is in a fresh set and still
   * published. Undefined whenever anything else must be decided (a new token, a malformed header,
   * keys due a refresh, a key store that cannot say at once): validateAuthorization then decides,
   * with the same checks. The common request's token check so costs no promise (the async chain
   * down to the key store was four awaits on every request).
   */
  verifiedBefore(authorization: string | null | undefined): Principal | undefined {
    if (!this.#cache.enabled || this.#keys.publishedKeyNow === undefined) return undefined;
    let token: string;
    try {
      token = extractBearerToken(authorization);
    } catch {
      return undefined; // validateAuthorization gives the refusal
    }
    const hit = this.#hit(token);
    return hit !== undefined && this.#keys.publishedKeyNow(hit.source, hit.kid) !== undefined
      ? hit.principal
      : undefined;
  }

  /**
   * The cache entry for exactly this token, unexpired. Only strings that passed every check are
   * ever stored, so an exact hit is a token that passed; the size check first bounds the cost of
   * comparing an attacker's string.
   */
  #hit(token: string): CachedToken | undefined {
    if (!this.#cache.enabled || token.length > this.#settings.maxTokenBytes) return undefined;
    const expiredBy = Math.floor(this.#clock.now() / 1000) - this.#settings.clockSkewSeconds;
    const hit = this.#cache.get(cacheKeyOf(token), (entry) => expiredBy >= entry.principal.expiresAt);
    return hit !== undefined && hit.token === token ? hit : undefined;
  }

  async validateToken(token: string, steps?: string[]): Promise<Principal> {
    const settings = this.#settings;
    const nowSeconds = Math.floor(this.#clock.now() / 1000);
    const step = (name: string) => steps?.push(name);
    const hit = this.#hit(token);
    // Still published? A key Entra withdrew stops validating its cached tokens too.
    if (hit !== undefined && (await this.#keys.getKey(hit.source, hit.kid))) {
      step("verified before (token cache)");
      return hit.principal;
    }
    step("shape");
    const split = shapeGate(token, settings.maxTokenBytes);
    step("protected header");
    const header = checkProtectedHeader(split.header, settings.algorithms, split.unsigned);
    step("payload");
    const payload = decodePayload(split);

    const { routing, audience, times, clientAppId, kind } = checkClaimRules(
      payload,
      settings,
      nowSeconds,
      steps,
    );

    step("key source");
    const source = keySourceForToken(settings, routing.version, routing.tid);
    if (source === undefined) {
      // readRoutingClaims already refused versions and tenants the settings exclude.
      throw new TollgateError("tenant_not_allowed", `Tenant ${routing.tid} is not allowed to call this API.`);
    }
    const keySet = await this.#keys.keySet(source);
    step("issuer");
    checkIssuer(routing, keySet.issuer);
    step("signing key");
    const key = await this.#keys.getKey(source, header.kid);
    checkKeyIssuer(key.issuer, routing, settings.authority);
    step("signature");
    await verifySignature(split.compact, header.alg, key);

    step("principal");
    const principal = buildPrincipal(payload, {
      tid: routing.tid,
      version: routing.version,
      clientAppId,
      kind,
      audience,
      times,
    });
    this.#cache.set(cacheKeyOf(token), { token, principal, source, kid: header.kid });
    return principal;
  }
}

/**
 * Entra's rules over a token's claims, in the validator's order: what `tollgate explain
 * --claims` and `tollgate policy test` run on claims that come without a signed token.
 */
export function checkClaimRules(
  payload: Record<string, unknown>,
  settings: TokenSettings,
  nowSeconds: number,
  steps?: string[],
) {
  const step = (name: string) => steps?.push(name);
  step("not a Microsoft Graph token");
  rejectGraphAudience(payload);
  step("version and tenant");
  const routing = readRoutingClaims(payload, settings);
  step("audience");
  const audience = checkAudience(payload, settings.audiences);
  step("lifetime");
  const times = checkTimes(payload, nowSeconds, settings);
  step("client application");
  const clientAppId = checkClientApp(payload, routing.version, settings.clientApps);
  step("caller kind");
  const kind = principalKind(payload, settings.principalKind);
  return { routing, audience, times, clientAppId, kind };
}

/** The principal from claims alone (no signature): the claim rules, then the same principal. */
export function principalFromClaims(
  payload: Record<string, unknown>,
  settings: TokenSettings,
  nowSeconds: number,
  steps?: string[],
): Principal {
  const { routing, audience, times, clientAppId, kind } = checkClaimRules(
    payload,
    settings,
    nowSeconds,
    steps,
  );
  steps?.push("principal");
  return buildPrincipal(payload, {
    tid: routing.tid,
    version: routing.version,
    clientAppId,
    kind,
    audience,
    times,
  });
}
