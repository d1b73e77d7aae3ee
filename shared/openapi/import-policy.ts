// An OpenAPI document's operations as a role map: one rule per path and method, path templates
// as tollgate patterns (concrete paths before templated ones, as OpenAPI matches them), the
// operation's scopes as its requirement. Operations with nothing tollgate can enforce get no
// rule (the default rule refuses them) and are listed for a person to decide.

import type { PolicyDocument } from "../policy/policy-schema.js";
import type { Operation } from "./operations.js";

export interface ImportOptions {
  /** The backend name every rule forwards to, and its URL. */
  backend: string;
  backendUrl: string;
}

export interface PendingDecision {
  operation: Operation;
  why: string;
  /** The rule that would open it to any valid token, for the operator to add if that is right. */
  rule: Record<string, unknown>;
}

export interface ImportResult {
  document: PolicyDocument;
  decisions: PendingDecision[];
  /** Things the import did that a reader should know (a dropped API-key alternative, ...). */
  notes: string[];
}

export function importPolicy(operations: readonly Operation[], options: ImportOptions): ImportResult {
  const notes: string[] = [];
  const ids = new Set<string>();
  const rules: Record<string, unknown>[] = [];
  const decisions: PendingDecision[] = [];
  for (const operation of sortBySpecificity(operations)) {
    const label = `${operation.method} ${operation.path}`;
    const { pattern, partial } = tollgatePattern(operation.path);
    if (partial)
      notes.push(`${label}: a template inside a segment became '*' (any one segment) in ${pattern}`);
    for (const alternative of operation.dropped) {
      notes.push(
        `${label}: the security alternative ${alternative} was left out (tollgate checks Entra tokens only)`,
      );
    }
    const rule = {
      id: uniqueId(operation, ids),
      methods: [operation.method],
      path: pattern,
      ...(operation.require ? { require: operation.require } : {}),
      backend: options.backend,
    };
    if (operation.decision !== undefined) decisions.push({ operation, why: operation.decision, rule });
    else rules.push(rule);
  }
  return {
    document: {
      version: 1,
      backends: { [options.backend]: { url: options.backendUrl } },
      rules: rules as PolicyDocument["rules"],
      defaultRule: "deny",
    },
    decisions,
    notes,
  };
}

/** OpenAPI `{name}` segments become tollgate parameters; a template inside a segment, `*`. */
export function tollgatePattern(template: string): { pattern: string; partial: boolean } {
  let partial = false;
  const segments = template.split("/").map((segment, index) => {
    if (index === 0) return segment;
    const whole = /^\{([^{}]+)\}$/.exec(segment);
    if (whole) return `{${paramName(whole[1] as string)}}`;
    if (segment.includes("{")) {
      partial = true;
      return "*";
    }
    return encodeSegment(segment);
  });
  return { pattern: segments.join("/"), partial };
}

/** The sample request path `drift` matches for an operation: every template filled in. */
export function samplePath(template: string): string {
  return template.replace(/\{[^{}]+\}/g, "tollgate-sample");
}

function paramName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** Literal characters a pattern (RFC 3986 pchar) cannot hold are percent-encoded, as a client sends them. */
function encodeSegment(segment: string): string {
  return segment.replace(/[^A-Za-z0-9\-._~!$&'()+,;=:@%]/g, (c) => encodeURIComponent(c));
}

function uniqueId(operation: Operation, taken: Set<string>): string {
  const base =
    slug(operation.operationId ?? "") ||
    slug(`${operation.method}-${operation.path.replace(/[{}]/g, "")}`) ||
    "operation";
  let id = base.slice(0, 63);
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 60)}-${n}`;
  taken.add(id);
  return id;
}

function slug(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** At each segment a literal sorts before a template: `/pet/findByStatus` before `/pet/{petId}`. */
function sortBySpecificity(operations: readonly Operation[]): Operation[] {
  const rank = (segment: string | undefined) => (segment === undefined ? 0 : segment.includes("{") ? 2 : 1);
  return operations
    .map((operation, index) => ({ operation, index, segments: operation.path.split("/") }))
    .sort((a, b) => {
      for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
        const ra = rank(a.segments[i]);
        const rb = rank(b.segments[i]);
        if (ra === 0 || rb === 0) break;
        if (ra !== rb) return ra - rb;
        if (a.segments[i] !== b.segments[i]) break;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.operation);
}
