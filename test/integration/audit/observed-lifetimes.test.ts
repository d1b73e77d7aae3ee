// The observed half of the token-lifetime audit with its real parts: real tokens from the loopback
// Entra-shaped issuer through the gateway (in this process, to a real backend), lifetimes stored
// in Table Storage on Azurite, and the timer handler (InvocationContext and timer payload) turning
// them into findings. Storage calls are counted by a wrapper around each TableClient, and time
// moves with a ManualClock, so a minute of traffic takes milliseconds.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { timerHandler } from "../../../functions/timer-handler.js";
import type { FindingEvent } from "../../../shared/audit/finding.js";
import { createLifetimeTable } from "../../../shared/audit/lifetime-table.js";
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
import { type LoggedLine, timerContext, timerPayload } from "../../support/timer-invocation.js";

const HOUR = 3600;
const LONG_APP = randomUUID();
const SHORT_APP = randomUUID();

let azurite: AzuriteHandle;
let backend: EchoBackend;
let issuer: EntraIssuer;
let clock: ManualClock;
let storage: CountingTables;

beforeAll(async () => {
  [azurite, backend] = await Promise.all([startAzurite(), startEchoBackend()]);
  clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  issuer = await EntraIssuer.start({ now: () => clock.now(), defaultAudience: "api://tollgate-lifetimes" });
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), backend?.stop(), issuer?.stop()]);
});

beforeEach(() => {
  clock.set(Date.UTC(2026, 2, 1, 9, 0, 0));
  storage = countingTables(
    createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 }),
  );
});

function envFor(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-lifetimes",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: prefix,
    TOLLGATE_BACKEND_URL: backend.url,
    ...extra,
  };
}

const newPrefix = () => `life${randomUUID().replaceAll("-", "").slice(0, 12)}`;

/** `requests` calls spread evenly over `spanMs` of clock time, alternating the two apps' tokens. */
async function traffic(gateway: InProcessTollgate, requests: number, spanMs: number): Promise<void> {
  const tokens = [
    await issuer.mint({ clientAppId: LONG_APP, lifetimeSeconds: 8 * HOUR }),
    await issuer.mint({ clientAppId: SHORT_APP, lifetimeSeconds: 75 * 60 }),
  ];
  for (let i = 0; i < requests; i++) {
    clock.advance(spanMs / requests);
    const response = await gateway.call(`/orders/${i}`, tokens[i % 2]);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
}

/** Every aggregate the gateway wrote under `prefix`. */
function storedLifetimes(prefix: string) {
  return createLifetimeTable({
    tables: storage.tables,
    tablePrefix: prefix,
    storageTimeoutMs: 2_000,
  }).readSince(0);
}

async function runTimer(
  env: Record<string, string>,
): Promise<{ lines: LoggedLine[]; findings: FindingEvent[] }> {
  const findings: FindingEvent[] = [];
  const job = createTimerJob(loadSettings(env), {
    clock,
    tables: storage.tables,
    onFinding: (event) => findings.push(event),
  });
  const lines: LoggedLine[] = [];
  await timerHandler(() => job)(timerPayload(clock.now()), timerContext(lines));
  return { lines, findings };
}

describe("observed token lifetimes", () => {
  it("writes the aggregates at most once a minute per instance, however many requests there are", async () => {
    const writesFor = async (requests: number) => {
      const prefix = newPrefix();
      clock.set(Date.UTC(2026, 2, 1, 9, 0, 0));
      const gateway = await startInProcessTollgate(envFor(prefix), { clock, tables: storage.tables });
      const table = `${prefix}Lifetimes`;
      // Under a minute of traffic: held in memory, nothing written.
      await traffic(gateway, requests / 5, 59_000);
      expect(storage.writes(table)).toBe(0);
      // Five minutes in all, then shutdown flushes the rest.
      await traffic(gateway, (requests * 4) / 5, 241_000);
      await gateway.stop();
      return storage.writes(table);
    };

    const few = await writesFor(100);
    const many = await writesFor(2_000);
    expect(many).toBe(few);
    // Five flushes (one a minute) of two aggregates, plus creating the table on the first write.
    expect(few).toBeLessThanOrEqual(5 * 2 + 2);
  });

  it("counts a token seen on both sides of the hour in each hour's aggregate", async () => {
    const prefix = newPrefix();
    clock.set(Date.UTC(2026, 2, 1, 9, 59, 0));
    const gateway = await startInProcessTollgate(envFor(prefix), { clock, tables: storage.tables });
    // 100 requests over two minutes with the same two tokens: 50 before 10:00, 50 after.
    await traffic(gateway, 100, 2 * 60_000);
    await gateway.stop();
    const stored = await storedLifetimes(prefix);
    const byHour = (app: string) =>
      stored
        .filter((row) => row.clientAppId === app)
        .map((row) => [new Date(row.windowStart).toISOString().slice(11, 16), row.count])
        .sort();
    // The 100th request lands on 10:01:00 exactly; the 50th, 09:59:00 + 60 s, opens the new hour.
    expect(byHour(LONG_APP)).toEqual([
      ["09:00", 25],
      ["10:00", 25],
    ]);
    expect(byHour(SHORT_APP)).toEqual([
      ["09:00", 24],
      ["10:00", 26],
    ]);
  });

  it("8-hour tokens from one client app make one finding for that app; 75-minute tokens make none", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix);
    const gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });
    await traffic(gateway, 200, 5 * 60_000);
    await gateway.stop();

    const stored = await storedLifetimes(prefix);
    expect(stored.map((row) => [row.clientAppId, row.count, row.maxSeconds]).sort()).toEqual(
      [
        [LONG_APP, 100, 8 * HOUR],
        [SHORT_APP, 100, 75 * 60],
      ].sort(),
    );

    clock.advance(10 * 60_000);
    const run = await runTimer(env);
    expect(run.findings.map((event) => event.finding)).toEqual([
      expect.objectContaining({
        id: `observed_token-lifetime_${issuer.defaultTenant}_${LONG_APP}`,
        source: "observed",
        code: "token_lifetime_too_long",
        severity: "high",
        clientAppId: LONG_APP,
        tenantId: issuer.defaultTenant,
        seen: expect.stringMatching(/live up to 8 h \(100 requests between .*\); the limit is 90 min\.$/),
        fix: expect.stringContaining(`enable CAE for client app ${LONG_APP}`),
      }),
    ]);
    // The first 8-hour token came with the first request, 1.5 s into the traffic.
    expect(run.findings[0]?.finding.firstSeen).toBe(Date.UTC(2026, 2, 1, 9, 0, 0) + 1_500);

    const listed = await runCliAudit(prefix);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(`HIGH  token_lifetime_too_long  client app ${LONG_APP}`);
    expect(listed.stdout).not.toContain(SHORT_APP);
  });

  it("flags client apps whose tokens are all very short (refresh storms), and CAE tokens only past the CAE limit", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix);
    const gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });
    const stormApp = randomUUID();
    const caeApp = randomUUID();
    const tokens = [
      await issuer.mint({ clientAppId: stormApp, lifetimeSeconds: 10 * 60 }),
      // Long-lived, as Entra issues to CAE-capable clients: fine up to 28 hours.
      await issuer.mint({ clientAppId: caeApp, lifetimeSeconds: 24 * HOUR, xms_cc: ["cp1"] }),
    ];
    for (const token of tokens) expect((await gateway.call("/orders/1", token)).status).toBe(200);
    await gateway.stop();

    const run = await runTimer(env);
    expect(run.findings.map((event) => [event.finding.code, event.finding.clientAppId])).toEqual([
      ["token_lifetime_too_short", stormApp],
    ]);
  });

  it("with TOLLGATE_AUDIT_ENFORCE, refuses tokens over the limit for their CAE capability, and still counts them", async () => {
    const prefix = newPrefix();
    const env = envFor(prefix, { TOLLGATE_AUDIT_ENFORCE: "true" });
    const gateway = await startInProcessTollgate(env, { clock, tables: storage.tables });

    const long = await gateway.call(
      "/orders/1",
      await issuer.mint({ clientAppId: LONG_APP, lifetimeSeconds: 8 * HOUR }),
    );
    expect(long.status).toBe(401);
    expect(long.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const problem = (await long.json()) as { reason: string; detail: string };
    expect(problem.reason).toBe("token_lifetime_exceeds_policy");
    expect(problem.detail).toMatch(
      /lives 8 h; this API accepts at most 90 min for clients without Continuous Access Evaluation/,
    );

    const fine = [
      await issuer.mint({ clientAppId: SHORT_APP, lifetimeSeconds: 75 * 60 }),
      await issuer.mint({ clientAppId: SHORT_APP, lifetimeSeconds: 20 * HOUR, xms_cc: ["cp1"] }),
    ];
    for (const token of fine) expect((await gateway.call("/orders/2", token)).status).toBe(200);
    const caeTooLong = await gateway.call(
      "/orders/3",
      await issuer.mint({ clientAppId: SHORT_APP, lifetimeSeconds: 30 * HOUR, xms_cc: ["cp1"] }),
    );
    expect(((await caeTooLong.json()) as { reason: string }).reason).toBe("token_lifetime_exceeds_policy");
    await gateway.stop();

    // The refused token was verified, so the audit still learns of it.
    const run = await runTimer(env);
    expect(run.findings.map((event) => [event.finding.code, event.finding.clientAppId]).sort()).toEqual(
      [
        ["token_lifetime_too_long", LONG_APP],
        ["cae_token_lifetime_too_long", SHORT_APP],
      ].sort(),
    );
  });
});

async function runCliAudit(prefix: string): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await runCli(["audit"], {
    env: { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: prefix },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
  });
  return { code, stdout };
}
