// The access trail with its real parts: real tokens from the loopback Entra-shaped issuer through
// the gateway (in this process, to a real backend), rows in Table Storage on Azurite, the review
// from the real CLI. Time moves with a ManualClock, so minutes of traffic take milliseconds, and
// every write to the access table is counted by a wrapper around its TableClient.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccessTable } from "../../../shared/access/access-table.js";
import { HASHED_PREFIX } from "../../../shared/access/caller-id.js";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { createTimerJob } from "../../../shared/timer-job.js";
import { runCli } from "../../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type CountingTables, countingTables } from "../../support/counting-tables.js";
import { type InProcessTollgate, startInProcessTollgate } from "../../support/in-process-tollgate.js";

const AUDIENCE = "api://tollgate-access";
const START = Date.UTC(2026, 10, 3, 9, 0, 0);
const POLICY = {
  version: 1,
  rules: [
    { id: "orders-read", methods: ["GET"], path: "/orders/**", require: { roles: { anyOf: ["reader"] } } },
    { id: "manage", methods: ["GET"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
    { id: "health", methods: ["GET"], path: "/health", public: true },
  ],
};

let azurite: AzuriteHandle;
let backend: EchoBackend;
let issuer: EntraIssuer;
let clock: ManualClock;
let storage: CountingTables;

beforeAll(async () => {
  [azurite, backend] = await Promise.all([startAzurite(), startEchoBackend()]);
  clock = new ManualClock(START);
  issuer = await EntraIssuer.start({ now: () => clock.now(), defaultAudience: AUDIENCE });
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), backend?.stop(), issuer?.stop()]);
});

beforeEach(() => {
  clock.set(START);
  storage = countingTables(
    createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
  );
});

const newPrefix = () => `acc${randomUUID().replaceAll("-", "").slice(0, 12)}`;

function envFor(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: prefix,
    TOLLGATE_BACKEND_URL: backend.url,
    ...extra,
  };
}

async function start(env: Record<string, string>): Promise<InProcessTollgate> {
  return startInProcessTollgate(env, { clock, tables: storage.tables, policy: POLICY });
}

async function cli(args: string[], env: Record<string, string>, now = () => clock.now()) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    // The records carry the test's clock; the CLI's 30-day default counts back from it too.
    now,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const readTrail = (prefix: string) =>
  createAccessTable({ tables: storage.tables, tablePrefix: prefix, storageTimeoutMs: 5_000 }).read({
    sinceMs: 0,
  });

interface Caller {
  oid: string;
  appId: string;
  token: string;
}

async function caller(roles: string[], kind: "user" | "app" = "user"): Promise<Caller> {
  const oid = randomUUID();
  const appId = randomUUID();
  return { oid, appId, token: await issuer.mint({ kind, oid, clientAppId: appId, roles }) };
}

describe("access summaries", () => {
  it("add up exactly to every request per caller, rule and outcome, written at most once a minute", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix);
    const gateway = await start(env);
    const reader = await caller(["reader"]);
    const admin = await caller(["admin", "reader"]);
    const worker = await caller(["reader"], "app");
    // [caller or none, path, expected status] — the expected table of counts is built alongside.
    const plan: Array<[Caller | undefined, string, number]> = [
      [reader, "/orders/1", 200],
      [reader, "/manage/x", 403],
      [admin, "/manage/x", 200],
      [worker, "/orders/2", 200],
      [undefined, "/orders/3", 401],
    ];
    const expected = new Map<string, number>();
    const minutes = 3;
    const perMinute = 200;
    for (let m = 0; m < minutes; m++) {
      for (let i = 0; i < perMinute; i++) {
        clock.advance(60_000 / perMinute);
        const [who, path, status] = plan[i % plan.length] as [Caller | undefined, string, number];
        const response = await gateway.call(path, who?.token);
        expect(response.status).toBe(status);
        await response.arrayBuffer();
        const key = `${who?.oid ?? "anonymous"}|${status === 200 ? "allow" : "deny"}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    await gateway.stop();

    const { summaries, refusals } = await readTrail(prefix);
    const counted = new Map<string, number>();
    for (const row of summaries) {
      const key = `${row.callerId}|${row.outcome}`;
      counted.set(key, (counted.get(key) ?? 0) + row.count);
    }
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
    // The reader's refusals carry the rule and reason; the anonymous ones the token reason.
    const readerDenied = summaries.filter((row) => row.callerId === reader.oid && row.outcome === "deny");
    expect(new Set(readerDenied.map((row) => `${row.ruleId}/${row.reason}`))).toEqual(
      new Set(["manage/insufficient_scope"]),
    );
    expect(readerDenied[0]?.clientAppId).toBe(reader.appId);
    expect(summaries.find((row) => row.callerId === worker.oid)?.kind).toBe("app");
    // The reader is refused 40 times a minute: 20 (the default bound) are listed one by one each
    // minute, the rest only counted.
    const listed = refusals.filter((row) => row.callerId === reader.oid).length;
    const dropped = readerDenied.reduce((sum, row) => sum + row.refusalsDropped, 0);
    expect(listed).toBe(minutes * 20);
    expect(listed + dropped).toBe(expected.get(`${reader.oid}|deny`));

    // Three minutes: at most one flush a minute (plus the one at stop), each one transaction per
    // partition touched (the test tenant and `none` for the anonymous calls), plus the table creation.
    const transactions = storage.calls(`${prefix}Access`, "submitTransaction");
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThanOrEqual((minutes + 1) * 2 + 2);
  });

  it("record a public route's requests as allowed with no caller, a token sent anyway ignored", async () => {
    const prefix = newPrefix();
    const decisions: { outcome: string; ruleId?: string; principal?: unknown }[] = [];
    const gateway = await startInProcessTollgate(envFor(prefix), {
      clock,
      tables: storage.tables,
      policy: POLICY,
      onDecision: (record) => decisions.push(record),
    });
    const reader = await caller(["reader"]);
    for (const token of [undefined, reader.token]) {
      clock.advance(1_000);
      const response = await gateway.call("/health", token);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    await gateway.stop();
    expect(decisions.map((d) => ({ outcome: d.outcome, ruleId: d.ruleId, principal: d.principal }))).toEqual([
      { outcome: "allow", ruleId: "health", principal: undefined },
      { outcome: "allow", ruleId: "health", principal: undefined },
    ]);
    const { summaries } = await readTrail(prefix);
    expect(summaries.map((row) => [row.callerId, row.ruleId, row.outcome, row.count])).toEqual([
      ["anonymous", "health", "allow", 2],
    ]);
  });

  it("bound a flood of refusals from one caller per minute and count what they drop", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix, { TOLLGATE_ACCESS_REFUSALS_PER_MINUTE: "5" });
    const gateway = await start(env);
    const reader = await caller(["reader"]);
    for (let i = 0; i < 500; i++) {
      clock.advance(50);
      const response = await gateway.call("/manage/flood", reader.token);
      expect(response.status).toBe(403);
      await response.arrayBuffer();
    }
    await gateway.stop();
    const { summaries, refusals } = await readTrail(prefix);
    // 500 × 50 ms = 25 s: one minute, five refusals kept, 495 counted.
    expect(refusals).toHaveLength(5);
    expect(refusals.every((row) => row.reason === "insufficient_scope" && row.traceId.length === 32)).toBe(
      true,
    );
    expect(summaries.reduce((sum, row) => sum + row.count, 0)).toBe(500);
    expect(summaries.reduce((sum, row) => sum + row.refusalsDropped, 0)).toBe(495);

    const review = await cli(["access", "--caller", reader.oid], env);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain("refused 500");
    expect(review.stdout).toContain("refused by reason: insufficient_scope=500");
    expect(review.stdout).toContain("refusals counted but not listed (per-minute bound): 495");
  });

  it("write pseudonyms, never object ids, when a hash key is set; the CLI finds the caller by id", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix, { TOLLGATE_ACCESS_HASH_KEY: "k".repeat(40) });
    const gateway = await start(env);
    const reader = await caller(["reader"]);
    for (const path of ["/orders/1", "/manage/1", "/orders/2"]) {
      clock.advance(1_000);
      await (await gateway.call(path, reader.token)).arrayBuffer();
    }
    await gateway.stop();

    const client = storage.tables(`${prefix}Access`);
    let raw = "";
    for await (const entity of client.listEntities()) raw += JSON.stringify(entity);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw).not.toContain(reader.oid);
    expect(raw).toContain(HASHED_PREFIX);

    const review = await cli(["access", "--caller", reader.oid, "--json"], env);
    expect(review.code).toBe(0);
    const body = JSON.parse(review.stdout) as {
      lines: Array<{ callerId: string; allowed: number; refused: number }>;
    };
    expect(body.lines).toHaveLength(2);
    expect(body.lines.every((line) => line.callerId.startsWith(HASHED_PREFIX))).toBe(true);
    expect(body.lines.reduce((sum, line) => sum + line.allowed, 0)).toBe(2);
    expect(body.lines.reduce((sum, line) => sum + line.refused, 0)).toBe(1);
    expect(review.stdout).not.toContain(reader.oid);

    // The default window is the last 30 days of the clock the CLI is given: a month on, it is empty.
    const monthLater = await cli(
      ["access", "--caller", reader.oid],
      env,
      () => clock.now() + 31 * 86_400_000,
    );
    expect(monthLater.code).toBe(0);
    expect(monthLater.stdout).toContain("No access recorded since");
  });

  it("prints the review per caller, client app and rule, as text and CSV", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix);
    const gateway = await start(env);
    const reader = await caller(["reader"]);
    const admin = await caller(["admin"]);
    const calls: Array<[Caller, string]> = [
      [reader, "/orders/1"],
      [reader, "/orders/2"],
      [reader, "/manage/1"],
      [admin, "/manage/2"],
    ];
    for (const [who, path] of calls) {
      clock.advance(1_000);
      await (await gateway.call(path, who.token)).arrayBuffer();
    }
    await gateway.stop();

    const text = await cli(["access", "--tenant", issuer.defaultTenant, "--since", "2026-11-01"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `${issuer.defaultTenant}  ${reader.oid}  app ${reader.appId} (user)  rule orders-read`,
    );
    expect(text.stdout).toMatch(
      /rule orders-read\n {2}allowed 2, refused 0, errors 0; first 2026-11-03T09:00:01Z, last 2026-11-03T09:00:02Z/,
    );
    expect(text.stdout).toMatch(/rule manage\n {2}allowed 0, refused 1, errors 0/);
    expect(text.stdout).toContain("Refusals (1, oldest first):");
    expect(text.stdout).toContain("403 insufficient_scope");

    const csv = await cli(["access", "--rule", "manage", "--csv", "--since", "2026-11-01"], env);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "tenantId,callerId,clientAppId,kind,ruleId,allowed,refused,errors,firstSeen,lastSeen,refusedByReason,refusalsNotListed,abandoned",
    );
    expect(lines.slice(1).sort()).toEqual(
      [
        `${issuer.defaultTenant},${admin.oid},${admin.appId},user,manage,1,0,0,2026-11-03T09:00:04Z,2026-11-03T09:00:04Z,,0,0`,
        `${issuer.defaultTenant},${reader.oid},${reader.appId},user,manage,0,1,0,2026-11-03T09:00:03Z,2026-11-03T09:00:03Z,insufficient_scope=1,0,0`,
      ].sort(),
    );
  });

  it("are deleted by the timer once older than the retention", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix, { TOLLGATE_ACCESS_RETENTION_DAYS: "7" });
    const gateway = await start(env);
    const reader = await caller(["reader"]);
    await (await gateway.call("/orders/old", reader.token)).arrayBuffer();
    clock.advance(8 * 86_400_000);
    await (await gateway.call("/orders/new", reader.token)).arrayBuffer();
    await gateway.stop();
    expect((await readTrail(prefix)).summaries).toHaveLength(2);

    const report = await createTimerJob(loadSettings(env), { clock, tables: storage.tables }).run({
      info: () => {},
      warn: () => {},
    });
    expect(report.accessPruned).toBe(1);
    const left = (await readTrail(prefix)).summaries;
    expect(left.map((row) => new Date(row.minute).toISOString())).toEqual([
      new Date(START + 8 * 86_400_000 - ((START + 8 * 86_400_000) % 60_000)).toISOString(),
    ]);
  });
});

describe("tollgate access", () => {
  it("names the bad argument and reads nothing", async () => {
    const env = envFor(newPrefix());
    const cases: Array<[string[], RegExp]> = [
      [["access", "--since", "yesterday"], /--since 'yesterday' is neither a duration/],
      [["access", "--tenant", "contoso"], /--tenant 'contoso' is not a GUID/],
      [["access", "--caller", "alice@contoso.com"], /--caller 'alice@contoso.com' is not a GUID/],
      [["access", "--client-app", "x"], /--client-app 'x' is not a GUID/],
      [["access", "--json", "--csv"], /--json and --csv exclude each other/],
      [["access", "extra"], /'access' takes no positional arguments/],
      [["policy", "show", "--since", "1d"], /--since is for 'access'/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args, env);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(storage.calls(`${env.TOLLGATE_TABLE_PREFIX}Access`)).toBe(0);
  });
});
