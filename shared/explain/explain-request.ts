// What the gateway would do with one request, and why: the same steps as the pipeline in
// gateway.ts (path, token, role map, rate limit, backend), run with the same validator, the same
// `authorize` and the same refusal, but recording a trace and stopping before anything is
// charged or forwarded. `tollgate explain` and `tollgate policy test` print what it returns.

import { bearerChallenge } from "../http/www-authenticate.js";
import { authorize, type Decision } from "../policy/authorize.js";
import { enforceDecision } from "../policy/decision-refusal.js";
import { type DecisionTrace, newDecisionTrace } from "../policy/decision-trace.js";
import { methodOverrideRefusal } from "../policy/method-override.js";
import type { Policy } from "../policy/policy-schema.js";
import { publicDecision } from "../policy/public-rule.js";
import { splitRequestPath } from "../policy/request-path.js";
import { outcomeOf, type Reason, TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";
import type { TokenValidator } from "../token/token-validator.js";

export interface ExplainRequest {
  method: string;
  /** The request target: a path, with a query string if any (it is parsed as the gateway's URL is). */
  target: string;
  /** The Host the request would carry; rules that name a host need it. */
  host?: string;
}

export interface ExplainDeps {
  /** The gateway's validator (with `--token`), or one over claims (`principalFromClaims`). */
  validator: Pick<TokenValidator, "validateAuthorization">;
  /** The Authorization header value the request would carry. */
  authorization: string | undefined;
  policy: Policy | undefined;
  /** TOLLGATE_BACKEND_URL: where a rule without a backend forwards. */
  defaultBackendUrl: string | undefined;
}

export interface Explanation {
  /** As the gateway records it: `allow` means it would forward the request. */
  outcome: "allow" | "deny" | "report_only_deny" | "error";
  /** The status tollgate would answer with; undefined when the backend's answer would be the status. */
  status?: number;
  reason?: Reason;
  /** What the caller would read (the problem body's detail), or why the request would pass. */
  message: string;
  /** The WWW-Authenticate challenge, when the answer carries one. */
  challenge?: string;
  ruleId?: string;
  principal?: Principal;
  /** The rate-limit policy the request would be charged to (not charged by explain). */
  rateLimit?: { name: string; requests: number; window: number };
  backendUrl?: string;
  trace: DecisionTrace;
}

export async function explainRequest(request: ExplainRequest, deps: ExplainDeps): Promise<Explanation> {
  const trace = newDecisionTrace();
  // As the hosts build the gateway's URL (origin form appended to the Host, never resolved
  // against it, so "//x" stays a path): dot segments and backslashes resolved, fragment dropped.
  if (!request.target.startsWith("/")) throw new RangeError("the request target must start with '/'");
  const url = new URL(`http://${request.host ?? "tollgate.invalid"}${request.target}`);
  let principal: Principal | undefined;
  let decision: Decision | undefined;
  const base = () => ({
    trace,
    ...(principal ? { principal } : {}),
    ...(decision?.rule && "id" in decision.rule ? { ruleId: decision.rule.id } : {}),
  });
  try {
    const path = splitRequestPath(url.pathname);
    if (!path.ok) throw new TollgateError("path_invalid", `The request path ${path.problem}.`);
    const override = methodOverrideRefusal(url.searchParams);
    if (override) throw override;
    const policy = deps.policy;
    const route = { method: request.method, path: url.pathname, host: url.host };
    // A public rule is decided before the token is read, as in the gateway.
    decision = policy && publicDecision(policy, route, trace);
    if (decision === undefined) {
      principal = await deps.validator.validateAuthorization(deps.authorization, url, trace.tokenChecks);
      if (policy === undefined) {
        throw new TollgateError(
          "policy_unavailable",
          "The role map has not been loaded yet; try again shortly.",
        );
      }
      // An MCP rule's call is read from the request body, which explain has not got: such a rule
      // is tried without one.
      decision = authorize(policy, route, principal, trace);
      enforceDecision(policy, decision, principal);
    }

    const limit = decision.rateLimit === undefined ? undefined : policy?.rateLimits[decision.rateLimit];
    const backendUrl = decision.backendUrl ?? deps.defaultBackendUrl;
    if (backendUrl === undefined) {
      throw new TollgateError("backend_unavailable", "No backend is configured for this route.");
    }
    return {
      ...base(),
      outcome: decision.outcome === "report_only_deny" ? "report_only_deny" : "allow",
      ...(decision.outcome === "report_only_deny" && decision.reason ? { reason: decision.reason } : {}),
      message: decision.message,
      ...(limit && decision.rateLimit
        ? { rateLimit: { name: decision.rateLimit, requests: limit.requests, window: limit.window } }
        : {}),
      backendUrl,
    };
  } catch (error) {
    const refusal =
      error instanceof TollgateError
        ? error
        : new TollgateError("internal_error", "tollgate could not handle this request.", { cause: error });
    const challenge = bearerChallenge(refusal);
    return {
      ...base(),
      // As the gateway records it: an outage (keys, storage, backend) is an error, not a denial.
      outcome: outcomeOf(refusal.reason),
      status: refusal.status,
      reason: refusal.reason,
      message: refusal.message,
      ...(challenge ? { challenge } : {}),
    };
  }
}
