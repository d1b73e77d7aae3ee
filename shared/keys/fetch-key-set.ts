// Fetches one source's signing keys from Entra: the discovery document, then its JWKS. A
// discovery document that names another tenant or sends us to another origin is refused.

import { printable } from "../printable.js";
import { fetchJsonObject } from "./fetch-json.js";
import { KeyFetchError } from "./key-fetch-error.js";
import type { KeySource, ValidatedJwk } from "./types.js";
import { validateJwk } from "./validate-jwk.js";

export interface FetchedKeySet {
  /** The discovery document's issuer; may hold the `{tenantid}` template. */
  issuer: string;
  jwksUri: string;
  /** At least one; in JWKS order, each kid once. */
  keys: ValidatedJwk[];
  /** Why each skipped JWKS member was skipped. */
  rejected: string[];
}

export interface FetchKeySetOptions {
  /** The authority origin (e.g. `https://login.microsoftonline.com`): both documents must come from it. */
  authority: string;
  algorithms: readonly string[];
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The tenant placeholder Entra's multi-tenant metadata puts in its issuer. */
const TENANT_TEMPLATE = "{tenantid}";
const ANY_TENANT_PATHS = new Set(["organizations", "common"]);

function sameOrigin(url: string, origin: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // Credentials in the URL are not part of the origin but have no business in Entra's metadata.
  return parsed.origin === origin && parsed.username === "" && parsed.password === "" ? parsed : undefined;
}

function checkIssuer(source: KeySource, issuer: unknown): string {
  if (typeof issuer !== "string" || issuer === "") {
    throw new KeyFetchError(source.discoveryUrl, "discovery document has no issuer");
  }
  const tenant = source.tenant.toLowerCase();
  const expected = ANY_TENANT_PATHS.has(tenant) ? TENANT_TEMPLATE : tenant;
  if (!issuer.toLowerCase().includes(expected)) {
    throw new KeyFetchError(
      source.discoveryUrl,
      `discovery issuer ${JSON.stringify(printable(issuer, 100))} does not name ${expected}`,
    );
  }
  return issuer;
}

function checkJwksUri(source: KeySource, origin: string, jwksUri: unknown): string {
  if (typeof jwksUri !== "string" || jwksUri === "") {
    throw new KeyFetchError(source.discoveryUrl, "discovery document has no jwks_uri");
  }
  const url = sameOrigin(jwksUri, origin);
  if (url === undefined) {
    throw new KeyFetchError(
      source.discoveryUrl,
      `jwks_uri ${JSON.stringify(printable(jwksUri, 100))} is not on the authority origin ${origin}`,
    );
  }
  return url.href;
}

/** Fetches and validates one source's keys; throws KeyFetchError when no usable key set results. */
export async function fetchKeySet(source: KeySource, options: FetchKeySetOptions): Promise<FetchedKeySet> {
  const origin = new URL(options.authority).origin;
  if (sameOrigin(source.discoveryUrl, origin) === undefined) {
    throw new KeyFetchError(source.discoveryUrl, `discovery URL is not on the authority origin ${origin}`);
  }
  const http = { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.timeoutMs };

  const discovery = await fetchJsonObject(source.discoveryUrl, http);
  const issuer = checkIssuer(source, discovery.issuer);
  const jwksUri = checkJwksUri(source, origin, discovery.jwks_uri);

  const jwks = await fetchJsonObject(jwksUri, http);
  if (!Array.isArray(jwks.keys)) throw new KeyFetchError(jwksUri, "JWKS has no keys array");

  const keys: ValidatedJwk[] = [];
  const rejected: string[] = [];
  const seen = new Set<string>();
  for (const member of jwks.keys) {
    const result = validateJwk(member, options.algorithms);
    if (!result.ok) {
      rejected.push(result.problem);
    } else if (seen.has(result.jwk.kid)) {
      // Two keys under one kid would make the choice of key depend on JWKS order.
      rejected.push(`key ${JSON.stringify(printable(result.jwk.kid))}: duplicate kid, first one kept`);
    } else {
      seen.add(result.jwk.kid);
      keys.push(result.jwk);
    }
  }
  if (keys.length === 0) {
    const why = rejected.length === 0 ? "it is empty" : rejected.slice(0, 3).join("; ");
    throw new KeyFetchError(jwksUri, `JWKS has no usable key (${why})`, { rejected });
  }
  return { issuer, jwksUri, keys, rejected };
}
