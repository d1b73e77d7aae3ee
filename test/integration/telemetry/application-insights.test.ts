// Every decision visible in Application Insights: the local host with the real Azure Monitor
// exporter, pointed at a loopback HTTPS receiver, and the envelopes it really sends. The shipped
// KQL queries are checked against those envelopes, so they cannot drift from what tollgate sends.

import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DECISION_ATTRIBUTES,
  DECISION_MEASUREMENTS,
  EVENT_FIELDS,
  EVENTS,
  METRIC_ATTRIBUTES,
  METRICS,
} from "../../../shared/telemetry/names.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { DEFAULT_USER, EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { freePort } from "../../../tools/loopback/ports.js";
import { tableOf, tableShapes } from "../../support/app-insights-tables.js";
import { kqlReferences } from "../../support/kql-references.js";
import {
  type LocalHost,
  startFunctionsPathHost,
  startLocalHost,
  waitUntilReady,
} from "../../support/local-host.js";
import { ORDERS_READ_RULE } from "../../support/orders-read-rule.js";
import { pushWithCli } from "../../support/push-with-cli.js";

/** The local host here; application-insights-functions-path.test.ts runs this suite on the Functions path. */
const onFunctionsPath =
  (globalThis as { tollgateOnFunctionsPath?: boolean }).tollgateOnFunctionsPath === true;

import {
  type Envelope,
  exporterEnv,
  startTelemetryReceiver,
  type TelemetryReceiver,
} from "../../support/telemetry-receiver.js";

const QUERIES = new URL("../../../infra/queries/", import.meta.url);
const EMAIL = "avery.example@contoso.example";

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let receiver: TelemetryReceiver;
let host: LocalHost;
let env: Record<string, string>;
let readerToken: string;
let forgedToken: string;

const call = (path: string, headers: Record<string, string> = {}) => fetch(`${host.url}${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not arrive; received:\n${summary()}`);
}

function summary(): string {
  return receiver.envelopes
    .map(
      (e) =>
        `${e.data?.baseType} ${String(e.data?.baseData?.name ?? JSON.stringify(e.data?.baseData?.metrics))}`,
    )
    .join("\n");
}

const requestRows = () => receiver.envelopes.filter((e) => e.data?.baseType === "RequestData");
const byOperation = (traceId: string) => requestRows().find((e) => e.tags?.["ai.operation.id"] === traceId);
const properties = (e: Envelope) => (e.data?.baseData?.properties ?? {}) as Record<string, string>;
const measurements = (e: Envelope) => (e.data?.baseData?.measurements ?? {}) as Record<string, number>;
const metric = (name: string, match: (props: Record<string, string>) => boolean = () => true) =>
  receiver.envelopes.find(
    (e) =>
      e.data?.baseType === "MetricData" &&
      (e.data.baseData?.metrics as Array<{ name: string }> | undefined)?.[0]?.name === name &&
      match(properties(e)),
  );
const event = (name: string) =>
  receiver.envelopes.find((e) => e.data?.baseType === "EventData" && e.data.baseData?.name === name);

beforeAll(async () => {
  [azurite, issuer, backend, receiver] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-test" }),
    startEchoBackend(),
    startTelemetryReceiver(),
  ]);
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-test",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
  };
  // A port nothing listens on: the backend of the "down" route is an outage, not a refusal.
  const closedPort = await freePort();
  await pushWithCli(env, {
    version: 1,
    rateLimits: { tiny: { requests: 2, window: "1h", key: [], mode: "strict" } },
    backends: { down: { url: `http://127.0.0.1:${closedPort}` } },
    rules: [
      ORDERS_READ_RULE,
      { id: "manage", methods: ["*"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
      { id: "limited", methods: ["GET"], path: "/limited/**", rateLimit: "tiny" },
      { id: "down", methods: ["GET"], path: "/down/**", backend: "down" },
      { id: "status", methods: ["GET"], path: "/status", public: true },
    ],
  });

  host = await (onFunctionsPath ? startFunctionsPathHost : startLocalHost)({
    ...env,
    ...exporterEnv(receiver),
    // The test itself plays a trusted front end (the peer is 127.0.0.1 on both paths).
    TOLLGATE_TRUSTED_PROXIES: "127.0.0.0/8",
    // Every span, and exports often enough for a test to wait on.
    TOLLGATE_TELEMETRY_TRACES_PER_SECOND: "0",
    TOLLGATE_TELEMETRY_SAMPLING_RATIO: "1",
    OTEL_METRIC_EXPORT_INTERVAL: "500",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_BLRP_SCHEDULE_DELAY: "100",
  });
  // A user token carrying an email and a upn (preferred_username), which telemetry must never repeat.
  readerToken = await issuer.mint({ roles: ["reader"], claims: { email: EMAIL } });
  const [header, payload] = (await issuer.mint({ roles: ["admin"] })).split(".");
  forgedToken = `${header}.${payload}.${Buffer.from("not the signature, but long enough to look like one").toString("base64url")}`;
  await waitUntilReady(host);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), receiver?.stop()]);
});

describe("decision spans", () => {
  it("a denial is a requests row with the reason code and rule id, under the caller's trace", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const response = await call("/manage/users", {
      ...bearer(readerToken),
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { traceId: string }).traceId).toBe(traceId);

    const row = await eventually(() => byOperation(traceId), "the denial's span");
    expect(row.data?.baseData).toMatchObject({ responseCode: "403", success: false });
    expect(row.tags?.["ai.operation.parentId"]).toBe("b7ad6b7169203331");
    expect(properties(row)).toMatchObject({
      [DECISION_ATTRIBUTES.outcome]: "deny",
      [DECISION_ATTRIBUTES.reason]: "insufficient_scope",
      [DECISION_ATTRIBUTES.ruleId]: "manage",
      [DECISION_ATTRIBUTES.tenantId]: issuer.defaultTenant,
      [DECISION_ATTRIBUTES.clientAppId]: issuer.defaultClientApp,
      [DECISION_ATTRIBUTES.principalKind]: "user",
      [DECISION_ATTRIBUTES.tokenVersion]: "2.0",
    });
    expect(properties(row)[DECISION_ATTRIBUTES.objectId]).toBeUndefined();
    expect(measurements(row)[DECISION_MEASUREMENTS.verifyMs]).toBeGreaterThanOrEqual(0);
  });

  it("without a traceparent, the problem body's traceId is the row's operation_Id", async () => {
    const response = await call("/orders/7");
    expect(response.status).toBe(401);
    const { traceId } = (await response.json()) as { traceId: string };
    const row = await eventually(() => byOperation(traceId), "the token_missing span");
    expect(properties(row)).toMatchObject({ [DECISION_ATTRIBUTES.reason]: "token_missing" });
    expect(properties(row)[DECISION_ATTRIBUTES.ruleId]).toBeUndefined();
  });

  it("an allowed call records the backend's status and time, and the URL without its query", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await call("/orders/42?expand=lines", {
      ...bearer(readerToken),
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(response.status).toBe(200);
    const row = await eventually(() => byOperation(traceId), "the allowed call's span");
    expect(row.data?.baseData).toMatchObject({ responseCode: "200", success: true });
    expect(row.data?.baseData?.url).toBe(`${host.url}/orders/42`);
    expect(properties(row)).toMatchObject({
      [DECISION_ATTRIBUTES.outcome]: "allow",
      [DECISION_ATTRIBUTES.ruleId]: "orders-read",
      [DECISION_ATTRIBUTES.backendStatus]: "200",
    });
    expect(Object.keys(measurements(row))).toEqual(
      expect.arrayContaining([
        DECISION_MEASUREMENTS.verifyMs,
        DECISION_MEASUREMENTS.backendMs,
        DECISION_MEASUREMENTS.addedLatencyMs,
      ]),
    );
  });

  it("a public route is an allow with no caller, at the URL a trusted front end reported", async () => {
    const traceId = "5cf92f3577b34da6a3ce929d0e0e4737";
    const response = await call("/status?probe=1", {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      "x-forwarded-host": "api.contoso.example",
      "x-forwarded-proto": "https",
    });
    expect(response.status).toBe(200);
    const row = await eventually(() => byOperation(traceId), "the public call's span");
    expect(row.data?.baseData?.url).toBe("https://api.contoso.example/status");
    expect(properties(row)).toMatchObject({
      [DECISION_ATTRIBUTES.outcome]: "allow",
      [DECISION_ATTRIBUTES.ruleId]: "status",
    });
    expect(properties(row)[DECISION_ATTRIBUTES.tenantId]).toBeUndefined();
    expect(properties(row)[DECISION_ATTRIBUTES.principalKind]).toBeUndefined();
  });

  it("a forged signature and a token in the query string are refused and recorded", async () => {
    const forged = await call("/orders/1", {
      ...bearer(forgedToken),
      traceparent: `00-${"1".repeat(32)}-${"2".repeat(16)}-01`,
    });
    expect(forged.status).toBe(401);
    const inQuery = await call(`/orders/1?access_token=${readerToken}`, {
      traceparent: `00-${"3".repeat(32)}-${"4".repeat(16)}-01`,
    });
    expect(inQuery.status).toBe(401);
    const forgedRow = await eventually(() => byOperation("1".repeat(32)), "the forged token's span");
    expect(properties(forgedRow)[DECISION_ATTRIBUTES.reason]).toBe("signature_invalid");
    const queryRow = await eventually(() => byOperation("3".repeat(32)), "the query token's span");
    expect(queryRow.data?.baseData?.url).toBe(`${host.url}/orders/1`);
  });

  it("a path holding a token or an email is recorded without them", async () => {
    const response = await call(`/orders/${readerToken}/by/${EMAIL}`, {
      traceparent: `00-${"9".repeat(32)}-${"a".repeat(16)}-01`,
    });
    expect(response.status).toBe(401);
    const row = await eventually(() => byOperation("9".repeat(32)), "the span");
    expect(row.data?.baseData?.url).toBe(`${host.url}/orders/[token]/by/[email]`);
    expect(row.data?.baseData?.name).toBe("GET /orders/[token]/by/[email]");
  });
});

describe("outages", () => {
  it("a backend that cannot be reached is recorded as an error, not a denial", async () => {
    const traceId = "c".repeat(32);
    const response = await call("/down/x", {
      ...bearer(readerToken),
      traceparent: `00-${traceId}-${"d".repeat(16)}-01`,
    });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { reason: string }).reason).toBe("backend_unavailable");

    const row = await eventually(() => byOperation(traceId), "the outage's span");
    expect(row.data?.baseData).toMatchObject({ responseCode: "502", success: false });
    expect(properties(row)).toMatchObject({
      [DECISION_ATTRIBUTES.outcome]: "error",
      [DECISION_ATTRIBUTES.reason]: "backend_unavailable",
      [DECISION_ATTRIBUTES.ruleId]: "down",
    });
    // The never-sampled metric the denial queries read says the same: denials stay the callers'.
    const counted = await eventually(
      () => metric(METRICS.decisions, (p) => p[DECISION_ATTRIBUTES.reason] === "backend_unavailable"),
      "the outage in the decisions metric",
    );
    expect(properties(counted)[DECISION_ATTRIBUTES.outcome]).toBe("error");
  });
});

describe("rate limits", () => {
  it("spans name the policy and the budget left; a 429 is a denial by rate_limited under that policy", async () => {
    const ids = ["5", "6", "7"].map((digit) => digit.repeat(32));
    const statuses: number[] = [];
    for (const id of ids) {
      const response = await call("/limited/x", {
        ...bearer(readerToken),
        traceparent: `00-${id}-${"8".repeat(16)}-01`,
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const [first, , refused] = await Promise.all(
      ids.map((id) => eventually(() => byOperation(id), `span ${id}`)),
    );
    expect(properties(first as Envelope)).toMatchObject({
      [DECISION_ATTRIBUTES.rateLimitPolicy]: "tiny",
      [DECISION_ATTRIBUTES.rateLimitOutcome]: "allow",
    });
    expect(measurements(first as Envelope)[DECISION_MEASUREMENTS.rateLimitRemaining]).toBe(1);
    expect(properties(refused as Envelope)).toMatchObject({
      [DECISION_ATTRIBUTES.reason]: "rate_limited",
      [DECISION_ATTRIBUTES.rateLimitPolicy]: "tiny",
    });
    expect((refused as Envelope).data?.baseData?.responseCode).toBe("429");

    await eventually(
      () =>
        metric(
          METRICS.decisions,
          (p) =>
            p[DECISION_ATTRIBUTES.reason] === "rate_limited" &&
            p[DECISION_ATTRIBUTES.rateLimitPolicy] === "tiny",
        ),
      "rate_limited decisions by policy",
    );
    const operations = await eventually(
      () => metric(METRICS.rateLimitStorageOperations),
      "storage operations",
    );
    const points = (operations.data?.baseData?.metrics ?? []) as Array<{ value: number }>;
    expect(points[0]?.value).toBeGreaterThan(0);
  });
});

describe("metrics and events", () => {
  it("decisions by outcome and reason, verify and backend durations, key age", async () => {
    const denials = await eventually(
      () => metric(METRICS.decisions, (p) => p[DECISION_ATTRIBUTES.reason] === "insufficient_scope"),
      "the decisions metric",
    );
    expect(properties(denials)[DECISION_ATTRIBUTES.outcome]).toBe("deny");
    await eventually(
      () => metric(METRICS.decisions, (p) => p[DECISION_ATTRIBUTES.outcome] === "allow"),
      "allows",
    );
    const verify = await eventually(() => metric(METRICS.verifyDuration), "verify duration");
    expect(verify.data?.baseData?.metrics).toEqual([expect.objectContaining({ count: expect.any(Number) })]);
    const backendTime = await eventually(() => metric(METRICS.backendDuration), "backend duration");
    expect(properties(backendTime)[DECISION_ATTRIBUTES.backendStatus]).toBe("200");
    const keyAge = await eventually(() => metric(METRICS.keyAge), "key age");
    expect(properties(keyAge)[METRIC_ATTRIBUTES.keySource]).toMatch(/^v2\.0_/);
  });

  it("key refresh results arrive as custom events", async () => {
    const fetched = await eventually(() => event(EVENTS.keysFetched), "the keys fetched event");
    expect(properties(fetched)[EVENT_FIELDS.sourceId]).toMatch(/^v2\.0_/);
    expect(measurements(fetched)[EVENT_FIELDS.keyCount]).toBeGreaterThan(0);
  });
});

describe("starting", () => {
  it("without a connection string the gateway runs and says so in one line", async () => {
    const quiet = await startLocalHost({ ...env, APPLICATIONINSIGHTS_CONNECTION_STRING: "" });
    try {
      const response = await fetch(`${quiet.url}/orders/42`, { headers: bearer(readerToken) });
      expect(response.status).toBe(200);
      const lines = quiet
        .output()
        .split("\n")
        .filter((line) => /telemetry|Application Insights/i.test(line));
      expect(lines).toEqual([
        "[tollgate] APPLICATIONINSIGHTS_CONNECTION_STRING is not set: telemetry to Application Insights is off.",
      ]);
    } finally {
      await quiet.stop();
    }
  });

  it.each([
    [
      "a malformed connection string",
      { APPLICATIONINSIGHTS_CONNECTION_STRING: "not-a-connection-string" },
      "APPLICATIONINSIGHTS_CONNECTION_STRING is not an Application Insights connection string",
    ],
    [
      "a connection string without a key",
      { APPLICATIONINSIGHTS_CONNECTION_STRING: "IngestionEndpoint=https://127.0.0.1:1/" },
      "APPLICATIONINSIGHTS_CONNECTION_STRING has no InstrumentationKey",
    ],
    [
      "a sampling ratio above 1",
      { TOLLGATE_TELEMETRY_SAMPLING_RATIO: "1.5" },
      "TOLLGATE_TELEMETRY_SAMPLING_RATIO '1.5' is not a number from 0 to 1",
    ],
  ])("with %s it refuses to start, naming the setting", async (_, extra, message) => {
    const started = startLocalHost({
      ...env,
      APPLICATIONINSIGHTS_CONNECTION_STRING: receiver.connectionString,
      ...extra,
    });
    await expect(started).rejects.toThrow(/local host exited with 2/);
    const error = await started.catch((e: Error) => e.message);
    expect(error).toContain(message);
    expect(error).toContain("Example:");
    expect(error).not.toMatch(/^\s+at /m);
  });
});

describe("the shipped KQL queries", () => {
  const files = readdirSync(QUERIES).filter((name) => name.endsWith(".kql"));
  const declaredDimensions = new Set<string>([
    ...Object.values(DECISION_ATTRIBUTES),
    ...Object.values(METRIC_ATTRIBUTES),
    ...Object.values(EVENT_FIELDS),
  ]);
  const declaredMeasurements = new Set<string>([
    ...Object.values(DECISION_MEASUREMENTS),
    ...Object.values(EVENT_FIELDS),
  ]);
  const declaredNames = new Set<string>([
    ...Object.values(METRICS),
    ...Object.values(EVENTS),
    ...declaredDimensions,
    ...declaredMeasurements,
  ]);

  it("there are queries for each question the issue names", () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        "added-latency-p95.kql",
        "audit-findings.kql",
        "denials-by-reason.kql",
        "errors-by-reason.kql",
        "key-refresh-failures.kql",
        "rate-limited-by-policy.kql",
        "top-denied-client-apps.kql",
      ]),
    );
  });

  /** Fails unless every table, column, custom key and tollgate name in the query is produced. */
  async function expectOnlyProducedNames(query: string): Promise<void> {
    // Wait for every kind of envelope the queries read.
    await eventually(() => metric(METRICS.keyAge), "metrics");
    await eventually(() => event(EVENTS.keysFetched), "events");
    await eventually(() => byOperation("3".repeat(32)), "spans");
    const shapes = tableShapes(receiver.envelopes);
    const refs = kqlReferences(query);

    expect(refs.unknown, "functions the checker does not know").toEqual(new Set());
    expect([...shapes.keys()], "the table the query reads").toContain(refs.table);
    const shape = shapes.get(refs.table ?? "");
    const missing = [...refs.columns].filter((column) => !shape?.columns.has(column));
    expect(missing, `columns of ${refs.table} the exporter never fills`).toEqual([]);
    for (const key of refs.customDimensions) {
      expect(
        declaredDimensions.has(key) || shape?.customDimensions.has(key),
        `customDimensions["${key}"]`,
      ).toBe(true);
    }
    for (const key of refs.customMeasurements) {
      expect(
        declaredMeasurements.has(key) || shape?.customMeasurements.has(key),
        `customMeasurements["${key}"]`,
      ).toBe(true);
    }
    for (const name of refs.tollgateNames) expect(declaredNames, `"${name}"`).toContain(name);
  }

  it.each(files)("%s names only tables, columns and keys the exporter produces", async (file) => {
    await expectOnlyProducedNames(readFileSync(new URL(file, QUERIES), "utf8"));
  });

  it("so do the queries the README shows", async () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const section = /^## Telemetry\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? "";
    const blocks = [...section.matchAll(/```kql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBe(3);
    for (const block of blocks) await expectOnlyProducedNames(block);
  });

  it("the checker catches a column or key that does not exist", () => {
    const shapes = tableShapes(receiver.envelopes);
    const refs = kqlReferences(
      'requests | where resultcode == "403" | extend r = customDimensions["tollgate.raeson"]',
    );
    expect([...refs.columns].filter((c) => !shapes.get("requests")?.columns.has(c))).toEqual(["resultcode"]);
    expect(declaredDimensions.has([...refs.customDimensions][0] ?? "")).toBe(false);
  });

  it("every envelope lands in a table the checker knows", () => {
    expect(receiver.envelopes.filter((e) => tableOf(e) === undefined)).toEqual([]);
  });
});

describe("what telemetry never carries", () => {
  // Last, so it reads every byte the tests above made tollgate send.
  it("no byte received holds a token, a signature, an email, a upn, a name or the object id", async () => {
    await eventually(() => byOperation("7".repeat(32)), "every span");
    // Gunzipped by the receiver: every body as the exporter sent it, not only the parsed envelopes.
    const received = receiver.requests.map((r) => r.body.toString("utf8")).join("\n");
    expect(received.length).toBeGreaterThan(0);
    const [header, payload, signature] = readerToken.split(".") as [string, string, string];
    const forgedSignature = forgedToken.split(".")[2] as string;
    for (const secret of [
      readerToken,
      header,
      payload,
      signature,
      forgedSignature,
      EMAIL,
      DEFAULT_USER.upn,
    ]) {
      expect(received.includes(secret), `received telemetry contains ${secret.slice(0, 24)}…`).toBe(false);
    }
    expect(received).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/);
    expect(received).not.toContain(`${DEFAULT_USER.givenName} ${DEFAULT_USER.familyName}`);
    expect(received).not.toContain(issuer.defaultUserOid);
  });
});
