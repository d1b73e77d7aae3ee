// The revocation list in memory, keyed as the table is, so checking a request costs at most five
// map lookups (its token, user, client app in its tenant, client app anywhere, tenant).

import type { Principal } from "../token/principal.js";
import type { Revocation } from "./revocation.js";
import { targetKey } from "./revocation.js";
import { fromEntity } from "./revocation-table.js";

/**
 * The lookup keys of a principal, built once per principal object: a cached token hands the gateway
 * the same object on every request, so repeat callers pay for a WeakMap lookup, not five new strings.
 */
const keysOf = new WeakMap<Principal, readonly string[]>();

function lookupKeys(principal: Principal): readonly string[] {
  let keys = keysOf.get(principal);
  if (keys === undefined) {
    const tid = principal.tenantId.toLowerCase();
    const app = principal.clientAppId.toLowerCase();
    keys = [
      ...(principal.tokenId === undefined ? [] : [targetKey({ kind: "token", tokenId: principal.tokenId })]),
      targetKey({ kind: "user", tenantId: tid, objectId: principal.objectId.toLowerCase() }),
      targetKey({ kind: "app", clientAppId: app, tenantId: tid }),
      targetKey({ kind: "app", clientAppId: app }),
      targetKey({ kind: "tenant", tenantId: tid }),
    ];
    keysOf.set(principal, keys);
  }
  return keys;
}

export class RevocationIndex {
  readonly #byKey: ReadonlyMap<string, Revocation>;

  constructor(entries: readonly Revocation[]) {
    this.#byKey = new Map(entries.map((entry) => [targetKey(entry.target), entry]));
  }

  static fromEntities(entities: readonly Record<string, unknown>[]): RevocationIndex {
    const entries: Revocation[] = [];
    for (const entity of entities) {
      const entry = fromEntity(entity);
      if (entry !== undefined) entries.push(entry);
    }
    return new RevocationIndex(entries);
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The entry that refuses this caller's token at `nowMs`, or undefined. */
  match(principal: Principal, nowMs: number): Revocation | undefined {
    if (this.#byKey.size === 0) return undefined;
    for (const key of lookupKeys(principal)) {
      const entry = this.#byKey.get(key);
      if (entry === undefined) continue;
      if (entry.expiresAt !== undefined && nowMs >= entry.expiresAt) continue;
      if (entry.issuedBefore !== undefined && principal.issuedAt >= entry.issuedBefore) continue;
      return entry;
    }
    return undefined;
  }
}
