// Continuous access across two gateway processes on one Azurite: revocations (by user, client
// app, token and "issued before") and tenant suspension take effect on both within the refresh
// interval, cached tokens included; removing them restores access; a storage outage keeps the
// last list. Changes are made with the real CLI, as an operator would.

import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer, type MintOptions } from "../../../tools/loopback/entra-issuer.js";
import { startTcpSwitch, type TcpSwitch } from "../../faults/tcp-switch.js";
import { viaProxy } from "../../support/counting-proxy.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";

const REFRESH_SECONDS = 1;
/** The interval plus room for a busy 2-core machine: the worst case a test accepts. */
const TAKES_EFFECT_WITHIN_MS = REFRESH_SECONDS * 1000 + 9_000;

let azurite: AzuriteHandle;
let storageLink: TcpSwitch;
let issuer: EntraIssuer;
let backend: EchoBackend;
let gateways: LocalHost[] = [];
let cliEnv: Record<string, string>;

const POLICY = {
  version: 1,
  rateLimits: { tight: { requests: 3, window: "1h", key: ["clientApp"] } },
  rules: [
    { id: "limited", methods: ["GET"], path: "/limited/**", rateLimit: "tight" },
    { id: "stepup", methods: ["GET"], path: "/stepup/**", require: { authContext: "c7" } },
    { id: "open", methods: ["GET"], path: "/**" },
  ],
};

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env: cliEnv,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

async function ok(...args: string[]): Promise<void> {
  const result = await cli(...args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
}

interface Answer {
  status: number;
  reason: string | undefined;
  challenge: string | null;
}

async function call(gateway: LocalHost, token: string, path = "/orders/1"): Promise<Answer> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let reason: string | undefined;
  if (response.headers.get("content-type")?.includes("problem+json")) {
    reason = (JSON.parse(text) as { reason?: string }).reason;
  }
  return { status: response.status, reason, challenge: response.headers.get("www-authenticate") };
}

const label = (a: Answer) => `${a.status}${a.reason ? ` ${a.reason}` : ""}`;

/** Polls both gateways until each answers `expected` ("200", "401 token_revoked"); the time it took. */
async function untilBoth(token: string, expected: string, path?: string): Promise<number> {
  const started = Date.now();
  for (const gateway of gateways) {
    for (;;) {
      const last = label(await call(gateway, token, path));
      if (last === expected) break;
      if (Date.now() - started > TAKES_EFFECT_WITHIN_MS) {
        throw new Error(`gateway ${gateway.url} still answers ${last}, not ${expected}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return Date.now() - started;
}

async function onBoth(token: string, path?: string): Promise<string[]> {
  return Promise.all(gateways.map(async (g) => label(await call(g, token, path))));
}

/** A token for a user of its own, so one test's revocation never touches another's caller. */
function user(options: MintOptions = {}): Promise<string> {
  return issuer.mint({ oid: randomUUID(), ...options });
}

beforeAll(async () => {
  [azurite, issuer, backend] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-access" }),
    startEchoBackend(),
  ]);
  // The gateways reach storage through a switch the outage test turns off; the CLI goes direct.
  storageLink = await startTcpSwitch(azurite.port);
  cliEnv = { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: "access" };
  const file = join(tmpdir(), `tollgate-access-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(POLICY));
  await ok("policy", "push", file);
  await ok("tenants", "add", issuer.defaultTenant, "--note", "the test's own tenant");
  const env = {
    TOLLGATE_TENANTS: "*",
    TOLLGATE_TENANTS_TABLE: "true",
    TOLLGATE_AUDIENCES: "api://tollgate-access",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: viaProxy(azurite.connectionString, storageLink.port),
    TOLLGATE_TABLE_PREFIX: "access",
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_REVOCATIONS_REFRESH_SECONDS: String(REFRESH_SECONDS),
    TOLLGATE_TENANTS_REFRESH_SECONDS: String(REFRESH_SECONDS),
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
    TOLLGATE_STORAGE_TIMEOUT_MS: "1000",
  };
  expect(env.TOLLGATE_STORAGE).not.toBe(azurite.connectionString);
  gateways = await Promise.all([startLocalHost(env), startLocalHost(env)]);
  // Ready means keys, role map, revocation list and tenants table are all in memory.
  for (const gateway of gateways) {
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${gateway.url}/.tollgate/ready`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`gateway never became ready:\n${gateway.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await Promise.allSettled([storageLink?.stop(), azurite?.stop(), issuer?.stop(), backend?.stop()]);
});

describe("revocations across two gateway processes", () => {
  it("by user: refused on both, cached token included, within the interval; removal restores it", async () => {
    const oid = randomUUID();
    const token = await issuer.mint({ oid });
    const bystander = await user();
    // Both instances have verified the token and hold it in their verified-token cache.
    expect(await onBoth(token)).toEqual(["200", "200"]);

    await ok("revoke", "user", issuer.defaultTenant, oid, "--reason", "offboarded");
    const tookMs = await untilBoth(token, "401 token_revoked");
    console.log(`user revocation took effect on both gateways in ${tookMs} ms`);
    expect(await onBoth(bystander)).toEqual(["200", "200"]);

    await ok("revocations", "remove", "user", issuer.defaultTenant, oid);
    await untilBoth(token, "200");
  });

  it("by client app, everywhere or within one tenant", async () => {
    const app = randomUUID();
    const token = await user({ clientAppId: app });
    const otherApp = await user();
    expect(await onBoth(token)).toEqual(["200", "200"]);

    // Within another tenant: this tenant's callers of the app are untouched.
    await ok("revoke", "app", app, "--tenant", randomUUID(), "--reason", "compromised there");
    await ok("revoke", "app", app, "--reason", "client secret leaked");
    await untilBoth(token, "401 token_revoked");
    expect(await onBoth(otherApp)).toEqual(["200", "200"]);

    await ok("revocations", "remove", "app", app);
    await untilBoth(token, "200");
  });

  it("by token (uti): only that token", async () => {
    const oid = randomUUID();
    const [stolen, fresh] = await Promise.all([issuer.mint({ oid }), issuer.mint({ oid })]);
    const uti = String(decodeJwt(stolen).uti);
    expect(await onBoth(stolen)).toEqual(["200", "200"]);

    await ok("revoke", "token", uti, "--reason", "seen in a log", "--expires", "2h");
    await untilBoth(stolen, "401 token_revoked");
    expect(await onBoth(fresh)).toEqual(["200", "200"]);

    await ok("revocations", "remove", "token", uti);
    await untilBoth(stolen, "200");
  });

  it("issued before: older tokens refused, newer ones accepted (revokeSignInSessions)", async () => {
    const oid = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const old = await issuer.mint({ oid, now: now - 600 });
    const newer = await issuer.mint({ oid, now });
    expect(await onBoth(old)).toEqual(["200", "200"]);
    const cutOff = new Date((now - 300) * 1000).toISOString();

    await ok(
      "revoke",
      "user",
      issuer.defaultTenant,
      oid,
      "--issued-before",
      cutOff,
      "--reason",
      "password reset",
    );
    await untilBoth(old, "401 token_revoked");
    expect(await onBoth(newer)).toEqual(["200", "200"]);

    const listed = await cli("revocations", "list", "--json");
    const entry = (JSON.parse(listed.stdout) as { key: string; issuedBefore?: string }[]).find(
      (e) => e.key === `user:${issuer.defaultTenant}:${oid}`,
    );
    expect(Date.parse(entry?.issuedBefore ?? "")).toBe(Date.parse(cutOff));
    await ok("revocations", "remove", "user", issuer.defaultTenant, oid);
    await untilBoth(old, "200");
  });

  it("CAE-capable tokens get Entra's claims challenge, a bounded number of times; others a plain 401", async () => {
    const oid = randomUUID();
    // Issued well before the cut-off "now". Case-insensitive: `CP1` counts as `cp1`.
    const issuedAt = Math.floor(Date.now() / 1000) - 60;
    const cae = await issuer.mint({ oid, xms_cc: ["CP1"], now: issuedAt });
    const plain = await issuer.mint({ oid, now: issuedAt });
    const gateway = gateways[0] as LocalHost;
    await ok(
      "revoke",
      "user",
      issuer.defaultTenant,
      oid,
      "--issued-before",
      "now",
      "--reason",
      "risky sign-in",
    );
    const listed = JSON.parse((await cli("revocations", "list", "--json")).stdout) as {
      key: string;
      issuedBefore: string;
    }[];
    const cutOff = Date.parse(listed.find((e) => e.key.endsWith(oid))?.issuedBefore ?? "") / 1000;
    await untilBoth(plain, "401 token_revoked");

    const first = await call(gateway, cae);
    expect(first.status).toBe(401);
    expect(first.reason).toBe("token_revoked");
    const match =
      /^Bearer realm="tollgate", error="insufficient_claims", error_description="[^"]+", claims="([A-Za-z0-9+/=]+)", authorization_uri="([^"]+)"$/.exec(
        first.challenge ?? "",
      );
    expect(match, first.challenge ?? "no challenge").not.toBeNull();
    const claims = Buffer.from(match?.[1] ?? "", "base64").toString("utf8");
    expect(claims).toBe(`{"access_token":{"nbf":{"essential":true,"value":"${cutOff}"}}}`);
    expect(match?.[2]).toBe(`${issuer.authority}/${issuer.defaultTenant}/oauth2/v2.0/authorize`);

    // The same token again: challenged once more, then refused plainly (no endless loop).
    expect((await call(gateway, cae)).challenge).toContain('error="insufficient_claims"');
    const third = await call(gateway, cae);
    expect(label(third)).toBe("401 token_revoked");
    expect(third.challenge).toContain('error="invalid_token"');
    expect(third.challenge).not.toContain("claims=");

    const refused = await call(gateway, plain);
    expect(refused.challenge).toMatch(/^Bearer realm="tollgate", error="invalid_token", error_description="/);
    expect(refused.challenge).not.toContain("claims=");
  });
});

describe("step-up by authentication context", () => {
  it("a CAE client gets a 401 claims challenge for acrs, others a 403; a token with the context passes", async () => {
    const gateway = gateways[1] as LocalHost;
    const cae = await user({ xms_cc: ["cp1"] });
    const plain = await user();
    const stepped = await user({ claims: { acrs: ["c7"] } });

    const challenged = await call(gateway, cae, "/stepup/x");
    expect(label(challenged)).toBe("401 auth_context_required");
    const match =
      /error="insufficient_claims", error_description="[^"]+", claims="([^"]+)", authorization_uri="([^"]+)"$/.exec(
        challenged.challenge ?? "",
      );
    expect(Buffer.from(match?.[1] ?? "", "base64").toString("utf8")).toBe(
      '{"access_token":{"acrs":{"essential":true,"value":"c7"}}}',
    );
    expect(match?.[2]).toBe(`${issuer.authority}/${issuer.defaultTenant}/oauth2/v2.0/authorize`);

    const refused = await call(gateway, plain, "/stepup/x");
    expect(label(refused)).toBe("403 auth_context_required");
    expect(refused.challenge).toContain('error="insufficient_scope"');
    expect(refused.challenge).toContain("c7");
    expect(refused.challenge).not.toContain("claims=");

    expect(label(await call(gateway, stepped, "/stepup/x"))).toBe("200");
  });
});

describe("tenant onboarding across two gateway processes", () => {
  it("only onboarded tenants pass; suspend and resume take effect on both", async () => {
    const tenant = randomUUID();
    const token = await issuer.mint({ tid: tenant, oid: randomUUID() });
    expect(await onBoth(token)).toEqual(["401 tenant_not_allowed", "401 tenant_not_allowed"]);

    await ok("tenants", "add", tenant, "--note", "signed the contract");
    await untilBoth(token, "200");
    await ok("tenants", "suspend", tenant, "--note", "invoice overdue");
    const tookMs = await untilBoth(token, "403 tenant_suspended");
    console.log(`tenant suspension took effect on both gateways in ${tookMs} ms`);
    await ok("tenants", "resume", tenant);
    await untilBoth(token, "200");

    const listed = JSON.parse((await cli("tenants", "list", "--json")).stdout) as {
      tenantId: string;
      state: string;
      note: string;
    }[];
    expect(listed.find((t) => t.tenantId === tenant)).toMatchObject({
      state: "active",
      note: "invoice overdue",
    });
  });
});

describe("refused before a rule grants them", () => {
  it("bad, revoked and suspended-tenant requests never spend the rate-limit budget", async () => {
    const app = randomUUID();
    const gateway = gateways[0] as LocalHost;
    const revokedOid = randomUUID();
    const suspended = randomUUID();
    await ok("tenants", "add", suspended, "--note", "soon suspended");
    await ok("tenants", "suspend", suspended, "--note", "suspended for this test");
    await ok("revoke", "user", issuer.defaultTenant, revokedOid, "--reason", "offboarded");
    const revoked = await issuer.mint({ oid: revokedOid, clientAppId: app });
    const fromSuspended = await issuer.mint({ tid: suspended, oid: randomUUID(), clientAppId: app });
    const good = await user({ clientAppId: app });
    const forged = `${good.slice(0, -8)}AAAAAAAA`;
    // Waited for on an unlimited route: until then these callers pass, and would spend the budget.
    await untilBoth(revoked, "401 token_revoked");
    await untilBoth(fromSuspended, "403 tenant_suspended");

    // Ten refusals of each kind on the route whose budget is 3 per hour for this client app.
    for (let i = 0; i < 10; i++) {
      expect(label(await call(gateway, revoked, "/limited/x"))).toBe("401 token_revoked");
      expect(label(await call(gateway, fromSuspended, "/limited/x"))).toBe("403 tenant_suspended");
      expect((await call(gateway, forged, "/limited/x")).status).toBe(401);
    }
    // The whole budget is still there: three admitted, then the limit holds.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(label(await call(gateway, good, "/limited/x")));
    expect(statuses).toEqual(["200", "200", "200", "429 rate_limited"]);
  });
});

describe("storage outage", () => {
  it("keeps the last revocation list: revoked stays revoked, others pass", async () => {
    const oid = randomUUID();
    const revoked = await issuer.mint({ oid });
    const bystander = await user();
    await ok("revoke", "user", issuer.defaultTenant, oid, "--reason", "offboarded before the outage");
    await untilBoth(revoked, "401 token_revoked");

    storageLink.setMode("blackhole");
    try {
      // Each instance has tried to re-read since and failed.
      const deadline = Date.now() + 20_000;
      while (!gateways.every((g) => g.output().includes("revocation list could not be read"))) {
        if (Date.now() > deadline) throw new Error("the gateways never noticed the outage");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await onBoth(revoked)).toEqual(["401 token_revoked", "401 token_revoked"]);
      expect(await onBoth(bystander)).toEqual(["200", "200"]);
    } finally {
      storageLink.setMode("pass");
    }
  });
});
