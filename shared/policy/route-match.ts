// Finds the rule for a request: the first rule whose methods, host and path pattern match.
//
// Paths are compared case-sensitively, exactly as the backend will receive them: a pattern
// means the bytes the backend routes on. But backends differ (ASP.NET Core, Azure Functions
// and Express route ignoring case; Spring, Go and most proxies do not), and either choice alone
// lets a request slip past a stricter rule on some backend: '/ADMIN/x' under a case-blind
// backend, or '/PUBLIC/x' under a case-sensitive one when '/public/**' is the open rule. So a
// path is refused when matching it ignoring case would pick a different rule than matching it
// exactly: then the rule that decides cannot depend on how the backend treats case. Callers
// using the path's exact case (every real client) never see that.

import { type McpCall, mcpMatches } from "../mcp/mcp-rule.js";
import { matchPathPattern } from "./path-pattern.js";
import type { Policy, PolicyRule } from "./policy-schema.js";
import { splitRequestPath } from "./request-path.js";

export interface RouteRequest {
  /** As received; HTTP methods are case-sensitive, and rules name them upper-case. */
  method: string;
  /** The URL pathname, still percent-encoded, without query string. */
  path: string;
  /** The Host header (or the URL host), port included when the request had one. */
  host?: string | undefined;
  /** The MCP message in the body, on routes with MCP rules; `"any"` matches every MCP rule. */
  mcp?: McpCall | "any" | undefined;
}

export type RouteMatch =
  | { rule: PolicyRule; index: number; params: Record<string, string> }
  /** No rule may match this path; the gateway answers 400 without asking the backend. */
  | { invalidPath: true; problem: string };

/** A rule tried for a request, in order, for `tollgate explain`: why it did or did not match. */
export interface RuleTrace {
  ruleId: string;
  matched: boolean;
  /** Set when it did not match: which of methods, host, MCP call and path ruled it out. */
  skipped?: "method" | "host" | "mcp" | "path";
}

/** `trace`, when given, receives each rule tried on the exact-case pass, up to the one that matched. */
export function matchRule(
  policy: Policy,
  request: RouteRequest,
  trace?: RuleTrace[],
): RouteMatch | undefined {
  const split = splitRequestPath(request.path);
  if (!split.ok) return { invalidPath: true, problem: `the path ${split.problem}` };
  const host = request.host === undefined ? undefined : normaliseHost(request.host);

  const exact = firstMatch(policy, request, host, split.segments, false, trace);
  const folded = firstMatch(policy, request, host, split.segments, true);
  if (folded?.rule !== exact?.rule) {
    return {
      invalidPath: true,
      problem:
        "the path differs only in letter case from a route with a different rule; use the route's exact case",
    };
  }
  // Express, ASP.NET Core and older Spring route "/users/42/roles/" as "/users/42/roles"; Go and
  // newer Spring do not. Refused when the other reading (in either case) is decided by another
  // rule; see decidedByAnother. A reading no rule matches does not count when the default is
  // "deny": a route the policy names only as "/docs/" keeps working.
  const otherSlash = otherSlashReading(split.segments);
  if (otherSlash !== undefined && decidedByAnother(policy, request, host, otherSlash, exact)) {
    return {
      invalidPath: true,
      problem:
        "the path with its trailing slash added or removed (as some backends route) is matched by another rule; use the route's exact form",
    };
  }
  // Tomcat, Jetty and Spring drop ";params" from each segment before routing, so to them
  // "/manage;x/health" is "/manage/health". Refused when that reading (in either case) would
  // pick another rule; a parameter that changes nothing ("/orders/1;v=2") passes.
  if (request.path.includes(";")) {
    const stripped = split.segments.map((segment) => segment.replace(/;.*$/, ""));
    for (const foldCase of [false, true]) {
      if (firstMatch(policy, request, host, stripped, foldCase)?.rule !== exact?.rule) {
        return {
          invalidPath: true,
          problem:
            "the path holds ';' parameters, and without them (as some backends route) another rule applies",
        };
      }
    }
    // Both at once: "/users/42/roles;x/" is "/users/42/roles" to Spring before 6.
    const strippedSlash = otherSlashReading(stripped);
    if (strippedSlash !== undefined && decidedByAnother(policy, request, host, strippedSlash, exact)) {
      return {
        invalidPath: true,
        problem:
          "the path holds ';' parameters, and without them and its trailing slash (as some backends route) another rule applies",
      };
    }
  }
  return exact;
}

/** The segments with a trailing slash removed, or one added; none for "/" itself. */
function otherSlashReading(segments: readonly string[]): SlashReading | undefined {
  if (segments.length === 1 && segments[0] === "") return undefined;
  return segments.at(-1) === ""
    ? { segments: segments.slice(0, -1), added: false }
    : { segments: [...segments, ""], added: true };
}

interface SlashReading {
  segments: readonly string[];
  /** True when the reading adds the slash the request did not have. */
  added: boolean;
}

/**
 * True when the other reading, exactly or ignoring case, is decided by another rule than
 * `exact`'s. Backends strip a trailing slash before routing, so without it any other rule (or
 * the default, when it is not "deny") counts. With one added only a rule whose pattern ends in
 * "/" counts: a lenient backend routes "/docs" to a route it declares as "/docs/", but nothing
 * turns "/reports/q3" into the "/reports/q3/" that a later "/reports/**" would take.
 */
function decidedByAnother(
  policy: Policy,
  request: RouteRequest,
  host: HostParts | undefined,
  reading: SlashReading,
  exact: { rule: PolicyRule } | undefined,
): boolean {
  for (const foldCase of [false, true]) {
    const other = firstMatch(policy, request, host, reading.segments, foldCase);
    if (reading.added) {
      const last = other?.rule.path.segments.at(-1);
      if (
        other !== undefined &&
        other.rule !== exact?.rule &&
        last?.kind === "literal" &&
        last.value === ""
      ) {
        return true;
      }
    } else if (
      other === undefined ? policy.defaultRule !== "deny" && exact !== undefined : other.rule !== exact?.rule
    ) {
      return true;
    }
  }
  return false;
}

function firstMatch(
  policy: Policy,
  { method, mcp }: RouteRequest,
  host: HostParts | undefined,
  segments: readonly string[],
  foldCase: boolean,
  trace?: RuleTrace[],
): { rule: PolicyRule; index: number; params: Record<string, string> } | undefined {
  // Most frameworks run the GET handler for HEAD, so HEAD is decided exactly as GET is: a rule
  // listing only HEAD is refused when the policy is parsed (policy-schema.ts).
  const routed = method === "HEAD" ? "GET" : method;
  const skip = (ruleId: string, skipped: RuleTrace["skipped"]) =>
    trace?.push({ ruleId, matched: false, skipped });
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.methods !== "*" && !rule.methods.includes(routed)) {
      skip(rule.id, "method");
      continue;
    }
    if (rule.host !== undefined && !hostMatches(rule.host, host)) {
      skip(rule.id, "host");
      continue;
    }
    if (rule.mcp !== undefined && !mcpMatches(rule.mcp, mcp)) {
      skip(rule.id, "mcp");
      continue;
    }
    const params = matchPathPattern(rule.path, segments, foldCase);
    if (params) {
      trace?.push({ ruleId: rule.id, matched: true });
      return { rule, index, params };
    }
    skip(rule.id, "path");
  }
  return undefined;
}

interface HostParts {
  name: string;
  withPort: string;
}

/** Lower-case, without a trailing dot; the port kept apart so a rule may name it or not. */
function normaliseHost(raw: string): HostParts {
  const withPort = raw
    .trim()
    .toLowerCase()
    .replace(/\.(?=:\d+$|$)/, "");
  const name = withPort.replace(/:\d+$/, "");
  return { name, withPort };
}

/** A rule naming a port needs that port; one without a port takes the host on any port. */
function hostMatches(ruleHost: string, host: HostParts | undefined): boolean {
  if (host === undefined) return false;
  return /:\d+$/.test(ruleHost) ? host.withPort === ruleHost : host.name === ruleHost;
}
