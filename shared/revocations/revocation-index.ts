// The revocation list in memory, keyed as the table is, so checking a request costs at most five
// map lookups (its token, user, client app in its tenant, client app anywhere, tenant).

import type { Principal } from "../token/principal.js";
import type { Revocation } from "./revocation.js";
import { targetKey } from "./revocation.js";
import { fromEntity } from "./revocation-table.js";

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
    const tid = principal.tenantId.toLowerCase();
    const app = principal.clientAppId.toLowerCase();
    const keys = [
      ...(principal.tokenId === undefined ? [] : [targetKey({ kind: "token", tokenId: principal.tokenId })]),
      targetKey({ kind: "user", tenantId: tid, objectId: principal.objectId.toLowerCase() }),
      targetKey({ kind: "app", clientAppId: app, tenantId: tid }),
      targetKey({ kind: "app", clientAppId: app }),
      targetKey({ kind: "tenant", tenantId: tid }),
    ];
    for (const key of keys) {
      const entry = this.#byKey.get(key);
      if (entry === undefined) continue;
      if (entry.expiresAt !== undefined && nowMs >= entry.expiresAt) continue;
      if (entry.issuedBefore !== undefined && principal.issuedAt >= entry.issuedBefore) continue;
      return entry;
    }
    return undefined;
  }
}
