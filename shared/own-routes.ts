// tollgate's own paths, answered before authorization: liveness, readiness and the public keys
// backends use to verify identity assertions.

import type { ContinuousAccessStatus } from "./continuous-access/continuous-access.js";
import { checkGatewayBypass, type GatewayBypassConfig } from "./forward/bypass-defence.js";
import type { AssertionSigner } from "./forward/identity-assertion.js";
import type { IncomingRequest } from "./http/request-handler.js";
import type { KeySourceStatus } from "./keys/key-store.js";

export const HEALTH_PATH = "/.tollgate/health";
export const READY_PATH = "/.tollgate/ready";
/** The public keys backends verify identity assertions with. */
export const JWKS_PATH = "/.well-known/jwks.json";

export interface ReadinessSources {
  keys: () => KeySourceStatus[];
  policy: () => { loaded: boolean; versionId?: string; ageSeconds?: number; lastError?: string };
  /** Revocation list and tenants table; absent in tests of other parts. */
  continuousAccess?: () => ContinuousAccessStatus;
}

export interface Readiness {
  ready: boolean;
  keys: KeySourceStatus[];
  policy: ReturnType<ReadinessSources["policy"]>;
  continuousAccess?: ContinuousAccessStatus;
}

export function readiness(sources: ReadinessSources): Readiness {
  const keys = sources.keys();
  const policy = sources.policy();
  const keysReady = keys.length > 0 && keys.every((source) => source.keyCount > 0);
  const access = sources.continuousAccess?.();
  const accessReady = access === undefined || (access.revocations.loaded && access.tenants?.loaded !== false);
  return {
    ready: keysReady && policy.loaded && accessReady,
    keys,
    policy,
    ...(access ? { continuousAccess: access } : {}),
  };
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...extra },
  });

/** True when the request passes the bypass defence (always, when none is configured). */
function throughFrontEnd(request: IncomingRequest, bypass: GatewayBypassConfig): boolean {
  try {
    checkGatewayBypass(request.headers, bypass);
    return true;
  } catch {
    return false;
  }
}

/**
 * `bypass`: readiness answers anyone with its status, but its detail (tenant ids in the key
 * sources, the policy version, error text) only to requests that came through the front end.
 * Health and the assertion JWKS stay public: platform probes and backends read them directly.
 */
export function createOwnRoutes(
  signer: AssertionSigner | undefined,
  sources: ReadinessSources,
  bypass: GatewayBypassConfig = {},
) {
  // Synchronous: every request asks first, and an async function's promise cost each one a tick.
  return (request: IncomingRequest, url: URL): Response | undefined => {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    switch (url.pathname) {
      case HEALTH_PATH:
        return json(200, { status: "alive" });
      case READY_PATH: {
        const state = readiness(sources);
        const status = state.ready ? 200 : 503;
        return throughFrontEnd(request, bypass) ? json(status, state) : json(status, { ready: state.ready });
      }
      case JWKS_PATH:
        // Backends cache these; a rotation publishes the next key before it signs.
        return new Response(JSON.stringify(signer ? signer.jwks() : { keys: [] }), {
          headers: { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" },
        });
      default:
        return undefined;
    }
  };
}
