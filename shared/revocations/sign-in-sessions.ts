// The optional per-user check against Graph's `signInSessionsValidFromDateTime`: Entra moves it
// forward when an admin (or Graph's revokeSignInSessions) revokes a user's sessions, so a token
// issued before it was issued to a session that no longer exists. Cached per user with a TTL and
// single-flight (never a Graph call per request), bounded by a timeout, with a fail mode.

import { GraphError } from "../audit/graph-reader.js";
import type { Clock } from "../clock.js";
import { guid } from "../config/parsers.js";
import { CachedLookup } from "../graph/cached-lookup.js";
import { callGraph, type GraphCallOptions, graphStatusError } from "../graph/graph-json.js";
import type { ChallengeBudget } from "../http/challenge-budget.js";
import { challengeKey } from "../http/challenge-budget.js";
import { freshTokenChallenge } from "../http/claims-challenge.js";
import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";

export interface SignInSessionsOptions {
  graph: GraphCallOptions;
  clock: Clock;
  ttlSeconds: number;
  onError: "allow" | "deny";
  authority: string;
  challenges: ChallengeBudget;
  log: (line: string) => void;
}

const CACHE_ENTRIES = 10_000;
const FAILURE_SECONDS = 5;

/** Seconds since the epoch, or undefined when Graph has none (never revoked, or another tenant's user). */
async function validFrom(graph: GraphCallOptions, objectId: string): Promise<number | undefined> {
  if (!guid.test(objectId)) throw new RangeError("objectId must be a GUID");
  const path = `/v1.0/users/${objectId}?$select=signInSessionsValidFromDateTime`;
  const answer = await callGraph(graph, path, { method: "GET" });
  if (answer.status === 404 && answer.code === "Request_ResourceNotFound") return undefined;
  if (answer.status !== 200) throw graphStatusError(path, answer);
  const value = (answer.body as { signInSessionsValidFromDateTime?: unknown } | undefined)
    ?.signInSessionsValidFromDateTime;
  if (value === null || value === undefined) return undefined;
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new GraphError(path, "signInSessionsValidFromDateTime is not a time");
  return Math.floor(ms / 1000);
}

export type SignInSessionsCheck = (principal: Principal) => Promise<void>;

export function createSignInSessionsCheck(options: SignInSessionsOptions): SignInSessionsCheck {
  const cache = new CachedLookup<number | undefined>({
    lookup: (key) => validFrom(options.graph, key.split(":")[1] ?? ""),
    clock: options.clock,
    ttlSeconds: options.ttlSeconds,
    maxEntries: CACHE_ENTRIES,
    failureSeconds: FAILURE_SECONDS,
    onLookup: (outcome) => {
      if (!outcome.ok) options.log(`sign-in sessions lookup in Microsoft Graph failed: ${outcome.error}`);
    },
  });
  return async (principal) => {
    // Sessions belong to users; an app-only token has none to revoke.
    if (principal.kind !== "user") return;
    let since: number | undefined;
    try {
      since = await cache.get(`${principal.tenantId.toLowerCase()}:${principal.objectId.toLowerCase()}`);
    } catch {
      if (options.onError === "allow") return;
      throw new TollgateError(
        "signin_sessions_unavailable",
        "Your sign-in sessions could not be checked in Microsoft Graph; try again shortly.",
        { retryAfterSeconds: 5 },
      );
    }
    if (since === undefined || principal.issuedAt >= since) return;
    const message = "Your sign-in sessions were revoked after this token was issued";
    if (principal.caeCapable && options.challenges.spend(challengeKey(principal))) {
      throw new TollgateError("token_revoked", `${message}; sign in again to get a new token.`, {
        claimsChallenge: freshTokenChallenge(options.authority, principal.tenantId, since),
      });
    }
    throw new TollgateError("token_revoked", `${message}.`);
  };
}
