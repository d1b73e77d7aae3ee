import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { ChallengeBudget } from "../../../shared/http/challenge-budget.js";
import { TollgateError } from "../../../shared/reasons.js";
import { RevocationGate } from "../../../shared/revocations/revocation-gate.js";
import { RevocationIndex } from "../../../shared/revocations/revocation-index.js";
import type { Mirrored } from "../../../shared/storage/table-mirror.js";
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

describe("the revocation gate", () => {
  it("fails closed before the list was ever read", () => {
    const gate = new RevocationGate({
      mirror: { current: () => undefined },
      clock,
      authority: "https://login.test",
    });
    expect(refusal(() => gate.check(caller))).toMatchObject({
      reason: "revocations_unavailable",
      status: 503,
    });
  });

  it("challenges a CAE token twice, then refuses it plainly", () => {
    const index = new RevocationIndex([
      {
        target: { kind: "user", tenantId: TID, objectId: OID },
        reason: "r",
        addedBy: "t",
        addedAt: clock.now() - 5_000,
      },
    ]);
    const gate = new RevocationGate({
      mirror: held(index),
      clock,
      authority: "https://login.test",
      challenges: new ChallengeBudget(),
    });
    const first = refusal(() => gate.check(caller));
    expect(first).toMatchObject({ reason: "token_revoked", status: 401 });
    expect(first?.claimsChallenge?.claims).toBe(
      `{"access_token":{"nbf":{"essential":true,"value":"${Math.ceil((clock.now() - 5_000) / 1000)}"}}}`,
    );
    expect(first?.claimsChallenge?.authorizationUri).toBe(`https://login.test/${TID}/oauth2/v2.0/authorize`);
    expect(refusal(() => gate.check(caller))?.claimsChallenge).toBeDefined();
    expect(refusal(() => gate.check(caller))?.claimsChallenge).toBeUndefined();
    // Another token of the same user has its own budget.
    expect(refusal(() => gate.check({ ...caller, tokenId: "uti2" }))?.claimsChallenge).toBeDefined();
  });
});
