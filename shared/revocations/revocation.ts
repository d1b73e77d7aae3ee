// What a revocation names: a user, a client app (optionally within one tenant), a tenant or one
// token, and optionally only the tokens issued before a moment (Graph's revokeSignInSessions).

import { guid } from "../config/parsers.js";

export type RevocationTarget =
  | { kind: "user"; tenantId: string; objectId: string }
  | { kind: "app"; clientAppId: string; tenantId?: string }
  | { kind: "tenant"; tenantId: string }
  | { kind: "token"; tokenId: string };

export interface Revocation {
  target: RevocationTarget;
  /** Seconds since the epoch: only tokens whose `iat` is before it are refused. Absent: every token. */
  issuedBefore?: number;
  reason: string;
  addedBy: string;
  /** ms since the epoch. */
  addedAt: number;
  /** ms since the epoch; after it the entry no longer applies (and may be removed). */
  expiresAt?: number;
}

/** Entra's `uti` is base64url, 16 bytes in practice; the bound keeps row keys small. */
export const TOKEN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The entry's identity, also its Table row key and the lookup key of the in-memory index: one
 * entry per target, so revoking the same target again replaces the entry.
 */
export function targetKey(target: RevocationTarget): string {
  switch (target.kind) {
    case "user":
      return `user:${target.tenantId}:${target.objectId}`;
    case "app":
      return `app:${target.clientAppId}:${target.tenantId ?? "*"}`;
    case "tenant":
      return `tenant:${target.tenantId}`;
    case "token":
      return `token:${target.tokenId}`;
  }
}

/** The target a row key names, or undefined when it is not one `targetKey` writes. */
export function parseTargetKey(key: string): RevocationTarget | undefined {
  const [kind, a, b, ...rest] = key.split(":");
  if (rest.length > 0 || a === undefined) return undefined;
  if (kind === "user" && guid.test(a) && b !== undefined && guid.test(b)) {
    return { kind, tenantId: a, objectId: b };
  }
  if (kind === "app" && guid.test(a) && b !== undefined && (b === "*" || guid.test(b))) {
    return b === "*" ? { kind, clientAppId: a } : { kind, clientAppId: a, tenantId: b };
  }
  if (kind === "tenant" && guid.test(a) && b === undefined) return { kind, tenantId: a };
  if (kind === "token" && TOKEN_ID.test(a) && b === undefined) return { kind, tokenId: a };
  return undefined;
}

/** For people: the words the CLI takes to name the same target. */
export function describeTarget(target: RevocationTarget): string {
  switch (target.kind) {
    case "user":
      return `user ${target.tenantId} ${target.objectId}`;
    case "app":
      return `app ${target.clientAppId}${target.tenantId ? ` --tenant ${target.tenantId}` : ""}`;
    case "tenant":
      return `tenant ${target.tenantId}`;
    case "token":
      return `token ${target.tokenId}`;
  }
}
