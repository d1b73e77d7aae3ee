// The optional sign-in sessions check through the whole gateway: real tokens, the role map on
// Azurite, a real backend. Microsoft Graph and managed identity cannot run here: Graph is the
// loopback stand-in serving Get user with its documented shape, and the credential a stand-in.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { policyTableClient } from "../../../shared/policy/policy-table.js";
import { pushPolicy } from "../../../shared/policy/push-policy.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { createTollgate, type Tollgate } from "../../../shared/tollgate.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { GraphStandIn } from "../../support/graph-standin.js";

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let graph: GraphStandIn;
const clock = new ManualClock();
const running: Tollgate[] = [];

async function gateway(extra: Record<string, string> = {}): Promise<Tollgate> {
  const settings = loadSettings({
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-sessions",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: "sessions",
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_SIGNIN_SESSIONS_CHECK: "true",
    TOLLGATE_GRAPH_URL: graph.url,
    TOLLGATE_GRAPH_TIMEOUT_MS: "500",
    ...extra,
  });
  const tollgate = await createTollgate(settings, {
    clock,
    tables: createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
    // Managed identity cannot run here: this stand-in plays DefaultAzureCredential.
    graph: { credential: { getToken: async () => ({ token: "standin-graph-token" }) } },
  });
  await tollgate.start();
  running.push(tollgate);
  return tollgate;
}

async function call(tollgate: Tollgate, token: string): Promise<{ label: string; challenge: string | null }> {
  const response = await tollgate.handle(
    new Request("http://tollgate.test/orders/1", { headers: { authorization: `Bearer ${token}` } }),
    { clientIp: "127.0.0.1", signal: new AbortController().signal },
  );
  const text = await response.text();
  const reason = response.headers.get("content-type")?.includes("problem+json")
    ? ` ${(JSON.parse(text) as { reason: string }).reason}`
    : "";
  return { label: `${response.status}${reason}`, challenge: response.headers.get("www-authenticate") };
}

/** A user whose sessions were revoked at `revokedAt` (seconds since the epoch). */
function user(revokedAt?: number): string {
  const id = randomUUID();
  graph.members.push({
    id,
    kind: "user",
    securityGroups: [],
    ...(revokedAt === undefined
      ? {}
      : { signInSessionsValidFromDateTime: new Date(revokedAt * 1000).toISOString() }),
  });
  return id;
}

const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  [azurite, issuer, backend, graph] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-sessions" }),
    startEchoBackend(),
    GraphStandIn.start(),
  ]);
  const tables = createTableClientFactory(parseStorageTarget(azurite.connectionString));
  await pushPolicy(
    policyTableClient(tables, "sessions"),
    { version: 1, rules: [{ id: "all", methods: ["*"], path: "/**" }] },
    { clock },
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(running.map((t) => t.stop()));
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), graph?.stop()]);
});

describe("signInSessionsValidFromDateTime", () => {
  it("refuses tokens issued before the user's sessions were revoked, accepts later ones; one Graph call", async () => {
    const tollgate = await gateway();
    const revokedAt = now() - 60;
    const oid = user(revokedAt);
    const before = await issuer.mint({ oid, now: revokedAt - 600 });
    const after = await issuer.mint({ oid, now: revokedAt + 10 });
    const lookups = graph.sessionLookups().length;

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(tollgate, i % 2 ? before : after)),
    );
    for (let i = 0; i < 50; i++) answers.push(await call(tollgate, i % 2 ? before : after));
    expect(answers.filter((a) => a.label === "401 token_revoked")).toHaveLength(50);
    expect(answers.filter((a) => a.label === "200")).toHaveLength(50);
    expect(graph.sessionLookups().length - lookups).toBe(1);
    expect(graph.sessionLookups().at(-1)?.path).toBe(`/v1.0/users/${oid}`);
  });

  it("a CAE-capable client gets the claims challenge for a token issued after the revocation", async () => {
    const tollgate = await gateway();
    const revokedAt = now() - 30;
    const token = await issuer.mint({ oid: user(revokedAt), now: revokedAt - 5, xms_cc: ["cp1"] });
    const answer = await call(tollgate, token);
    expect(answer.label).toBe("401 token_revoked");
    const claims = /claims="([^"]+)"/.exec(answer.challenge ?? "")?.[1] ?? "";
    expect(Buffer.from(claims, "base64").toString()).toBe(
      `{"access_token":{"nbf":{"essential":true,"value":"${revokedAt}"}}}`,
    );
  });

  it("a user never revoked, an app-only token, or another tenant's user passes", async () => {
    const tollgate = await gateway();
    expect((await call(tollgate, await issuer.mint({ oid: user() }))).label).toBe("200");
    const lookups = graph.sessionLookups().length;
    expect((await call(tollgate, await issuer.mint({ kind: "app" }))).label).toBe("200");
    expect(graph.sessionLookups().length).toBe(lookups);
    // Unknown to this directory (404): nothing to compare with.
    expect((await call(tollgate, await issuer.mint({ oid: randomUUID() }))).label).toBe("200");
  });

  it("a revocation is seen once the cached answer lapses (TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS)", async () => {
    const tollgate = await gateway({ TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS: "30" });
    const oid = user();
    const token = await issuer.mint({ oid, now: now() - 120, lifetimeSeconds: 7200 });
    expect((await call(tollgate, token)).label).toBe("200");
    const entry = graph.members.find((m) => m.id === oid);
    if (entry) entry.signInSessionsValidFromDateTime = new Date((now() - 60) * 1000).toISOString();
    clock.advance(29_000);
    expect((await call(tollgate, token)).label).toBe("200");
    clock.advance(2_000);
    expect((await call(tollgate, token)).label).toBe("401 token_revoked");
  });

  it("Graph down: allow by default, 503 signin_sessions_unavailable with deny", async () => {
    const open = await gateway();
    const closed = await gateway({ TOLLGATE_SIGNIN_SESSIONS_ON_ERROR: "deny" });
    const token = await issuer.mint({ oid: user() });
    graph.mode = "unavailable";
    try {
      expect((await call(open, token)).label).toBe("200");
      expect((await call(closed, token)).label).toBe("503 signin_sessions_unavailable");
    } finally {
      graph.mode = "ok";
    }
  });

  it("is off by default: no Graph call", async () => {
    const tollgate = await gateway({ TOLLGATE_SIGNIN_SESSIONS_CHECK: "false" });
    const before = graph.requests.length;
    const revokedAt = now() - 60;
    expect(
      (await call(tollgate, await issuer.mint({ oid: user(revokedAt), now: revokedAt - 600 }))).label,
    ).toBe("200");
    expect(graph.requests.length).toBe(before);
  });
});
