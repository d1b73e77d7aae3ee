// The shadow evaluator beside a live decision: a difference is counted once and sent as an event
// that carries outcomes and rule ids only; the same decision, or no candidate, records nothing.
// The counter and the event sink here are recorders (what they do with it is tested elsewhere:
// the counts against Azurite in test/integration/shadow).

import { describe, expect, it } from "vitest";
import { authorize } from "../../../shared/policy/authorize.js";
import { parsePolicy } from "../../../shared/policy/parse-policy.js";
import type { Policy } from "../../../shared/policy/policy-schema.js";
import { createShadowEvaluator, SHADOW_DIFFERENCE_EVENT } from "../../../shared/shadow/shadow-evaluator.js";
import type { DifferenceKey } from "../../../shared/shadow/shadow-table.js";
import type { EventProperties } from "../../../shared/telemetry/telemetry.js";
import { principal } from "../../../tools/loopback/principal.js";

function policy(require: object): Policy {
  const parsed = parsePolicy(
    JSON.stringify({ version: 1, rules: [{ id: "orders", methods: ["GET"], path: "/orders/**", require }] }),
    "json",
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.policy;
}

const reader = principal({ scopes: ["access_as_user"], roles: ["reader"] });

function harness(candidate: Policy | undefined) {
  const counted: Array<[string, DifferenceKey]> = [];
  const events: Array<[string, EventProperties | undefined]> = [];
  const observe = createShadowEvaluator({
    candidate: () => candidate && { policy: candidate, versionId: "v1" },
    counter: { count: (versionId, key) => counted.push([versionId, key]) },
    events: { event: (name, properties) => events.push([name, properties]) },
  });
  return { observe, counted, events };
}

const live = policy({ roles: { anyOf: ["reader"] } });
const request = { method: "GET", path: "/orders/alice-smith", host: "api.example" };

describe("createShadowEvaluator", () => {
  it("counts a difference and sends it as an event without path, token or identity", () => {
    const { observe, counted, events } = harness(policy({ roles: { anyOf: ["admin"] } }));
    observe(request, reader, authorize(live, request, reader));
    const key = {
      liveOutcome: "allow",
      shadowOutcome: "deny:insufficient_scope",
      liveRule: "orders",
      shadowRule: "orders",
    };
    expect(counted).toEqual([["v1", key]]);
    expect(events).toEqual([[SHADOW_DIFFERENCE_EVENT, { shadowVersion: "v1", method: "GET", ...key }]]);
    const sent = JSON.stringify(events);
    for (const secret of ["alice", reader.objectId, reader.tenantId, reader.clientAppId])
      expect(sent).not.toContain(secret);
  });

  it("records nothing when both decide alike, or when there is no candidate", () => {
    const same = harness(policy({ roles: { anyOf: ["reader", "admin"] } }));
    same.observe(request, reader, authorize(live, request, reader));
    const none = harness(undefined);
    none.observe(request, reader, authorize(live, request, reader));
    expect([same.counted, same.events, none.counted, none.events]).toEqual([[], [], [], []]);
  });
});
