// The configured half of the token-lifetime audit, driven through the timer handler (an
// InvocationContext and a timer payload) against Table Storage on Azurite. Microsoft Graph and
// managed identity cannot run here: Graph is a loopback stand-in serving the two documented
// endpoints with their documented shapes, and the credential is a stand-in that hands out a
// fixed token. Everything else is real, and `tollgate audit` reads what the run stored.

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { timerHandler } from "../../../functions/timer-handler.js";
import type { FindingEvent } from "../../../shared/audit/finding.js";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { createTimerJob } from "../../../shared/timer-job.js";
import { runCli } from "../../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { GraphStandIn } from "../../support/graph-standin.js";
import { type LoggedLine, timerContext, timerPayload } from "../../support/timer-invocation.js";

const API_APP_ID = randomUUID();
const API_OBJECT_ID = randomUUID();
const STANDIN_TOKEN = "stand-in-managed-identity-token";

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let graph: GraphStandIn;
let clock: ManualClock;
let env: Record<string, string>;
let scopesAsked: (string | string[])[];

beforeAll(async () => {
  [azurite, issuer] = await Promise.all([startAzurite(), EntraIssuer.start()]);
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), issuer?.stop()]);
});

beforeEach(async () => {
  graph = await GraphStandIn.start();
  graph.applications = [{ id: API_OBJECT_ID, appId: API_APP_ID, policies: [] }];
  clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  scopesAsked = [];
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: `api://tollgate-audit,${API_APP_ID}`,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: `audit${randomUUID().replaceAll("-", "").slice(0, 12)}`,
    TOLLGATE_AUDIT_GRAPH: "true",
    TOLLGATE_AUDIT_GRAPH_URL: graph.url,
  };
});

afterEach(async () => {
  await graph?.stop();
});

interface Run {
  lines: LoggedLine[];
  findings: FindingEvent[];
}

async function runTimer(): Promise<Run> {
  const findings: FindingEvent[] = [];
  const job = createTimerJob(loadSettings(env), {
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
    onFinding: (event) => findings.push(event),
  });
  const lines: LoggedLine[] = [];
  await timerHandler(() => job)(timerPayload(clock.now()), timerContext(lines));
  return { lines, findings };
}

async function audit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["audit", ...args], {
    env: { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: env.TOLLGATE_TABLE_PREFIX },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const byId = (run: Run) => new Map(run.findings.map((event) => [event.finding.id, event]));

describe("the configured token-lifetime audit (Microsoft Graph)", () => {
  it("flags a policy over the limit, the organization default and a policy assigned to the API; `tollgate audit` lists them", async () => {
    graph.policies = [
      {
        id: randomUUID(),
        displayName: "Contoso token lifetime policy",
        isOrganizationDefault: true,
        accessTokenLifetime: "8:00:00",
      },
      {
        id: randomUUID(),
        displayName: "Orders API",
        isOrganizationDefault: false,
        accessTokenLifetime: "02:00:00",
      },
      {
        id: randomUUID(),
        displayName: "Kiosk apps",
        isOrganizationDefault: false,
        accessTokenLifetime: "00:30:00",
      },
    ];
    const [orgDefault, apiPolicy] = graph.policies.map((p) => p.id) as [string, string, string];
    graph.applications = [{ id: API_OBJECT_ID, appId: API_APP_ID, policies: [apiPolicy] }];

    const run = await runTimer();

    const found = byId(run);
    expect([...found.keys()].sort()).toEqual(
      [
        `policy-lifetime_${orgDefault}`,
        `policy-org-default_${orgDefault}`,
        `policy-lifetime_${apiPolicy}`,
        `policy-assigned-api_${apiPolicy}`,
      ].sort(),
    );
    expect(run.findings.every((event) => event.state === "new")).toBe(true);
    expect(found.get(`policy-lifetime_${orgDefault}`)?.finding).toMatchObject({
      source: "configured",
      code: "policy_lifetime_too_long",
      severity: "high",
      policyId: orgDefault,
      seen: expect.stringContaining('"Contoso token lifetime policy"'),
      fix: expect.stringContaining(
        'Shorten AccessTokenLifetime on policy "Contoso token lifetime policy" to 90 min or less',
      ),
      firstSeen: clock.now(),
      lastSeen: clock.now(),
    });
    expect(found.get(`policy-lifetime_${orgDefault}`)?.finding.seen).toMatch(
      /AccessTokenLifetime 8:00:00 \(8 h\)/,
    );
    expect(found.get(`policy-org-default_${orgDefault}`)?.finding).toMatchObject({
      code: "policy_is_organization_default",
      severity: "warning",
    });
    expect(found.get(`policy-assigned-api_${apiPolicy}`)?.finding).toMatchObject({
      code: "policy_assigned_to_api",
      severity: "high",
      seen: expect.stringContaining(`assigned to the protected API's application ${API_APP_ID}`),
    });
    // Graph was called with the identity's token, for Graph's own scope, at the two endpoints only.
    expect(scopesAsked.every((scope) => scope === `${graph.url}/.default`)).toBe(true);
    expect(graph.requests.map((r) => r.path)).toEqual([
      "/v1.0/policies/tokenLifetimePolicies",
      `/v1.0/applications(appId='${API_APP_ID}')/tokenLifetimePolicies`,
    ]);
    expect(graph.requests.every((r) => r.authorization === `Bearer ${STANDIN_TOKEN}`)).toBe(true);

    const listed = await audit();
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain("HIGH  policy_lifetime_too_long");
    expect(listed.stdout).toContain(
      'fix:   Shorten AccessTokenLifetime on policy "Contoso token lifetime policy"',
    );
    expect(listed.stdout).toContain("first seen 2026-03-01T09:00:00Z, last seen 2026-03-01T09:00:00Z");
    expect(listed.stdout).toContain("4 open finding(s).");
    // Most severe first.
    expect(listed.stdout.indexOf("WARNING")).toBeGreaterThan(listed.stdout.lastIndexOf("HIGH"));
    const json = JSON.parse((await audit("--json")).stdout) as {
      id: string;
      severity: string;
      firstSeen: string;
    }[];
    expect(json.map((f) => f.severity)).toEqual(["high", "high", "high", "warning"]);
    expect(json[0]?.firstSeen).toBe("2026-03-01T09:00:00Z");
  });

  it("finds nothing in a compliant tenant", async () => {
    graph.policies = [
      {
        id: randomUUID(),
        displayName: "One hour",
        isOrganizationDefault: false,
        accessTokenLifetime: "01:00:00",
      },
      { id: randomUUID(), displayName: "Entra default", isOrganizationDefault: false },
    ];
    const run = await runTimer();
    expect(run.findings).toEqual([]);
    expect(run.lines.filter((line) => line.level === "warning")).toEqual([]);
    expect(run.lines).toContainEqual({
      level: "information",
      text: "token-lifetime audit: 0 open finding(s) (0 high)",
    });
    const listed = await audit();
    expect([listed.code, listed.stdout]).toEqual([
      0,
      "No findings stored yet: the timer function writes them on each run.\n",
    ]);
  });

  it("a 403 from Graph is a finding that names the missing permission, Policy.Read.All", async () => {
    graph.mode = "forbidden";
    const run = await runTimer();
    expect(run.findings.map((event) => event.finding)).toEqual([
      expect.objectContaining({
        id: "graph-permission_policies",
        code: "graph_permission_missing",
        severity: "warning",
        seen: expect.stringMatching(
          /^Microsoft Graph refused GET \/v1\.0\/policies\/tokenLifetimePolicies with 403 \(Authorization_RequestDenied\)/,
        ),
        fix: expect.stringContaining("Microsoft Graph application permission Policy.Read.All"),
      }),
    ]);
    expect(run.lines).toContainEqual({
      level: "warning",
      text: expect.stringMatching(/HTTP 403 Authorization_RequestDenied/),
    });
    expect((await audit()).stdout).toContain("Policy.Read.All");
  });

  it("a 403 on the API's assignments only names the extra permission that list needs", async () => {
    graph.mode = "forbidden-assignments";
    graph.policies = [
      {
        id: randomUUID(),
        displayName: "One hour",
        isOrganizationDefault: false,
        accessTokenLifetime: "01:00:00",
      },
    ];
    const run = await runTimer();
    expect(run.findings.map((event) => event.finding)).toEqual([
      expect.objectContaining({
        id: "graph-permission_api-assignments",
        fix: expect.stringContaining("Policy.Read.All together with Application.ReadWrite.OwnedBy"),
      }),
    ]);
  });

  it("finds the API's application by its object id when that is what the setting gives", async () => {
    const policy = {
      id: randomUUID(),
      displayName: "API",
      isOrganizationDefault: false,
      accessTokenLifetime: "01:00:00",
    };
    graph.policies = [policy];
    graph.applications = [{ id: API_OBJECT_ID, appId: API_APP_ID, policies: [policy.id] }];
    env.TOLLGATE_AUDIT_API_APP_ID = API_OBJECT_ID;
    const run = await runTimer();
    // Within the limit: an informational finding, so the assignment is known.
    expect(run.findings.map((event) => [event.finding.code, event.finding.severity])).toEqual([
      ["policy_assigned_to_api", "info"],
    ]);
    expect(graph.requests.map((r) => r.path).slice(1)).toEqual([
      `/v1.0/applications(appId='${API_OBJECT_ID}')/tokenLifetimePolicies`,
      `/v1.0/applications/${API_OBJECT_ID}/tokenLifetimePolicies`,
    ]);
  });

  it("follows Graph's paging", async () => {
    graph.pageSize = 2;
    graph.policies = Array.from({ length: 5 }, (_, i) => ({
      id: randomUUID(),
      displayName: `Policy ${i}`,
      isOrganizationDefault: false,
      accessTokenLifetime: i === 4 ? "12:00:00" : "01:00:00",
    }));
    const run = await runTimer();
    expect(run.findings.map((event) => event.finding.policyId)).toEqual([graph.policies[4]?.id]);
    expect(graph.requests.filter((r) => r.path === "/v1.0/policies/tokenLifetimePolicies")).toHaveLength(3);
  });

  it("keeps a finding's first-seen time while it persists, and resolves it once the policy is fixed", async () => {
    const policy = {
      id: randomUUID(),
      displayName: "Too long",
      isOrganizationDefault: false,
      accessTokenLifetime: "1.00:00:00",
    };
    graph.policies = [policy];
    const firstRun = clock.now();
    expect(byId(await runTimer()).get(`policy-lifetime_${policy.id}`)?.state).toBe("new");

    clock.advance(15 * 60_000);
    const again = byId(await runTimer()).get(`policy-lifetime_${policy.id}`);
    expect(again?.state).toBe("open");
    expect(again?.finding).toMatchObject({ firstSeen: firstRun, lastSeen: clock.now() });

    policy.accessTokenLifetime = "01:00:00";
    clock.advance(15 * 60_000);
    const fixed = await runTimer();
    expect(fixed.findings).toEqual([
      {
        type: "finding",
        state: "resolved",
        finding: expect.objectContaining({ id: `policy-lifetime_${policy.id}`, resolvedAt: clock.now() }),
      },
    ]);
    expect(await audit()).toMatchObject({ code: 0, stdout: "No open findings.\n" });
    const all = await audit("--all");
    expect(all.stdout).toContain("(resolved 2026-03-01T09:30:00Z)");
    expect(all.stdout).toContain("0 open finding(s), 1 resolved.");
  });

  it("without Graph access configured, skips the Graph part with one log line and calls nothing", async () => {
    delete env.TOLLGATE_AUDIT_GRAPH;
    const run = await runTimer();
    const graphLines = run.lines.filter((line) => /Microsoft Graph/.test(line.text));
    expect(graphLines).toEqual([
      {
        level: "information",
        text: expect.stringMatching(
          /Microsoft Graph access is not configured \(TOLLGATE_AUDIT_GRAPH=false\)/,
        ),
      },
    ]);
    expect(run.lines.filter((line) => line.level !== "information")).toEqual([]);
    expect(graph.requests).toEqual([]);
    expect(scopesAsked).toEqual([]);
  });
});
