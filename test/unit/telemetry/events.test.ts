import { describe, expect, it } from "vitest";
import { recordAuditFinding, recordFinding } from "../../../shared/telemetry/audit-events.js";
import { keyEventTelemetry, recordKeyEvent } from "../../../shared/telemetry/key-events.js";
import { recordKeyRefresh } from "../../../shared/telemetry/key-refresh-events.js";
import { EVENTS } from "../../../shared/telemetry/names.js";
import { scrub } from "../../../shared/telemetry/scrub.js";
import {
  type EventProperties,
  type TelemetryEvents,
  telemetryOff,
} from "../../../shared/telemetry/telemetry.js";

function recorder(): TelemetryEvents & {
  seen: Array<{ name: string; properties: EventProperties | undefined }>;
} {
  const seen: Array<{ name: string; properties: EventProperties | undefined }> = [];
  return { seen, event: (name, properties) => seen.push({ name, properties }) };
}

describe("key store events", () => {
  it("become tollgate.keys.<type> with their fields", () => {
    expect(keyEventTelemetry({ type: "fetched", sourceId: "v2.0_t", keyCount: 3, changed: true })).toEqual({
      name: EVENTS.keysFetched,
      properties: { sourceId: "v2.0_t", keyCount: 3, changed: true },
    });
    const events = recorder();
    recordKeyEvent(events, { type: "fetch_failed", sourceId: "v2.0_t", error: "timeout after 5000 ms" });
    expect(events.seen).toEqual([
      { name: EVENTS.keysFetchFailed, properties: { sourceId: "v2.0_t", error: "timeout after 5000 ms" } },
    ]);
  });
});

describe("the timer's key refresh results", () => {
  it("are one event per source and run, kids as lists, numbers as measurements", () => {
    const events = recorder();
    recordKeyRefresh(events, {
      sourceId: "v2.0_t",
      outcome: "failed",
      keyCount: 2,
      added: [],
      removed: ["old-kid"],
      retired: ["old-kid"],
      snapshotAgeSeconds: 7200,
      error: "discovery answered 503",
      rejected: ["kid x: RSA key shorter than 2048 bits"],
    });
    expect(events.seen).toEqual([
      {
        name: EVENTS.keysRefresh,
        properties: {
          sourceId: "v2.0_t",
          outcome: "failed",
          keyCount: 2,
          added: undefined,
          removed: "old-kid",
          retired: "old-kid",
          ageSeconds: 7200,
          error: "discovery answered 503",
          rejectedCount: 1,
        },
      },
    ]);
  });
});

describe("audit findings", () => {
  it("have one event shape", () => {
    const events = recorder();
    recordAuditFinding(events, {
      findingId: "observed-token_lifetime_too_long-0f1e2d3c",
      source: "observed",
      state: "new",
      code: "token_lifetime_too_long",
      severity: "warning",
      subject: "client app 0f1e2d3c",
      clientAppId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      summary: "Tokens live 8 hours without CAE.",
      fix: "Shorten AccessTokenLifetime or enable CAE.",
    });
    expect(events.seen[0]?.name).toBe(EVENTS.auditFinding);
    expect(events.seen[0]?.properties).toMatchObject({
      code: "token_lifetime_too_long",
      severity: "warning",
    });
  });
});

describe("a finding as the timer's run left it", () => {
  it("is the same event, flat, with ISO 8601 times and no empty ids", () => {
    const events = recorder();
    recordFinding(events, {
      type: "finding",
      state: "resolved",
      finding: {
        id: "observed-token_lifetime_too_long-0f1e2d3c",
        source: "observed",
        code: "token_lifetime_too_long",
        severity: "warning",
        subject: "client app 0f1e2d3c",
        tenantId: "",
        clientAppId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        seen: "Tokens live 8 hours.",
        why: "Without CAE a stolen token works that long.",
        fix: "Shorten AccessTokenLifetime or enable CAE.",
        firstSeen: Date.UTC(2026, 0, 1),
        lastSeen: Date.UTC(2026, 0, 2),
        resolvedAt: Date.UTC(2026, 0, 3),
      },
    });
    expect(events.seen).toEqual([
      {
        name: EVENTS.auditFinding,
        properties: expect.objectContaining({
          findingId: "observed-token_lifetime_too_long-0f1e2d3c",
          source: "observed",
          state: "resolved",
          summary: "Tokens live 8 hours. Without CAE a stolen token works that long.",
          firstSeen: "2026-01-01T00:00:00.000Z",
          lastSeen: "2026-01-02T00:00:00.000Z",
          tenantId: undefined,
        }),
      },
    ]);
  });
});

describe("free text headed for telemetry", () => {
  it("loses anything shaped like a token or an email", () => {
    expect(
      scrub(
        "user avery.example@contoso.onmicrosoft.com sent eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln and left",
      ),
    ).toBe("user [email] sent [token] and left");
    expect(scrub("fetch https://login.example/v2.0/keys failed: 503")).toBe(
      "fetch https://login.example/v2.0/keys failed: 503",
    );
  });
});

describe("scrubbing a hostile path", () => {
  it("takes linear time, whatever the path holds", () => {
    for (const path of [
      "a".repeat(16_384),
      `${"a".repeat(16_384)}@`,
      "eyJ".repeat(5_000),
      "a@".repeat(8_000),
    ]) {
      // A guard against catastrophic backtracking (seconds, not milliseconds), not a speed test.
      const started = performance.now();
      scrub(path);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});

describe("telemetry off", () => {
  it("still names the caller's trace id, and accepts everything silently", () => {
    const request = new Request("http://tollgate/x", {
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    expect(telemetryOff.begin(request).traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    telemetryOff.event("x", { a: 1 });
    telemetryOff.recordStorageOperations(3, "p");
    telemetryOff.observeKeyAges(() => []);
  });
});
