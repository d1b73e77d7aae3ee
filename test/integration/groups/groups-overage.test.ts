// Groups overage through the whole gateway: real tokens from the loopback issuer with Entra's
// overage pointer, the role map on Azurite, a real backend. Microsoft Graph and managed identity
// cannot run here: Graph is the loopback stand-in serving getMemberObjects with its documented
// shapes, and the credential is a stand-in that hands out a fixed token.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { policyTableClient } from "../../../shared/policy/policy-table.js";
import { pushPolicy } from "../../../shared/policy/push-policy.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { createTimerJob } from "../../../shared/timer-job.js";
import { createTollgate, type Tollgate } from "../../../shared/tollgate.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { GraphStandIn } from "../../support/graph-standin.js";

const STANDIN_TOKEN = "graph-token-from-the-credential-stand-in";
const FINANCE = "6f1c3b2a-0d4e-4f5a-9b8c-7d6e5f4a3b21";
const OTHER_GROUP = "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d";

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let graph: GraphStandIn;
const clock = new ManualClock();
const running: Tollgate[] = [];
const scopesAsked: (string | string[])[] = [];

const POLICY = {
  version: 1,
  rules: [
    { id: "finance", methods: ["GET"], path: "/finance/**", require: { groups: { anyOf: [FINANCE] } } },
    { id: "open", methods: ["GET"], path: "/**" },
  ],
};

function envWith(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-groups",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: "groups",
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_GROUPS_GRAPH: "true",
    TOLLGATE_GRAPH_URL: graph.url,
    TOLLGATE_GRAPH_TIMEOUT_MS: "500",
    ...extra,
  };
}

async function gateway(extra: Record<string, string> = {}): Promise<Tollgate> {
  const env = envWith(extra);
  const tollgate = await createTollgate(loadSettings(env), {
    clock,
    tables: createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
    // Managed identity cannot run here: this stand-in plays DefaultAzureCredential.
    graph: {
      credential: {
        getToken: async (scopes) => {
          scopesAsked.push(scopes);
          return { token: STANDIN_TOKEN };
        },
      },
    },
  });
  await tollgate.start();
  running.push(tollgate);
  return tollgate;
}

async function call(tollgate: Tollgate, token: string, path = "/finance/report"): Promise<string> {
  const response = await tollgate.handle(
    new Request(`http://tollgate.test${path}`, { headers: { authorization: `Bearer ${token}` } }),
    { clientIp: "127.0.0.1", signal: new AbortController().signal },
  );
  const text = await response.text();
  const reason = response.headers.get("content-type")?.includes("problem+json")
    ? ` ${(JSON.parse(text) as { reason: string }).reason}`
    : "";
  return `${response.status}${reason}`;
}

function member(
  groups: string[],
  kind: "user" | "servicePrincipal" = "user",
  otherGroups = [OTHER_GROUP],
): string {
  const id = randomUUID();
  graph.members.push({ id, kind, securityGroups: groups, otherGroups });
  return id;
}

beforeAll(async () => {
  [azurite, issuer, backend, graph] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-groups" }),
    startEchoBackend(),
    GraphStandIn.start(),
  ]);
  const tables = createTableClientFactory(parseStorageTarget(azurite.connectionString));
  await pushPolicy(policyTableClient(tables, "groups"), POLICY, { clock });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(running.map((t) => t.stop()));
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), graph?.stop()]);
});

describe("groups overage resolved through Microsoft Graph", () => {
  it("100 requests from one overage caller cost one Graph call, concurrent or not", async () => {
    const tollgate = await gateway();
    const oid = member([FINANCE]);
    const token = await issuer.mint({ oid, groupsOverage: true });
    const before = graph.memberLookups().length;

    const burst = await Promise.all(Array.from({ length: 50 }, () => call(tollgate, token)));
    for (let i = 0; i < 50; i++) burst.push(await call(tollgate, token));
    expect(burst).toEqual(Array(100).fill("200"));

    const lookups = graph.memberLookups().slice(before);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({
      method: "POST",
      path: `/v1.0/users/${oid}/getMemberObjects`,
      authorization: `Bearer ${STANDIN_TOKEN}`,
    });
    expect(scopesAsked).toContainEqual(`${graph.url}/.default`);
  });

  it("an overage caller without the group is refused, and only security groups count", async () => {
    const tollgate = await gateway();
    // FINANCE is a Microsoft 365 group of this caller, not a security group: it does not count.
    const token = await issuer.mint({ oid: member([OTHER_GROUP], "user", [FINANCE]), groupsOverage: true });
    expect(await call(tollgate, token)).toBe("403 insufficient_scope");
  });

  it("app-only callers are looked up as service principals", async () => {
    const tollgate = await gateway();
    const oid = member([FINANCE], "servicePrincipal");
    const token = await issuer.mint({ kind: "app", oid, groupsOverage: true });
    expect(await call(tollgate, token)).toBe("200");
    expect(graph.memberLookups().at(-1)?.path).toBe(`/v1.0/servicePrincipals/${oid}/getMemberObjects`);
  });

  it("Graph is asked only when groups decide the request", async () => {
    const tollgate = await gateway();
    const token = await issuer.mint({ oid: member([FINANCE]), groupsOverage: true });
    const before = graph.memberLookups().length;
    expect(await call(tollgate, token, "/elsewhere")).toBe("200");
    expect(graph.memberLookups().length).toBe(before);
  });

  it("the cache lasts TOLLGATE_GROUPS_CACHE_SECONDS, then Graph is asked again", async () => {
    const tollgate = await gateway({ TOLLGATE_GROUPS_CACHE_SECONDS: "60" });
    const oid = member([FINANCE]);
    const token = await issuer.mint({ oid, groupsOverage: true, lifetimeSeconds: 7200 });
    const before = graph.memberLookups().length;
    expect(await call(tollgate, token)).toBe("200");
    clock.advance(59_000);
    expect(await call(tollgate, token)).toBe("200");
    expect(graph.memberLookups().length - before).toBe(1);
    // Removed from the group in the directory: seen once the cached answer lapses.
    const entry = graph.members.find((m) => m.id === oid);
    if (entry) entry.securityGroups = [];
    clock.advance(2_000);
    expect(await call(tollgate, token)).toBe("403 insufficient_scope");
    expect(graph.memberLookups().length - before).toBe(2);
  });
});

describe("when Graph cannot answer", () => {
  it("deny (the default): 503 groups_unavailable, and an outage is not a Graph call per request", async () => {
    const tollgate = await gateway();
    const token = await issuer.mint({ oid: member([FINANCE]), groupsOverage: true });
    graph.mode = "unavailable";
    try {
      const before = graph.memberLookups().length;
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(tollgate, token)));
      for (let i = 0; i < 20; i++) answers.push(await call(tollgate, token));
      expect(new Set(answers)).toEqual(new Set(["503 groups_unavailable"]));
      expect(graph.memberLookups().length - before).toBe(1);
    } finally {
      graph.mode = "ok";
    }
    // Retried after the failure is forgotten.
    clock.advance(6_000);
    expect(await call(tollgate, token)).toBe("200");
  });

  it("a Graph slower than TOLLGATE_GRAPH_TIMEOUT_MS counts as down", async () => {
    const tollgate = await gateway();
    const token = await issuer.mint({ oid: member([FINANCE]), groupsOverage: true });
    graph.delayMs = 2_000;
    try {
      expect(await call(tollgate, token)).toBe("503 groups_unavailable");
    } finally {
      graph.delayMs = 0;
    }
  });

  it("allow: group requirements count as met for overage callers", async () => {
    const tollgate = await gateway({ TOLLGATE_GROUPS_ON_ERROR: "allow" });
    const token = await issuer.mint({ oid: member([]), groupsOverage: true });
    graph.mode = "unavailable";
    try {
      expect(await call(tollgate, token)).toBe("200");
    } finally {
      graph.mode = "ok";
    }
  });

  it("without TOLLGATE_GROUPS_GRAPH, overage callers are refused as before", async () => {
    const tollgate = await gateway({ TOLLGATE_GROUPS_GRAPH: "false" });
    const before = graph.requests.length;
    const token = await issuer.mint({ oid: member([FINANCE]), groupsOverage: true });
    expect(await call(tollgate, token)).toBe("403 insufficient_scope");
    expect(graph.requests.length).toBe(before);
  });
});

describe("the timer's audit", () => {
  async function auditAfterOverageTraffic(prefix: string, policy: object) {
    const tables = createTableClientFactory(parseStorageTarget(azurite.connectionString));
    await pushPolicy(policyTableClient(tables, prefix), policy, { clock });
    const tollgate = await gateway({ TOLLGATE_TABLE_PREFIX: prefix });
    const token = await issuer.mint({ oid: member([FINANCE]), groupsOverage: true });
    expect(await call(tollgate, token, "/finance/x")).toBe("200");
    await tollgate.stop(); // writes the observed lifetimes
    const job = createTimerJob(loadSettings(envWith({ TOLLGATE_TABLE_PREFIX: prefix })), {
      clock,
      tables: createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
    });
    const result = await job.run({ info: () => {}, warn: () => {} });
    return result.audit.open.filter((finding) => finding.code === "groups_overage_with_group_rules");
  }

  it("flags group rules for an API whose tokens overflow, recommending app roles", async () => {
    const found = await auditAfterOverageTraffic("groupsaudit", POLICY);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: "warning", clientAppId: issuer.defaultClientApp });
    expect(found[0]?.seen).toContain("'finance'");
    expect(found[0]?.fix).toContain("app roles");
  });

  it("says nothing when no rule decides on groups", async () => {
    const rolesOnly = {
      version: 1,
      rules: [{ id: "finance", methods: ["GET"], path: "/finance/**", require: { kind: "user" } }],
    };
    expect(await auditAfterOverageTraffic("groupsnorules", rolesOnly)).toEqual([]);
  });
});
