// The access trail in Application Insights, with its real parts: the local host with the real
// Azure Monitor exporter sending to a loopback HTTPS receiver. With TOLLGATE_ACCESS_HASH_KEY set,
// the events name callers by pseudonym only: no byte received holds the object id.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { callerIdFor, HASHED_PREFIX } from "../../../shared/access/caller-id.js";
import { EVENT_FIELDS, EVENTS } from "../../../shared/telemetry/names.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";
import { ORDERS_READ_RULE } from "../../support/orders-read-rule.js";
import { pushWithCli } from "../../support/push-with-cli.js";
import {
  type Envelope,
  exporterEnv,
  startTelemetryReceiver,
  type TelemetryReceiver,
} from "../../support/telemetry-receiver.js";

const AUDIENCE = "api://tollgate-access-telemetry";
const HASH_KEY = "an-access-trail-key-of-forty-characters!";
let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let receiver: TelemetryReceiver;
let host: LocalHost | undefined;

beforeAll(async () => {
  [azurite, issuer, backend, receiver] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: AUDIENCE }),
    startEchoBackend(),
    startTelemetryReceiver(),
  ]);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), receiver?.stop()]);
});

const events = (name: string) =>
  receiver.envelopes.filter(
    (e: Envelope) => e.data?.baseType === "EventData" && e.data.baseData?.name === name,
  );
const props = (e: Envelope) => (e.data?.baseData?.properties ?? {}) as Record<string, string>;
const measures = (e: Envelope) => (e.data?.baseData?.measurements ?? {}) as Record<string, number>;

it("sends exact access counts and each refusal, naming callers by pseudonym only", async () => {
  const env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ACCESS_HASH_KEY: HASH_KEY,
  };
  await pushWithCli(env, {
    version: 1,
    rules: [
      ORDERS_READ_RULE,
      { id: "manage", methods: ["GET"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
    ],
  });
  host = await startLocalHost({
    ...env,
    ...exporterEnv(receiver),
    OTEL_BLRP_SCHEDULE_DELAY: "100",
  });
  const oid = randomUUID();
  const token = await issuer.mint({ oid, roles: ["reader"] });
  const statuses: number[] = [];
  for (const path of ["/orders/1", "/orders/2", "/orders/3", "/manage/1", "/manage/2"]) {
    const response = await fetch(`${host.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    statuses.push(response.status);
    await response.arrayBuffer();
  }
  expect(statuses).toEqual([200, 200, 200, 403, 403]);
  // Stopping flushes the minute's counts, and telemetry sends what it holds before the exit.
  await host.stop();
  host = undefined;

  const pseudonym = callerIdFor(HASH_KEY)(oid);
  expect(pseudonym.startsWith(HASHED_PREFIX)).toBe(true);
  const access = events(EVENTS.access).filter((e) => props(e)[EVENT_FIELDS.callerId] === pseudonym);
  const byOutcome = Object.fromEntries(
    access.map((e) => [
      `${props(e)[EVENT_FIELDS.ruleId]}/${props(e)[EVENT_FIELDS.outcome]}`,
      measures(e)[EVENT_FIELDS.count],
    ]),
  );
  expect(byOutcome).toEqual({ "orders-read/allow": 3, "manage/deny": 2 });
  const refusals = events(EVENTS.refusal).filter((e) => props(e)[EVENT_FIELDS.callerId] === pseudonym);
  expect(refusals.map((e) => props(e)[EVENT_FIELDS.reason])).toEqual([
    "insufficient_scope",
    "insufficient_scope",
  ]);
  expect(refusals.every((e) => /^[0-9a-f]{32}$/.test(props(e)[EVENT_FIELDS.traceId] ?? ""))).toBe(true);

  // Every byte the exporter sent, gunzipped: the object id is nowhere, in any spelling.
  const received = receiver.requests.map((r) => r.body.toString("utf8")).join("\n");
  expect(received).toContain(pseudonym);
  expect(received).not.toContain(oid);
  expect(received.toLowerCase()).not.toContain(oid.toLowerCase());
  expect(received).not.toContain(oid.replaceAll("-", ""));
}, 90_000);
