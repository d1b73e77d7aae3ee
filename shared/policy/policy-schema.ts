// The role-map document (JSON or YAML) as a zod schema, and the types it parses into. Every
// object is strict: a misspelt key is an error, never a requirement silently left out.

import { z } from "zod";
import { guid } from "../config/parsers.js";
import { redactUrl } from "../config/redact-url.js";
import { GATEWAY_METHODS, isGatewayMethod } from "../http/gateway-methods.js";
import { limitPolicySchema } from "../limits/limit-policy.js";
import { mcpMatchSchema } from "../mcp/mcp-rule.js";
import { agentsSchema } from "./agent-rule.js";
import { type ClaimRequirements, claimRequirementsSchema, objectIdsSchema } from "./claim-requirements.js";
import { corsSchema } from "./cors-schema.js";
import { compilePathPattern, type PathPattern } from "./path-pattern.js";
import { resourcesSchema, timeoutsSchema } from "./resources.js";
import { unknownKeyMessage } from "./unknown-key.js";

/** A requirement names the roles, scopes or groups a caller needs: any one of, all of, or both. */
export interface NameSet {
  anyOf?: readonly string[];
  allOf?: readonly string[];
}

/** A requirement tree node, Envoy-style: each node has exactly one key. */
export type Requirement =
  | { allOf: readonly Requirement[] }
  | { anyOf: readonly Requirement[] }
  | { roles: NameSet }
  | { scopes: NameSet }
  | { groups: NameSet }
  /** Tenant ids (GUIDs, lower-cased). */
  | { tenants: readonly string[] }
  /** Client application ids (GUIDs, lower-cased): the `azp`/`appid` of the calling app. */
  | { clientApps: readonly string[] }
  | { kind: "user" | "app" }
  /** Claims of the token by name: exact values, or membership in an array claim. */
  | { claims: ClaimRequirements }
  /** Object ids (GUIDs, lower-cased) of the callers allowed: an allow-list of users or apps. */
  | { objectIds: readonly string[] }
  /** An Entra authentication context id (`c1`–`c99`) the sign-in must have met (`acrs`). */
  | { authContext: string };

export interface NameSetDocument {
  anyOf?: string[];
  allOf?: string[];
}

/** A requirement node as written; exactly one key may be present. */
export interface RequirementDocument {
  allOf?: RequirementDocument[];
  anyOf?: RequirementDocument[];
  roles?: NameSetDocument;
  scopes?: NameSetDocument;
  groups?: NameSetDocument;
  tenants?: string[];
  clientApps?: string[];
  kind?: "user" | "app";
  claims?: Record<string, NameSetDocument>;
  objectIds?: string[];
  authContext?: string;
}

/** A strict object whose unknown-key message names the key meant or the keys allowed. */
function strict<T extends z.ZodRawShape>(shape: T, hint?: (keys: readonly string[]) => string | undefined) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? (hint?.(issue.keys) ?? unknownKeyMessage(issue.keys, known))
        : undefined,
  });
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;
const name = () =>
  z
    .string()
    .regex(NAME, "must be 1 to 63 lower-case letters, digits and '-', starting with a letter or digit");

// RFC 6750 scope-token characters, so a missing role or scope can go into the challenge as is.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const scopeToken = z
  .string()
  .regex(SCOPE_TOKEN, "must be a name without spaces, quotes or backslashes (as it appears in the token)");
// Group claims may be object ids or, for synced groups, on-premises names with spaces.
const groupName = z
  .string()
  .min(1, "must not be empty")
  .regex(/^\P{Cc}+$/u, "must not contain control characters");
const guidString = z
  .string()
  .regex(guid, "must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47")
  .transform((id) => id.toLowerCase());

function nonEmptyList<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, "must list at least one entry");
}

function nameSet(item: z.ZodType<string, string>) {
  return strict({ anyOf: nonEmptyList(item).optional(), allOf: nonEmptyList(item).optional() }).transform(
    (set, ctx): NameSet => {
      if (set.anyOf === undefined && set.allOf === undefined) {
        ctx.addIssue({ code: "custom", message: "needs 'anyOf' or 'allOf' (or both)" });
        return z.NEVER;
      }
      const out: { anyOf?: readonly string[]; allOf?: readonly string[] } = {};
      if (set.anyOf) out.anyOf = [...new Set(set.anyOf)];
      if (set.allOf) out.allOf = [...new Set(set.allOf)];
      return out;
    },
  );
}

const REQUIREMENT_KEYS = [
  "allOf",
  "anyOf",
  "roles",
  "scopes",
  "groups",
  "tenants",
  "clientApps",
  "kind",
  "claims",
  "objectIds",
  "authContext",
] as const;

// Annotated because the schema refers to itself.
export const requirementSchema: z.ZodType<Requirement, RequirementDocument> = z.lazy(() =>
  strict({
    allOf: nonEmptyList(requirementSchema).optional(),
    anyOf: nonEmptyList(requirementSchema).optional(),
    roles: nameSet(scopeToken).optional(),
    scopes: nameSet(scopeToken).optional(),
    groups: nameSet(groupName).optional(),
    tenants: nonEmptyList(guidString).optional(),
    clientApps: nonEmptyList(guidString).optional(),
    kind: z.enum(["user", "app"], { error: "must be 'user' or 'app'" }).optional(),
    claims: claimRequirementsSchema.optional(),
    objectIds: objectIdsSchema.optional(),
    authContext: z
      .string({ error: "must be an authentication context id from c1 to c99" })
      .regex(/^c(?:[1-9]|[1-9][0-9])$/, "must be an authentication context id from c1 to c99")
      .optional(),
  }).transform((node, ctx): Requirement => {
    const present = REQUIREMENT_KEYS.filter((key) => node[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          present.length === 0
            ? `is empty: a requirement has exactly one of ${REQUIREMENT_KEYS.join(", ")}`
            : `has ${present.join(" and ")}: a requirement has exactly one key; put them under 'allOf' or 'anyOf'`,
      });
      return z.NEVER;
    }
    if (node.allOf) return { allOf: node.allOf };
    if (node.anyOf) return { anyOf: node.anyOf };
    if (node.roles) return { roles: node.roles };
    if (node.scopes) return { scopes: node.scopes };
    if (node.groups) return { groups: node.groups };
    if (node.tenants) return { tenants: [...new Set(node.tenants)] };
    if (node.clientApps) return { clientApps: [...new Set(node.clientApps)] };
    if (node.claims) return { claims: node.claims };
    if (node.objectIds) return { objectIds: [...new Set(node.objectIds)] };
    if (node.authContext) return { authContext: node.authContext };
    return { kind: node.kind as "user" | "app" };
  }),
);

const METHOD = /^[A-Z][A-Z-]*$/;
const methods = nonEmptyList(z.string()).transform((list, ctx): readonly string[] | "*" => {
  if (list.includes("*")) {
    if (list.length > 1)
      ctx.addIssue({ code: "custom", message: "'*' means every method; list nothing else with it" });
    return "*";
  }
  list.forEach((method, index) => {
    if (METHOD.test(method) && !isGatewayMethod(method)) {
      ctx.addIssue({
        code: "custom",
        path: [index],
        message: `'${method}' never reaches tollgate: the gateway function registers ${GATEWAY_METHODS.join(", ")} only`,
      });
      return;
    }
    if (METHOD.test(method)) return;
    const upper = method.toUpperCase();
    ctx.addIssue({
      code: "custom",
      path: [index],
      message: METHOD.test(upper)
        ? `'${method}' must be upper-case ('${upper}'): HTTP methods are case-sensitive`
        : `'${method}' is not an HTTP method`,
    });
  });
  // route-match.ts decides HEAD as GET (backends run the GET handler for it), so HEAD alone
  // would be a rule that never matches: say so rather than let the author believe it does.
  if (list.includes("HEAD") && !list.includes("GET")) {
    ctx.addIssue({
      code: "custom",
      message: "'HEAD' is authorised exactly as 'GET' (backends run the GET handler for it); list 'GET'",
    });
  }
  return [...new Set(list)];
});

const path = z.string().transform((source, ctx): PathPattern => {
  const result = compilePathPattern(source);
  if (!result.ok) {
    ctx.addIssue({ code: "custom", message: result.problem });
    return z.NEVER;
  }
  return result.pattern;
});

const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const host = z
  .string()
  .regex(HOST, "must be a host name, optionally with ':port' (no scheme, path or wildcard)")
  .transform((value) => value.toLowerCase().replace(/\.(?=:|$)/, ""));

const backendUrl = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `'${redactUrl(raw)}' is not a URL; example: https://orders.internal.contoso.com`,
    });
    return z.NEVER;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `'${redactUrl(raw)}' must be an http or https URL` });
  } else if (url.username || url.password) {
    ctx.addIssue({
      code: "custom",
      message: "must not carry credentials (the policy is not a secret store)",
    });
  } else if (url.search || url.hash) {
    ctx.addIssue({ code: "custom", message: `'${redactUrl(raw)}' must not have a query or fragment` });
  }
  return raw;
});

const flag = z.boolean({ error: "must be true or false" });

const ruleFields = {
  host: host.optional(),
  /** Omitted: any authenticated caller. */
  require: requirementSchema.optional(),
  backend: name().optional(),
  rateLimit: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be a name of letters, digits, '-' and '_'")
    .optional(),
  reportOnly: flag.default(false),
  forwardAuthorization: flag.default(false),
  /** The protected resource (under `resources`) the rule's routes belong to. */
  resource: name().optional(),
  /** Match MCP JSON-RPC calls by method and tool, resource or prompt name (see shared/mcp). */
  mcp: mcpMatchSchema.optional(),
  /** Backend timeouts for this rule's routes, over its resource's and the settings'. */
  timeouts: timeoutsSchema.optional(),
  /** Entra Agent ID callers: `allow` (omitted), `deny` (none) or `only` (nobody else). */
  agents: agentsSchema.optional(),
};

/** What a public rule cannot have: each needs a verified caller, or would mean nothing without one. */
const NOT_WITH_PUBLIC = {
  require: "a public rule lets anyone through: it has no 'require'",
  forwardAuthorization: "a public rule never checks a token, so it never forwards one",
  agents: "a public rule has no verified caller to tell an agent by",
  mcp: "MCP rules need a verified caller; a public rule cannot match MCP calls",
  resource: "a protected resource's routes need a token; a public rule belongs to none",
  reportOnly: "a public rule refuses nobody, so report-only means nothing there",
} as const;

export const ruleSchema = strict({
  id: name(),
  methods,
  path,
  ...ruleFields,
  /** No token needed (backend health, documentation); still rate-limited by `clientIp` if asked. */
  public: flag.default(false),
}).superRefine((rule, ctx) => {
  if (!rule.public) return;
  for (const [key, message] of Object.entries(NOT_WITH_PUBLIC)) {
    const value = rule[key as keyof typeof NOT_WITH_PUBLIC];
    if (value !== undefined && value !== false) ctx.addIssue({ code: "custom", path: [key], message });
  }
});

export const defaultRuleSchema = z.union(
  [
    z.literal("deny"),
    strict({ id: name().default("default"), ...ruleFields }, (keys) =>
      keys.some((key) => key === "path" || key === "methods")
        ? "the default rule applies when no rule matches, so it has no 'path' or 'methods'"
        : keys.includes("public")
          ? "the default rule cannot be public (it would open every route no rule names); write a rule for each public route"
          : undefined,
    ),
  ],
  { error: "must be 'deny' or a rule without 'path' and 'methods'" },
);

export const policySchema = strict({
  version: z.literal(1, { error: "must be 1" }),
  backends: z.record(name(), strict({ url: backendUrl })).default({}),
  /** Named rate-limit policies that rules refer to by `rateLimit`. */
  rateLimits: z.record(name(), limitPolicySchema).default({}),
  /** Protected resources (RFC 9728) that rules belong to by `resource`. */
  resources: resourcesSchema.default({}),
  rules: z.array(ruleSchema),
  defaultRule: defaultRuleSchema.default("deny"),
  /** Browser origins allowed to call cross-origin (cors-schema.ts); none without it. */
  cors: corsSchema.optional(),
});

/** The document as written (after YAML or JSON parsing). */
export type PolicyDocument = z.input<typeof policySchema>;
/** The document parsed: defaults filled in, paths compiled, ids lower-cased. */
export type Policy = z.output<typeof policySchema>;
export type PolicyRule = z.output<typeof ruleSchema>;
export type DefaultRule = Exclude<Policy["defaultRule"], "deny">;
export type Backend = Policy["backends"][string];
