import { describe, expect, it } from "vitest";
import type { Revocation } from "../../../shared/revocations/revocation.js";
import { parseTargetKey, targetKey } from "../../../shared/revocations/revocation.js";
import { RevocationIndex } from "../../../shared/revocations/revocation-index.js";
import type { Principal } from "../../../shared/token/principal.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
const OID = "00000000-0000-0000-0000-0000000000aa";
const APP = "11111111-2222-3333-4444-555555555555";
const NOW_MS = 1_800_000_000_000;

const caller: Principal = {
  tenantId: TID,
  objectId: OID,
  subject: "sub",
  clientAppId: APP,
  kind: "user",
  scopes: [],
  roles: [],
  groups: [],
  groupsOverage: false,
  tokenVersion: "2.0",
  audience: "api://orders",
  issuedAt: 1_799_999_000,
  expiresAt: 1_800_002_600,
  caeCapable: false,
  tokenId: "AbC-123_x",
};

function entry(target: Revocation["target"], extra: Partial<Revocation> = {}): Revocation {
  return { target, reason: "test", addedBy: "t", addedAt: NOW_MS - 1000, ...extra };
}

const matches = (...entries: Revocation[]) =>
  new RevocationIndex(entries).match(caller, NOW_MS) !== undefined;

describe("the revocation index", () => {
  it("matches by user, client app (anywhere or in the caller's tenant), tenant and token", () => {
    expect(matches(entry({ kind: "user", tenantId: TID, objectId: OID }))).toBe(true);
    expect(matches(entry({ kind: "app", clientAppId: APP }))).toBe(true);
    expect(matches(entry({ kind: "app", clientAppId: APP, tenantId: TID }))).toBe(true);
    expect(matches(entry({ kind: "tenant", tenantId: TID }))).toBe(true);
    expect(matches(entry({ kind: "token", tokenId: "AbC-123_x" }))).toBe(true);
  });

  it("does not match other users, other tenants, or a token id in another case", () => {
    expect(matches(entry({ kind: "user", tenantId: OTHER_TID, objectId: OID }))).toBe(false);
    expect(matches(entry({ kind: "app", clientAppId: APP, tenantId: OTHER_TID }))).toBe(false);
    expect(matches(entry({ kind: "tenant", tenantId: OTHER_TID }))).toBe(false);
    expect(matches(entry({ kind: "token", tokenId: "abc-123_x" }))).toBe(false);
  });

  it("issued-before refuses only tokens issued earlier", () => {
    const target = { kind: "user", tenantId: TID, objectId: OID } as const;
    expect(matches(entry(target, { issuedBefore: caller.issuedAt + 1 }))).toBe(true);
    expect(matches(entry(target, { issuedBefore: caller.issuedAt }))).toBe(false);
  });

  it("an expired entry no longer applies", () => {
    const target = { kind: "tenant", tenantId: TID } as const;
    expect(matches(entry(target, { expiresAt: NOW_MS + 1 }))).toBe(true);
    expect(matches(entry(target, { expiresAt: NOW_MS }))).toBe(false);
  });

  it("skips rows it did not write instead of trusting them", () => {
    const index = RevocationIndex.fromEntities([
      { partitionKey: "revocation", rowKey: `user:${TID}:${OID}`, addedAt: "not a time" },
      { partitionKey: "revocation", rowKey: "user:someone", addedAt: new Date(NOW_MS).toISOString() },
      { partitionKey: "other", rowKey: `tenant:${TID}`, addedAt: new Date(NOW_MS).toISOString() },
      {
        partitionKey: "revocation",
        rowKey: `app:${APP}:*`,
        addedAt: new Date(NOW_MS).toISOString(),
        reason: "ok",
      },
    ]);
    expect(index.size).toBe(1);
    expect(index.match(caller, NOW_MS)?.target).toEqual({ kind: "app", clientAppId: APP });
  });

  it("row keys round-trip", () => {
    for (const target of [
      { kind: "user", tenantId: TID, objectId: OID },
      { kind: "app", clientAppId: APP },
      { kind: "app", clientAppId: APP, tenantId: TID },
      { kind: "tenant", tenantId: TID },
      { kind: "token", tokenId: "AbC-123_x" },
    ] as const) {
      expect(parseTargetKey(targetKey(target))).toEqual(target);
    }
  });
});
