// The operations an OpenAPI 3.x or Swagger 2.0 document declares, each with what its `security`
// asks of an Entra token: OAuth2 / OpenID Connect scopes as a requirement tollgate can enforce,
// or a reason it cannot (no security, another kind of scheme). Works on a document the parser
// has already validated and dereferenced; the parser itself stays in the CLI.

import type { RequirementDocument } from "../policy/policy-schema.js";

export const OPERATION_METHODS = ["get", "put", "post", "delete", "options", "patch", "trace"] as const;

/** Operation extension naming app roles (any one of them) that also grant the operation. */
export const ROLES_EXTENSION = "x-tollgate-roles";

export interface Operation {
  /** Upper-case, as tollgate rules name methods. */
  method: string;
  /** The path template as the document writes it, e.g. /pet/{petId}. */
  path: string;
  operationId?: string;
  /** What a caller needs; undefined when `decision` says why there is nothing to enforce. */
  require?: RequirementDocument;
  /** Set when the operation needs a person's decision rather than a generated rule. */
  decision?: string;
  /** Alternatives of the document's `security` tollgate cannot enforce (API keys, Basic, ...). */
  dropped: string[];
}

interface SchemeInfo {
  /** oauth2 and openIdConnect carry scopes in an Entra token; nothing else does. */
  bearerScopes: boolean;
  type: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export interface OperationsOptions {
  /** The API's Application ID URI: scopes written as `<resource>/<name>` become `<name>`, as in `scp`. */
  resource?: string;
}

export function listOperations(document: Json, options: OperationsOptions = {}): Operation[] {
  const schemes = securitySchemes(document);
  const rootSecurity = document.security;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const security = operation.security ?? rootSecurity;
      operations.push({
        method: method.toUpperCase(),
        path,
        ...(typeof operation.operationId === "string" ? { operationId: operation.operationId } : {}),
        ...requirementFor(security, schemes, roleNames(operation[ROLES_EXTENSION]), options),
      });
    }
  }
  return operations;
}

function securitySchemes(document: Json): Map<string, SchemeInfo> {
  const raw =
    isObject(document.components) && isObject(document.components.securitySchemes)
      ? document.components.securitySchemes
      : isObject(document.securityDefinitions)
        ? document.securityDefinitions
        : {};
  const schemes = new Map<string, SchemeInfo>();
  for (const [name, scheme] of Object.entries(raw)) {
    const type = isObject(scheme) && typeof scheme.type === "string" ? scheme.type : "unknown";
    schemes.set(name, { type, bearerScopes: type === "oauth2" || type === "openIdConnect" });
  }
  return schemes;
}

function roleNames(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function requirementFor(
  security: unknown,
  schemes: Map<string, SchemeInfo>,
  roles: string[],
  options: OperationsOptions,
): Pick<Operation, "require" | "decision" | "dropped"> {
  const dropped: string[] = [];
  const alternatives: RequirementDocument[] = [];
  // `security: []` (or an empty alternative) says "no security" on purpose, unlike leaving it out.
  let openAlternative = Array.isArray(security) && security.length === 0;
  /** An OAuth2 alternative that lists no scopes: any token from the scheme will do. */
  let anyToken = false;
  // `security` is a list of alternatives (any one will do); each names schemes that all apply.
  for (const alternative of Array.isArray(security) ? security : []) {
    if (!isObject(alternative)) continue;
    const entries = Object.entries(alternative);
    if (entries.length === 0) {
      openAlternative = true;
      continue;
    }
    const unusable = entries.filter(([name]) => !schemes.get(name)?.bearerScopes);
    if (unusable.length > 0) {
      dropped.push(
        unusable.map(([name]) => `${name} (${schemes.get(name)?.type ?? "undefined scheme"})`).join(" and "),
      );
      continue;
    }
    const scopes = [
      ...new Set(entries.flatMap(([, list]) => roleNames(list)).map((s) => scopeName(s, options))),
    ];
    if (scopes.length === 0) anyToken = true;
    else alternatives.push({ scopes: { allOf: scopes } });
  }
  if (anyToken) return { dropped };
  if (roles.length > 0) alternatives.push({ roles: { anyOf: roles } });

  if (openAlternative && alternatives.length === 0) {
    return {
      decision: "declares `security: []` (open to anyone); tollgate still needs a valid token",
      dropped,
    };
  }
  if (alternatives.length === 0) {
    return {
      decision:
        dropped.length > 0
          ? `declares only security tollgate cannot check (${dropped.join("; ")})`
          : "declares no security",
      dropped,
    };
  }
  const require =
    alternatives.length === 1 ? (alternatives[0] as RequirementDocument) : { anyOf: alternatives };
  return { require, dropped };
}

function scopeName(scope: string, options: OperationsOptions): string {
  const resource = options.resource?.replace(/\/+$/, "");
  return resource !== undefined && scope.startsWith(`${resource}/`)
    ? scope.slice(resource.length + 1)
    : scope;
}
