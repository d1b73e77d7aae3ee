// A caller as the token validator would produce it, for tests and benchmarks that start after
// token validation (policy evaluation, rate limits, telemetry). A user in the sample tenant with
// no scopes, roles or groups; each use says what it needs on top.

import type { Principal } from "../../shared/token/principal.js";

export const SAMPLE_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const SAMPLE_CLIENT_APP = "22222222-2222-4222-8222-222222222222";

export function principal(overrides: Partial<Principal> = {}): Principal {
  return {
    tenantId: SAMPLE_TENANT,
    objectId: "11111111-1111-4111-8111-111111111111",
    subject: "pairwise-subject",
    clientAppId: SAMPLE_CLIENT_APP,
    kind: "user",
    scopes: [],
    roles: [],
    groups: [],
    groupsOverage: false,
    tokenVersion: "2.0",
    audience: "api://tollgate-test",
    issuedAt: 1_700_000_000,
    expiresAt: 1_700_003_600,
    caeCapable: false,
    ...overrides,
  };
}
