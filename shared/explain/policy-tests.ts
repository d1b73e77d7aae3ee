// Policy tests as plain data, as `opa test` has them: cases of a request and a caller, each with
// the outcome expected. Every case runs through `explainRequest`, the gateway's own steps, with
// the caller's claims through the token validator's claim rules; nothing here decides anything.

import { parseDocument } from "yaml";
import { z } from "zod";
import type { Clock } from "../clock.js";
import type { TokenSettings } from "../config/settings.js";
import type { Policy } from "../policy/policy-schema.js";
import { formatIssues } from "../policy/schema-errors.js";
import { claimsValidator } from "./claims-validator.js";
import { type Explanation, explainRequest } from "./explain-request.js";

const claims = z.record(z.string(), z.unknown());

const expectation = z.strictObject({
  /** allow (forwarded), deny, or report_only_deny (forwarded, refusal recorded). */
  outcome: z.enum(["allow", "deny", "report_only_deny"]).optional(),
  status: z.number().int().min(100).max(599).optional(),
  reason: z.string().optional(),
  /** The id of the rule that decided (`default` for the default rule). */
  rule: z.string().optional(),
  /** The `scope` of the WWW-Authenticate challenge, names in any order. */
  scope: z.string().optional(),
});

const testCase = z
  .strictObject({
    name: z.string().min(1),
    request: z.strictObject({
      method: z
        .string()
        .regex(/^[A-Z][A-Z-]*$/, "must be an upper-case HTTP method")
        .default("GET"),
      path: z.string().startsWith("/", "must start with '/'"),
      /** Only Host changes what the role map decides; other headers are accepted and ignored. */
      headers: z.record(z.string(), z.string()).optional(),
    }),
    /** The caller: claims as the token would carry them, or the name of one under `principals`. */
    claims: claims.optional(),
    principal: z.string().optional(),
    expect: expectation.refine((e) => Object.keys(e).length > 0, "must name at least one expected field"),
  })
  .refine((c) => (c.claims === undefined) !== (c.principal === undefined), {
    message: "needs 'claims' or 'principal', one of them",
  });

export const policyTestFileSchema = z.strictObject({
  /** The policy file these tests are for, relative to the test file; `--policy` overrides it. */
  policy: z.string().optional(),
  principals: z.record(z.string(), claims).default({}),
  cases: z.array(testCase).min(1, "must list at least one case"),
});

export type PolicyTestFile = z.output<typeof policyTestFileSchema>;
export type PolicyTestCase = PolicyTestFile["cases"][number];
type Expected = PolicyTestCase["expect"];

export type ParseTestsResult = { ok: true; file: PolicyTestFile } | { ok: false; errors: string[] };

export function parsePolicyTests(text: string): ParseTestsResult {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) return { ok: false, errors: document.errors.map((e) => e.message) };
  const result = policyTestFileSchema.safeParse(document.toJS());
  if (!result.success) return { ok: false, errors: formatIssues(result.error.issues) };
  const unknown = result.data.cases
    .filter((c) => c.principal !== undefined && !(c.principal in result.data.principals))
    .map((c) => `cases: '${c.name}' names principal '${c.principal}', which 'principals' does not define`);
  return unknown.length > 0 ? { ok: false, errors: unknown } : { ok: true, file: result.data };
}

export interface CaseResult {
  name: string;
  passed: boolean;
  expected: Expected;
  /** The same fields, as the gateway would answer. */
  actual: Expected;
  explanation: Explanation;
}

/** Where a rule without a backend would go; tests are about the role map, not the deployment. */
const ASSUMED_BACKEND = "http://default-backend.invalid";

export async function runPolicyTests(
  file: PolicyTestFile,
  policy: Policy,
  clock: Clock,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of file.cases) {
    const given = testCase.claims ?? file.principals[testCase.principal as string] ?? {};
    const full = withDefaults(given, clock);
    const host = Object.entries(testCase.request.headers ?? {}).find(
      ([name]) => name.toLowerCase() === "host",
    )?.[1];
    const explanation = await explainRequest(
      { method: testCase.request.method, target: testCase.request.path, ...(host ? { host } : {}) },
      {
        validator: claimsValidator(full, settingsFor(full), clock),
        authorization: undefined,
        policy,
        defaultBackendUrl: ASSUMED_BACKEND,
      },
    );
    const actual = actualOf(explanation);
    const expected = testCase.expect;
    const passed = (Object.keys(expected) as (keyof Expected)[]).every((key) =>
      key === "scope" ? sameNames(expected.scope, actual.scope) : expected[key] === actual[key],
    );
    results.push({ name: testCase.name, passed, expected, actual, explanation });
  }
  return results;
}

function actualOf(e: Explanation): Expected {
  const scope = e.challenge?.match(/scope="([^"]*)"/)?.[1];
  return {
    outcome: e.outcome === "error" ? "deny" : e.outcome,
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.ruleId !== undefined ? { rule: e.ruleId } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

function sameNames(a: string | undefined, b: string | undefined): boolean {
  const names = (s: string | undefined) => (s ?? "").split(" ").filter(Boolean).sort().join(" ");
  return a !== undefined && b !== undefined && names(a) === names(b);
}

/** One line, e.g. "deny 403 insufficient_scope, rule orders-write, scope admin". */
export function describeOutcome(o: Expected): string {
  const head = [o.outcome, o.status, o.reason].filter((part) => part !== undefined).join(" ");
  const tail = [
    o.rule !== undefined ? `rule ${o.rule}` : undefined,
    o.scope !== undefined ? `scope ${o.scope}` : undefined,
  ];
  return [head || undefined, ...tail].filter((part) => part !== undefined).join(", ");
}

const TEST_TENANT = "00000000-0000-0000-0000-0000000000aa";
const TEST_APP = "00000000-0000-0000-0000-0000000000bb";
const TEST_OID = "00000000-0000-0000-0000-0000000000cc";
const TEST_AUDIENCE = "api://policy-test";

/** What a test leaves out is filled as a valid Entra v2 token would have it; what it gives wins. */
function withDefaults(given: Record<string, unknown>, clock: Clock): Record<string, unknown> {
  const now = Math.floor(clock.now() / 1000);
  const tid = typeof given.tid === "string" ? given.tid : TEST_TENANT;
  const v1 = given.ver === "1.0";
  return {
    ver: "2.0",
    tid,
    iss: v1 ? `https://sts.windows.net/${tid}/` : `https://login.microsoftonline.com/${tid}/v2.0`,
    ...(v1 ? { appid: TEST_APP } : {}),
    oid: TEST_OID,
    sub: "policy-test",
    azp: TEST_APP,
    aud: TEST_AUDIENCE,
    iat: now - 60,
    exp: now + 3600,
    ...given,
  };
}

/** Accepts the test's own tenant and audience: the case tests the role map, not the settings. */
function settingsFor(claimsGiven: Record<string, unknown>): TokenSettings {
  return {
    authority: "https://login.microsoftonline.com",
    tenants: { any: true },
    audiences: typeof claimsGiven.aud === "string" ? [claimsGiven.aud] : [],
    tokenVersions: ["1.0", "2.0"],
    algorithms: ["RS256"],
    clockSkewSeconds: 60,
    maxTokenLifetimeSeconds: undefined,
    maxTokenBytes: 16 * 1024,
    clientApps: undefined,
    principalKind: "any",
    cacheSize: 0,
  };
}
