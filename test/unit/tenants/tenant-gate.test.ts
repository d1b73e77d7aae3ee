import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { TollgateError } from "../../../shared/reasons.js";
import type { Mirrored } from "../../../shared/storage/table-mirror.js";
import { TenantGate, type TenantIndex } from "../../../shared/tenants/tenant-gate.js";
import type { Principal } from "../../../shared/token/principal.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID = "00000000-0000-0000-0000-0000000000aa";
const clock = new ManualClock(1_800_000_000_000);

const caller: Principal = {
  tenantId: TID,
  objectId: OID,
  subject: "sub",
  clientAppId: "11111111-2222-3333-4444-555555555555",
  kind: "user",
  scopes: [],
  roles: [],
  groups: [],
  groupsOverage: false,
  tokenVersion: "2.0",
  audience: "api://orders",
  issuedAt: 1_799_999_000,
  expiresAt: 1_800_002_600,
  caeCapable: true,
  tokenId: "uti1",
};

function refusal(check: () => void): TollgateError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
}

const held = <T>(value: T): { current: () => Mirrored<T> } => ({
  current: () => ({ value, loadedAt: clock.now() }),
});

describe("the tenant gate", () => {
  const record = (state: "active" | "suspended") =>
    new Map([
      [TID, { tenantId: TID, state, note: "", createdAt: 0, updatedAt: 0, updatedBy: "t" }],
    ]) as TenantIndex;

  it("refuses a suspended tenant whatever TOLLGATE_TENANTS says", () => {
    for (const tenants of [{ any: true as const }, { any: false as const, ids: [TID] }]) {
      const gate = new TenantGate(held(record("suspended")), tenants);
      expect(refusal(() => gate.check(caller))).toMatchObject({ reason: "tenant_suspended", status: 403 });
    }
  });

  it("with '*', the table is the allow-list; with a list, listed tenants need no row", () => {
    const empty: TenantIndex = new Map();
    expect(refusal(() => new TenantGate(held(empty), { any: true }).check(caller))?.reason).toBe(
      "tenant_not_allowed",
    );
    expect(
      refusal(() => new TenantGate(held(empty), { any: false, ids: [TID] }).check(caller)),
    ).toBeUndefined();
    expect(
      refusal(() => new TenantGate(held(record("active")), { any: true }).check(caller)),
    ).toBeUndefined();
  });

  it("fails closed before the table was ever read", () => {
    const gate = new TenantGate({ current: () => undefined }, { any: true });
    expect(refusal(() => gate.check(caller))).toMatchObject({ reason: "tenants_unavailable", status: 503 });
  });
});
