// Shadow evaluation: the candidate policy decides every request beside the live one, with the
// same principal and request, and only the live decision counts. Where the two differ, the
// difference is counted (DifferenceCounter) and sent as a telemetry event with rule ids and
// outcomes only: no token, no claim, no path (a path can name a person).

import type { Decision } from "../policy/authorize.js";
import { authorize } from "../policy/authorize.js";
import type { Policy } from "../policy/policy-schema.js";
import type { RouteRequest } from "../policy/route-match.js";
import type { TelemetryEvents } from "../telemetry/telemetry.js";
import type { Principal } from "../token/principal.js";
import type { DifferenceCounter } from "./difference-counter.js";
import type { DifferenceKey } from "./shadow-table.js";

export const SHADOW_DIFFERENCE_EVENT = "tollgate.shadow.difference";

export interface ShadowCandidate {
  policy: Policy;
  versionId: string;
}

export interface ShadowEvaluatorOptions {
  /** The candidate in memory; undefined when there is none (no I/O on the request path). */
  candidate: () => ShadowCandidate | undefined;
  counter: Pick<DifferenceCounter, "count">;
  events: TelemetryEvents;
}

export type ShadowObserver = (request: RouteRequest, principal: Principal, live: Decision) => void;

export function createShadowEvaluator(options: ShadowEvaluatorOptions): ShadowObserver {
  return (request, principal, live) => {
    const candidate = options.candidate();
    if (candidate === undefined) return;
    const key = differenceOf(live, authorize(candidate.policy, request, principal));
    if (key === undefined) return;
    options.counter.count(candidate.versionId, key);
    options.events.event(SHADOW_DIFFERENCE_EVENT, {
      shadowVersion: candidate.versionId,
      method: request.method,
      ...key,
    });
  };
}

/** Undefined when both decisions come to the same outcome by the same rule. */
export function differenceOf(live: Decision, shadow: Decision): DifferenceKey | undefined {
  const key = {
    liveOutcome: outcomeOf(live),
    shadowOutcome: outcomeOf(shadow),
    liveRule: ruleOf(live),
    shadowRule: ruleOf(shadow),
  };
  return key.liveOutcome === key.shadowOutcome && key.liveRule === key.shadowRule ? undefined : key;
}

function outcomeOf(decision: Decision): string {
  return decision.outcome === "deny" ? `deny:${decision.reason ?? "insufficient_scope"}` : decision.outcome;
}

function ruleOf(decision: Decision): string {
  return decision.rule !== undefined && "id" in decision.rule ? decision.rule.id : "-";
}
