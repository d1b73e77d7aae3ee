// Protected resources (RFC 9728) in the role map: an API or MCP server as its clients know it (its
// public URL), the Entra audiences its tokens carry, the authorization servers that issue them and
// the scopes and app roles it defines. Rules name the resource they belong to.

import { z } from "zod";
import { guid, loopbackHost } from "../config/parsers.js";
import { formatFieldPath } from "./schema-errors.js";
import { unknownKeyMessage } from "./unknown-key.js";

function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? unknownKeyMessage(issue.keys, known) : undefined),
  });
}

function parseUrl(raw: string, ctx: z.RefinementCtx, example: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: `'${raw}' is not a URL; example: ${example}` });
    return undefined;
  }
}

/** https, or http to this machine (the sandbox and tests); no credentials, query or fragment. */
function publicUrl(example: string) {
  return z.string().transform((raw, ctx) => {
    const url = parseUrl(raw, ctx, example);
    if (url === undefined) return z.NEVER;
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackHost(url.hostname))) {
      ctx.addIssue({ code: "custom", message: `'${raw}' must be an https URL (http only on loopback)` });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must not carry credentials" });
    } else if (url.search || url.hash || raw.includes("?") || raw.includes("#")) {
      ctx.addIssue({ code: "custom", message: `'${raw}' must not have a query or fragment` });
    }
    return raw;
  });
}

// The URL clients connect to and put in `resource`; Entra compares an Application ID URI byte for
// byte, and a trailing slash is the classic AADSTS9010010 mismatch, so it is an error here.
const resourceUrl = publicUrl("https://mcp.contoso.com/orders").superRefine((raw, ctx) => {
  if (raw.endsWith("/")) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' ends with '/': write the URL exactly as clients use it, without a trailing slash (Entra refuses a mismatch with AADSTS9010010)`,
    });
  }
});

// RFC 6750 scope-token characters, so a name can go into the challenge as is.
const scopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be a name without spaces, quotes or backslashes");

const audience = z
  .string()
  .min(1, "must not be empty")
  .transform((value) => (guid.test(value) ? value.toLowerCase() : value));

const MAX_TIMEOUT_MS = 2_147_483_647;
const milliseconds = z
  .number({ error: "must be a number of milliseconds" })
  .int("must be a whole number of milliseconds")
  .min(1, "must be at least 1")
  .max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS}`);

/**
 * Backend timeouts for one rule or resource, over the settings' defaults. An MCP server's SSE
 * stream may stay open for a long `totalMs` while `firstByteMs` (also the longest silence
 * mid-body, which keep-alive comments reset) still frees the gateway from a backend gone quiet.
 */
export const timeoutsSchema = strict({
  firstByteMs: milliseconds.optional(),
  totalMs: milliseconds.optional(),
});
export type RouteTimeouts = z.output<typeof timeoutsSchema>;

export const resourceSchema = strict({
  /** The public URL exactly as clients use it; never derived from Host or X-Forwarded-Host. */
  url: resourceUrl,
  /** The `aud` values its tokens carry: the API's client-id GUID and/or its Application ID URI. */
  audiences: z.array(audience).min(1, "must list at least one audience"),
  /** The tenant's v2.0 issuer, e.g. https://login.microsoftonline.com/{tenant}/v2.0. */
  authorizationServers: z
    .array(publicUrl("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"))
    .min(1, "must list at least one authorization server"),
  /** Delegated scopes, short names as Entra puts them in `scp`. */
  scopes: z.array(scopeToken).default([]),
  /** App roles, as Entra puts them in `roles`. */
  roles: z.array(scopeToken).default([]),
  name: z.string().min(1).max(200).optional(),
  documentation: publicUrl("https://contoso.com/docs/orders-mcp").optional(),
  timeouts: timeoutsSchema.optional(),
});
export type ProtectedResource = z.output<typeof resourceSchema>;

export const resourcesSchema = z.record(
  z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62})$/, "must be 1 to 63 lower-case letters, digits and '-'"),
  resourceSchema,
);

export const METADATA_PREFIX = "/.well-known/oauth-protected-resource";

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function metadataPath(resource: Pick<ProtectedResource, "url">): string {
  const path = new URL(resource.url).pathname;
  return path === "/" ? METADATA_PREFIX : METADATA_PREFIX + path;
}

export function metadataUrl(resource: Pick<ProtectedResource, "url">): string {
  return new URL(resource.url).origin + metadataPath(resource);
}

/**
 * How a client asks Entra for these names: delegated scopes as `{resource}/{scope}`; app roles
 * cannot be requested one by one, an app gets all its assigned roles with `{resource}/.default`.
 */
export function requestableScopes(resource: ProtectedResource, names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    out.add(resource.scopes.includes(name) ? `${resource.url}/${name}` : `${resource.url}/.default`);
  }
  return [...out];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rules naming a resource that does not exist, and MCP rules that would pass the caller's token on. */
export function resourceReferenceErrors(document: unknown): string[] {
  if (!isRecord(document)) return [];
  const errors: string[] = [];
  const resources = isRecord(document.resources) ? Object.keys(document.resources) : [];
  const check = (rule: unknown, path: (string | number)[]) => {
    if (!isRecord(rule)) return;
    const where = formatFieldPath(path);
    if (typeof rule.resource === "string" && !resources.includes(rule.resource)) {
      const known = resources.length === 0 ? "no resources are defined" : `defined: ${resources.join(", ")}`;
      errors.push(`${where}.resource: '${rule.resource}' is not a resource under 'resources' (${known})`);
    }
    if (rule.mcp !== undefined && rule.forwardAuthorization === true) {
      errors.push(
        `${where}.forwardAuthorization: an MCP rule never passes the caller's token on (the MCP spec forbids token passthrough); the backend trusts the signed assertion`,
      );
    }
  };
  if (Array.isArray(document.rules)) {
    for (const [index, rule] of document.rules.entries()) check(rule, ["rules", index]);
  }
  check(document.defaultRule, ["defaultRule"]);
  if (isRecord(document.defaultRule) && document.defaultRule.mcp !== undefined) {
    errors.push(
      "defaultRule.mcp: the default rule applies when no rule matches, so it matches no MCP message; put MCP rules under 'rules'",
    );
  }
  return errors;
}
