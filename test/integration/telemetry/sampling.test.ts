// Decision spans are sampled on tollgate's own draw, not on the caller's trace id. The distro's
// samplers keep a span when a hash of its trace id falls under the rate, and a caller picks the
// trace id (traceparent): one fixed id that hashes high was never sampled. Here the local host
// with the real Azure Monitor exporter, pointed at the loopback receiver, at ratio 0.5.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECISION_ATTRIBUTES, METRICS } from "../../../shared/telemetry/names.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type LocalHost, startLocalHost, waitUntilReady } from "../../support/local-host.js";
import { ORDERS_READ_RULE } from "../../support/orders-read-rule.js";
import { pushWithCli } from "../../support/push-with-cli.js";
import {
  type Envelope,
  exporterEnv,
  startTelemetryReceiver,
  type TelemetryReceiver,
} from "../../support/telemetry-receiver.js";

/**
 * The distro's sampling score for a trace id (its C#-compatible djb2 hash, 0 to 100): a span is
 * kept when the score is under the rate in percent. Written out here because it is the attack.
 */
function distroScore(traceId: string): number {
  let hash = 5381;
  for (let i = 0; i < traceId.length; i++) hash = ((((hash << 5) + hash) | 0) + traceId.charCodeAt(i)) | 0;
  hash = hash <= -2147483648 ? 2147483647 : Math.abs(hash);
  return (hash / 2147483647) * 100;
}

/** A trace id the distro would never keep below a 99% rate: the caller's way out of the rows. */
function unsampledTraceId(): string {
  for (let i = 1; ; i++) {
    const id = i.toString(16).padStart(32, "a");
    if (distroScore(id) >= 99) return id;
  }
}

let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let receiver: TelemetryReceiver;
let host: LocalHost;

async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not arrive (${receiver.envelopes.length} envelopes received)`);
}

const rows = (traceId: string) =>
  receiver.envelopes.filter(
    (e) => e.data?.baseType === "RequestData" && e.tags?.["ai.operation.id"] === traceId,
  );
const properties = (e: Envelope) => (e.data?.baseData?.properties ?? {}) as Record<string, string>;
/** The decisions counter's total for a reason, over every (delta) export so far. */
const decisionsCounted = (reason: string) =>
  receiver.envelopes
    .filter(
      (e) =>
        e.data?.baseType === "MetricData" &&
        (e.data.baseData?.metrics as Array<{ name: string }> | undefined)?.[0]?.name === METRICS.decisions &&
        properties(e)[DECISION_ATTRIBUTES.reason] === reason,
    )
    .reduce(
      (sum, e) => sum + (((e.data?.baseData?.metrics ?? []) as Array<{ value: number }>)[0]?.value ?? 0),
      0,
    );

beforeAll(async () => {
  [azurite, issuer, backend, receiver] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-test" }),
    startEchoBackend(),
    startTelemetryReceiver(),
  ]);
  const env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-test",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
  };
  await pushWithCli(env, { version: 1, rules: [ORDERS_READ_RULE] });
  host = await startLocalHost({
    ...env,
    ...exporterEnv(receiver),
    TOLLGATE_TELEMETRY_TRACES_PER_SECOND: "0",
    TOLLGATE_TELEMETRY_SAMPLING_RATIO: "0.5",
    OTEL_METRIC_EXPORT_INTERVAL: "500",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  await waitUntilReady(host);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), receiver?.stop()]);
});

describe("decision spans are sampled on tollgate's own draw", () => {
  it("a caller sending a trace id the distro never keeps is still sampled at the configured rate", async () => {
    const traceId = unsampledTraceId();
    expect(distroScore(traceId)).toBeGreaterThanOrEqual(99);
    const requests = 200;
    for (let i = 0; i < requests; i++) {
      const spanId = (i + 1).toString(16).padStart(16, "0");
      const answer = await fetch(`${host.url}/orders/1`, {
        headers: { traceparent: `00-${traceId}-${spanId}-01` },
      });
      expect(answer.status).toBe(401);
      await answer.arrayBuffer();
    }
    // Spans leave in the order they ended: once a later request's row is in, all of these are.
    const markers: string[] = [];
    await eventually(() => {
      const marker = `${(markers.length + 1).toString(16).padStart(8, "0")}${"b".repeat(24)}`;
      markers.push(marker);
      // Not awaited (each is sent while the previous may be in flight); one that failed would
      // be missing from the exact count below.
      fetch(`${host.url}/orders/1`, { headers: { traceparent: `00-${marker}-${"c".repeat(16)}-01` } })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      return markers.some((m) => rows(m).length > 0) ? true : undefined;
    }, "a row for a request sent after them");

    const sampled = rows(traceId);
    // Binomial(200, 0.5): fewer than 50 or more than 150 has probability below 1e-12.
    expect(sampled.length).toBeGreaterThanOrEqual(50);
    expect(sampled.length).toBeLessThanOrEqual(150);
    // operation_Id stays the caller's trace id, and each row stands for 100/50 = 2 requests.
    for (const row of sampled) {
      expect(row.tags?.["ai.operation.id"]).toBe(traceId);
      expect(row.sampleRate).toBe(50);
    }
    // The decision metrics stay exact: every request is counted, sampled or not.
    await eventually(
      () => (decisionsCounted("token_missing") >= requests + markers.length ? true : undefined),
      "every decision in the decisions metric",
    );
    expect(decisionsCounted("token_missing")).toBe(requests + markers.length);
  }, 120_000);
});
