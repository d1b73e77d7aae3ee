// The onboarding check on every request, from the tenants table mirrored in memory: a suspended
// tenant is refused within one refresh on every instance; with TOLLGATE_TENANTS=* only tenants
// the table holds as active may call.

import type { TenantPolicy } from "../config/settings.js";
import { TollgateError } from "../reasons.js";
import type { TableMirror } from "../storage/table-mirror.js";
import type { Principal } from "../token/principal.js";
import { fromTenantEntity, type TenantRecord } from "./tenant.js";

export type TenantIndex = ReadonlyMap<string, TenantRecord>;

export function tenantIndex(entities: readonly Record<string, unknown>[]): TenantIndex {
  const index = new Map<string, TenantRecord>();
  for (const entity of entities) {
    const record = fromTenantEntity(entity);
    if (record !== undefined) index.set(record.tenantId, record);
  }
  return index;
}

export class TenantGate {
  readonly #mirror: Pick<TableMirror<TenantIndex>, "current">;
  readonly #tenants: TenantPolicy;

  /** `tenants` is TOLLGATE_TENANTS: a listed tenant needs no row, but a suspended row still wins. */
  constructor(mirror: Pick<TableMirror<TenantIndex>, "current">, tenants: TenantPolicy) {
    this.#mirror = mirror;
    this.#tenants = tenants;
  }

  check(principal: Principal): void {
    const loaded = this.#mirror.current();
    if (loaded === undefined) {
      throw new TollgateError(
        "tenants_unavailable",
        "The tenants table has not been read from storage yet; try again shortly.",
        { retryAfterSeconds: 5 },
      );
    }
    const record = loaded.value.get(principal.tenantId.toLowerCase());
    if (record?.state === "suspended") {
      throw new TollgateError(
        "tenant_suspended",
        "Your organisation's access to this API is suspended; contact the API's operator.",
      );
    }
    if (record === undefined && this.#tenants.any) {
      throw new TollgateError(
        "tenant_not_allowed",
        `Tenant ${principal.tenantId} has not been onboarded to this API.`,
      );
    }
  }
}
