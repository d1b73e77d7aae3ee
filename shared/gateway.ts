// The pipeline: a web-standard Request in, a Response out. Token, role map, then the backend,
// with every refusal answered in the contract's shape and reported as one decision.

import type { Clock } from "./clock.js";
import type { Settings } from "./config/settings.js";
import type { BackendPools } from "./forward/backend-pools.js";
import { checkGatewayBypass, passesGatewayBypass } from "./forward/bypass-defence.js";
import { forwardRequest } from "./forward/forward-request.js";
import { buildUpstreamHeaders } from "./forward/header-hygiene.js";
import type { AssertionSigner } from "./forward/identity-assertion.js";
import { type CallerView, callerView, proxyTrust } from "./http/caller-view.js";
import { problemResponse } from "./http/problem-response.js";
import { protectedResourceMetadata } from "./http/protected-resource-metadata.js";
import type { IncomingRequest, RequestContext, RequestHandler } from "./http/request-handler.js";
import type { LimitVerdict, RateLimiter } from "./limits/rate-limiter.js";
import { type McpRead, readMcpCall } from "./mcp/read-mcp-call.js";
import { authorize, type Decision } from "./policy/authorize.js";
import { enforceDecision } from "./policy/decision-refusal.js";
import { type DecisionTrace, newDecisionTrace } from "./policy/decision-trace.js";
import { methodOverrideRefusal } from "./policy/method-override.js";
import type { Policy } from "./policy/policy-schema.js";
import { publicDecision } from "./policy/public-rule.js";
import { splitRequestPath } from "./policy/request-path.js";
import { resourceChallenge, routeRule, routeTimeouts, takesMcpRules } from "./policy/resource-gate.js";
import { outcomeOf, TollgateError } from "./reasons.js";
import type { ShadowObserver } from "./shadow/shadow-evaluator.js";
import { type DecisionRecord, noTelemetry, type RequestTelemetry } from "./telemetry/decision-record.js";
import type { Principal } from "./token/principal.js";
import type { TokenValidator } from "./token/token-validator.js";

export const GATEWAY_KEY_HEADER = "x-tollgate-gateway-key";

export interface GatewayDeps {
  settings: Pick<Settings, "backend" | "bypass" | "rateLimitHeaders" | "easyAuthHeaders"> &
    Partial<Pick<Settings, "trustedProxies">>;
  /** `verifiedBefore`, where the validator has it, answers a repeat caller without a promise. */
  validator: Pick<TokenValidator, "validateAuthorization"> & Partial<Pick<TokenValidator, "verifiedBefore">>;
  /** The role map in memory; undefined until the first load succeeds. */
  policy: () => Policy | undefined;
  signer: AssertionSigner | undefined;
  /** Without it, rules' rate limits are not enforced (tests of other parts). */
  limiter?: Pick<RateLimiter, "check"> & Partial<Pick<RateLimiter, "checkNow">>;
  pools: BackendPools;
  clock: Clock;
  onDecision?: (record: DecisionRecord) => void;
  telemetry?: RequestTelemetry;
  /**
   * Told how each request was decided (TOLLGATE_DEBUG_TRACE): its record and the token checks,
   * rules tried and requirement tree. Only when set does the gateway collect a trace at all.
   */
  debugTrace?: (record: DecisionRecord, trace: DecisionTrace) => void;
  /** Told each request's live decision, to evaluate a shadow candidate beside it (shared/shadow). */
  shadow?: ShadowObserver;
  /** Answers for tollgate's own paths (health, readiness); undefined means "not mine". */
  ownRoutes?: (request: IncomingRequest, url: URL) => Response | undefined;
  /**
   * Checks on every verified caller, cached token or not, before any rule or rate limit: throws
   * the refusal (revoked token, suspended tenant). In memory only; never does I/O.
   */
  accessChecks?: (principal: Principal) => void;
  /** Optional: the user's sign-in sessions in Graph; cached, so I/O only when the cache misses. */
  signInSessions?: (principal: Principal) => Promise<void>;
  /** For a rule refused only for lack of an overage caller's groups: the caller with groups from Graph. */
  overageGroups?: (principal: Principal) => Promise<Principal>;
  /** The refusal when a rule needs an authentication context the sign-in did not meet. */
  stepUp?: (principal: Principal, contextId: string, message: string) => TollgateError;
}

/** Adds the RateLimit fields; a Response with immutable headers is copied instead. */
function withHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  try {
    // forwardRequest builds its Response itself, so its headers are mutable: no copy needed.
    for (const [name, value] of Object.entries(extra)) response.headers.set(name, value);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** The candidate only watches: whatever it does, the live decision stands. */
function observeShadow(
  shadow: ShadowObserver,
  request: Parameters<ShadowObserver>[0],
  principal: Principal,
  decision: Decision,
): void {
  try {
    shadow(request, principal, decision);
  } catch {
    // A broken candidate must never change an answer.
  }
}

function ruleIdOf(decision: Decision): string | undefined {
  const rule = decision.rule;
  return rule !== undefined && "id" in rule ? rule.id : undefined;
}

export function createGateway(deps: GatewayDeps): RequestHandler {
  const { settings } = deps;
  const bypass = {
    ...(settings.bypass.frontDoorId ? { frontDoorId: settings.bypass.frontDoorId } : {}),
    ...(settings.bypass.gatewayKey
      ? { sharedHeader: { name: GATEWAY_KEY_HEADER, value: settings.bypass.gatewayKey } }
      : {}),
  };
  const timeouts = {
    connectMs: settings.backend.connectTimeoutMs,
    firstByteMs: settings.backend.firstByteTimeoutMs,
    totalMs: settings.backend.totalTimeoutMs,
  };

  const telemetry = deps.telemetry ?? noTelemetry;
  const trust =
    settings.trustedProxies &&
    proxyTrust(settings.trustedProxies, (headers) => passesGatewayBypass(headers, bypass));

  return async (request: IncomingRequest, context: RequestContext): Promise<Response> => {
    // The caller's address, host and scheme, once, before anything reads them; what a trusted
    // front end forwarded and cannot be read is refused below, after the bypass defence.
    let caller: CallerView | TollgateError;
    try {
      caller = callerView(request, context, trust);
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      caller = error;
    }
    const url = caller instanceof TollgateError ? new URL(request.url) : caller.url;
    // Health and the assertion JWKS are public, answered for platform probes, and not decisions.
    const own = deps.ownRoutes?.(request, url);
    if (own) return own;
    // RFC 9728 metadata is public: a client reads it to learn how to get the token it lacks.
    const metadata = protectedResourceMetadata(deps.policy(), request, url);
    if (metadata) return metadata;

    const started = deps.clock.now();
    const span = telemetry.begin(request, url);
    const traceId = span.traceId;
    const trace = deps.debugTrace ? newDecisionTrace() : undefined;
    const report = (record: DecisionRecord) => {
      try {
        span.end(record);
        deps.onDecision?.(record);
        if (trace) deps.debugTrace?.(record, trace);
      } catch {
        // Reporting must never change an answer.
      }
    };
    let principal: Principal | undefined;
    let decision: Decision | undefined;
    let limit: LimitVerdict | undefined;
    let mcpRead: McpRead | undefined;
    const route = { method: request.method, path: url.pathname, host: url.host };
    // Durations, not time of day: monotonic and finer than a millisecond (a signature check is
    // well under one), so performance.now() rather than the injectable clock.
    let verifyMs: number | undefined;
    let backendStarted: number | undefined;
    // Records are filled in place, field by field: building them from conditional spreads made a
    // throwaway object per optional field on every request.
    /** Adds the timings and the whole duration, which every record ends with. */
    const timed = (record: DecisionRecord): DecisionRecord => {
      if (verifyMs !== undefined) record.verifyMs = verifyMs;
      if (backendStarted !== undefined) record.backendMs = performance.now() - backendStarted;
      record.durationMs = deps.clock.now() - started;
      return record;
    };
    /** Adds what is known of the decision so far (rule, caller, resource, MCP call, limit), then the timings. */
    const detailed = (record: DecisionRecord): DecisionRecord => {
      const ruleId = decision && ruleIdOf(decision);
      if (ruleId) record.ruleId = ruleId;
      // None on a public route: an allow with no principal.
      if (principal) record.principal = principal;
      const resource = decision?.rule?.resource;
      if (resource !== undefined) record.resource = resource;
      if (mcpRead !== undefined) record.mcp = mcpRead.call;
      if (limit !== undefined) {
        record.rateLimitPolicy = limit.policyName;
        record.rateLimitOutcome = limit.outcome;
        if (limit.remaining !== undefined) record.rateLimitRemaining = limit.remaining;
      }
      return timed(record);
    };
    try {
      checkGatewayBypass(request.headers, bypass);
      if (caller instanceof TollgateError) throw caller;

      const path = splitRequestPath(url.pathname);
      if (!path.ok) throw new TollgateError("path_invalid", `The request path ${path.problem}.`);
      const override = methodOverrideRefusal(url.searchParams);
      if (override) throw override;

      // A public rule is decided from the route alone: no token is read, checked or forwarded.
      const loaded = deps.policy();
      const publicRoute = loaded && publicDecision(loaded, route, trace);
      let policy: Policy;
      let resource: ReturnType<typeof enforceDecision>;
      if (publicRoute !== undefined && loaded !== undefined) {
        decision = publicRoute;
        policy = loaded;
      } else {
        const verifyStarted = performance.now();
        try {
          const authorization = request.headers.get("authorization");
          // A debug trace lists every token check, so it takes the full path.
          principal =
            (trace === undefined ? deps.validator.verifiedBefore?.(authorization) : undefined) ??
            (await deps.validator.validateAuthorization(authorization, url, trace?.tokenChecks));
        } finally {
          verifyMs = performance.now() - verifyStarted;
        }
        const current = deps.policy();
        if (current === undefined) {
          throw new TollgateError(
            "policy_unavailable",
            "The role map has not been loaded yet; try again shortly.",
            {
              retryAfterSeconds: 5,
            },
          );
        }
        policy = current;
        deps.accessChecks?.(principal);
        if (deps.signInSessions) await deps.signInSessions(principal);
        // MCP rules match on the JSON-RPC message, so on their routes the (bounded) body is read first.
        if (takesMcpRules(policy, route))
          mcpRead = await readMcpCall(request, settings.backend.mcpMaxBodyBytes);
        // Most routes carry no MCP call: those match on `route` itself, with no copy made.
        const routeRequest = mcpRead ? { ...route, mcp: mcpRead.call } : route;
        decision = authorize(policy, routeRequest, principal, trace);
        if (decision.groupsOverage && deps.overageGroups) {
          // Graph only when the groups the token left out decide the request.
          principal = await deps.overageGroups(principal);
          decision = authorize(policy, routeRequest, principal, trace);
        }
        if (deps.shadow) observeShadow(deps.shadow, routeRequest, principal, decision);
        try {
          resource = enforceDecision(policy, decision, principal);
        } catch (error) {
          // A missing authentication context: CAE-capable clients get Entra's claims challenge.
          if (
            error instanceof TollgateError &&
            error.reason === "auth_context_required" &&
            decision.authContext !== undefined &&
            deps.stepUp
          ) {
            throw deps.stepUp(principal, decision.authContext, decision.message);
          }
          throw error;
        }
      }

      const limitPolicy =
        decision.rateLimit === undefined ? undefined : policy.rateLimits[decision.rateLimit];
      if (limitPolicy !== undefined && decision.rateLimit !== undefined && deps.limiter) {
        const ruleId = ruleIdOf(decision) ?? "default";
        // Most requests are decided by permits in hand: no promise for those.
        limit =
          deps.limiter.checkNow?.(decision.rateLimit, limitPolicy, principal, ruleId, caller.clientIp) ??
          (await deps.limiter.check(decision.rateLimit, limitPolicy, principal, ruleId, caller.clientIp));
        if (limit.outcome === "deny") {
          throw new TollgateError(
            "rate_limited",
            `Rate limit '${limit.policyName}' allows ${limitPolicy.requests} requests per ${limitPolicy.window} s; try again in ${limit.retryAfterSeconds} s.`,
            {
              ...(limit.retryAfterSeconds !== undefined
                ? { retryAfterSeconds: limit.retryAfterSeconds }
                : {}),
              ...(limit.headers ? { headers: limit.headers } : {}),
            },
          );
        }
        if (limit.outcome === "storage_closed") {
          throw new TollgateError(
            "rate_limit_unavailable",
            `Rate limit '${limit.policyName}' cannot be checked right now and fails closed; try again shortly.`,
            limit.retryAfterSeconds !== undefined ? { retryAfterSeconds: limit.retryAfterSeconds } : {},
          );
        }
      }

      const backendUrl = decision.backendUrl ?? settings.backend.defaultUrl;
      if (backendUrl === undefined) {
        throw new TollgateError("backend_unavailable", "No backend is configured for this route.");
      }
      // A public route's backend gets no identity: no assertion, no identity headers.
      // An assertion still reusable for this caller and backend is taken without a promise.
      const assertion =
        deps.signer && principal
          ? (deps.signer.signedBefore(principal, backendUrl) ??
            (await deps.signer.sign(principal, backendUrl)))
          : undefined;
      const headers = buildUpstreamHeaders(request.headers, {
        clientIp: caller.clientIp,
        proto: url.protocol === "https:" ? "https" : "http",
        host: url.host,
        principal,
        ...(assertion ? { assertion } : {}),
        forwardAuthorization: decision.forwardAuthorization,
        ...(deps.settings.easyAuthHeaders && principal ? { easyAuth: principal } : {}),
        strip: [GATEWAY_KEY_HEADER],
      });
      backendStarted = performance.now();
      // The bytes read to match MCP rules go on exactly as they came.
      const outgoing =
        mcpRead?.body === undefined
          ? request
          : new Request(request.url, {
              method: request.method,
              headers: request.headers,
              body: mcpRead.body,
            });
      const response = await forwardRequest(
        outgoing,
        { backendUrl },
        {
          headers,
          maxBodyBytes: settings.backend.maxBodyBytes,
          timeouts: { ...timeouts, ...routeTimeouts(resource, decision.rule) },
          signal: context.signal,
          pools: deps.pools,
          // Only the caller's host and scheme differ from request.url's; path and query are its own.
          requestUrl: url,
        },
      );
      const reportOnly = decision.outcome === "report_only_deny";
      const allowed: DecisionRecord = {
        traceId,
        outcome: reportOnly ? "report_only_deny" : "allow",
        status: response.status,
        backendStatus: response.status,
        durationMs: 0,
      };
      if (reportOnly && decision.reason) allowed.reason = decision.reason;
      report(detailed(allowed));
      return settings.rateLimitHeaders && limit?.headers ? withHeaders(response, limit.headers) : response;
    } catch (error) {
      if (context.signal?.aborted === true && !(error instanceof TollgateError)) {
        // The client went away and the backend call was aborted with it: nobody reads this answer,
        // so it is neither a refusal nor an outage. 499 is the status proxies log for it.
        report(timed({ traceId, outcome: "abandoned", status: 499, durationMs: 0 }));
        return new Response(null, { status: 499 });
      }
      const refusal =
        error instanceof TollgateError
          ? error
          : new TollgateError("internal_error", "tollgate could not handle this request.", { cause: error });
      report(
        detailed({
          traceId,
          outcome: outcomeOf(refusal.reason),
          reason: refusal.reason,
          status: refusal.status,
          durationMs: 0,
        }),
      );
      return problemResponse(refusal, traceId, {}, challengeExtras(deps.policy(), decision, route, refusal));
    }
  };
}

/** On a protected resource's routes, a 401 or 403 says where its metadata is and what to ask for. */
function challengeExtras(
  policy: Policy | undefined,
  decision: Decision | undefined,
  route: { method: string; path: string; host: string },
  refusal: TollgateError,
) {
  if (policy === undefined || (refusal.status !== 401 && refusal.status !== 403)) return undefined;
  // Without resources there is nothing to add, and no reason to match the route again.
  if (decision?.rule?.resource === undefined && Object.keys(policy.resources).length === 0) return undefined;
  return resourceChallenge(policy, decision?.rule ?? routeRule(policy, route), refusal);
}
