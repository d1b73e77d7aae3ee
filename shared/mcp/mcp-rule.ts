// What an MCP rule matches: JSON-RPC calls on an MCP endpoint by method, and tool, resource and
// prompt calls by name. A rule with `mcp` applies only to a POSTed JSON-RPC message it matches.

import { z } from "zod";
import { unknownKeyMessage } from "../policy/unknown-key.js";

/** One JSON-RPC message as tollgate read it from the body (and the headers that must agree). */
export interface McpCall {
  /** Undefined for a JSON-RPC response the client sends back (to a server's request). */
  method?: string;
  /** `params.name` of tools/call and prompts/get, `params.uri` of resources/read. */
  name?: string;
  /** The `MCP-Protocol-Version` header, when the client sent one. */
  protocolVersion?: string;
}

export interface McpMatch {
  methods?: readonly string[];
  tools?: readonly string[];
  resources?: readonly string[];
  prompts?: readonly string[];
}

const KEYS = ["methods", "tools", "resources", "prompts"] as const;

const method = z.string().regex(/^[A-Za-z0-9_/.-]+$/, "must be a JSON-RPC method such as 'tools/call'");
// Names may hold '*' as a wildcard for any run of characters (`delete_*`); nothing else is special.
const namePattern = z.string().min(1, "must not be empty").max(500);
const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .array(item)
    .min(1, "must list at least one entry")
    .transform((values) => [...new Set(values)]);

export const mcpMatchSchema = z
  .strictObject(
    {
      methods: list(method).optional(),
      tools: list(namePattern).optional(),
      resources: list(namePattern).optional(),
      prompts: list(namePattern).optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys" ? unknownKeyMessage(issue.keys, [...KEYS]) : undefined,
    },
  )
  .transform((spec, ctx): McpMatch => {
    if (KEYS.every((key) => spec[key] === undefined)) {
      ctx.addIssue({ code: "custom", message: `needs at least one of ${KEYS.join(", ")}` });
      return z.NEVER;
    }
    const out: { -readonly [K in keyof McpMatch]: McpMatch[K] } = {};
    for (const key of KEYS) if (spec[key] !== undefined) out[key] = spec[key];
    return out;
  });

function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const parts = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "s").test(value);
}

const named = (patterns: readonly string[] | undefined, name: string | undefined) =>
  patterns !== undefined && name !== undefined && patterns.some((p) => globMatches(p, name));

/**
 * Any one condition is enough: the method is listed, or it is a tools/call of a listed tool, a
 * resources/read of a listed resource URI, or a prompts/get of a listed prompt. `"any"` (asking
 * whether a route takes MCP rules at all, before the body is read) matches every MCP rule.
 */
export function mcpMatches(spec: McpMatch, call: McpCall | "any" | undefined): boolean {
  if (call === "any") return true;
  if (call?.method === undefined) return false;
  if (spec.methods?.includes(call.method)) return true;
  switch (call.method) {
    case "tools/call":
      return named(spec.tools, call.name);
    case "resources/read":
      return named(spec.resources, call.name);
    case "prompts/get":
      return named(spec.prompts, call.name);
    default:
      return false;
  }
}
