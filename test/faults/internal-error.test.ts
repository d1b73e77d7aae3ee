// A fault inside tollgate itself: the caller gets 500 internal_error with the trace id that finds
// the request, nothing of the fault's text, and the backend is never called. The gateway is the
// real one with a real validator (loopback Entra-shaped issuer), role map and echo backend; the
// fault is injected in the one part no real run can be made to break on demand: the assertion
// signer, whose sign() throws as a bug would (a stand-in, and the only one here).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.js";
import { loadSettings } from "../../shared/config/settings.js";
import { BackendPools } from "../../shared/forward/backend-pools.js";
import type { AssertionSigner } from "../../shared/forward/identity-assertion.js";
import { createGateway } from "../../shared/gateway.js";
import { parsePolicy } from "../../shared/policy/parse-policy.js";
import type { DecisionRecord } from "../../shared/telemetry/decision-record.js";
import { createTokenValidator } from "../../shared/token/create-token-validator.js";
import { type EchoBackend, startEchoBackend } from "../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../tools/loopback/entra-issuer.js";

let issuer: EntraIssuer;
let backend: EchoBackend;
const pools = new BackendPools();

beforeAll(async () => {
  [issuer, backend] = await Promise.all([
    EntraIssuer.start({ defaultAudience: "api://tollgate-faults" }),
    startEchoBackend(),
  ]);
});

afterAll(async () => {
  await pools.close();
  await Promise.allSettled([issuer?.stop(), backend?.stop()]);
});

describe("a fault inside tollgate", () => {
  it("is 500 internal_error with the caller's trace id, no detail of the fault, nothing forwarded", async () => {
    const settings = loadSettings({
      TOLLGATE_TENANTS: issuer.defaultTenant,
      TOLLGATE_AUDIENCES: "api://tollgate-faults",
      TOLLGATE_AUTHORITY: issuer.authority,
      TOLLGATE_BACKEND_URL: backend.url,
      // Required, never reached: this gateway has no rate limits and reads no key snapshot.
      TOLLGATE_STORAGE: "https://unused.table.core.windows.net",
    });
    const parsed = parsePolicy(
      JSON.stringify({ version: 1, rules: [{ id: "all", methods: ["*"], path: "/**" }] }),
    );
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const policy = parsed.policy;
    const broken = {
      sign: async () => {
        throw new TypeError("injected fault: the signing key handle at 0xdeadbeef is gone");
      },
      jwks: () => ({ keys: [] }),
    } as unknown as AssertionSigner;
    const records: DecisionRecord[] = [];
    const { validator } = createTokenValidator(settings);
    const gateway = createGateway({
      settings,
      validator,
      policy: () => policy,
      signer: broken,
      pools,
      clock: systemClock,
      onDecision: (record) => records.push(record),
    });

    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await gateway(
      new Request("http://tollgate.test/orders/1", {
        headers: {
          authorization: `Bearer ${await issuer.mint({ roles: ["reader"] })}`,
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      }),
      { clientIp: "127.0.0.1", signal: new AbortController().signal },
    );

    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ status: 500, reason: "internal_error", traceId });
    expect(text).not.toContain("injected");
    expect(text).not.toContain("deadbeef");
    expect(backend.requests).toEqual([]);
    expect(records).toMatchObject([{ traceId, outcome: "error", reason: "internal_error", status: 500 }]);
  });
});
