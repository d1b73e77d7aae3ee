// The validator end to end: tokens minted by the loopback Entra-shaped issuer, keys fetched from
// it, snapshots in Azurite. Each case fails if the rule it names is removed.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { TollgateError } from "../../../shared/reasons.js";
import { createTableClientFactory } from "../../../shared/storage/table-client.js";
import { createTokenValidator } from "../../../shared/token/create-token-validator.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer, type MintOptions } from "../../../tools/loopback/entra-issuer.js";
import { reasonOfAsync as reasonOf } from "../../support/reason-of.js";

let issuer: EntraIssuer;
let azurite: AzuriteHandle;
const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 0));
const OTHER_TENANT = randomUUID();

beforeAll(async () => {
  [issuer, azurite] = await Promise.all([EntraIssuer.start({ now: () => clock.now() }), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([issuer?.stop(), azurite?.stop()]);
});

function validatorFor(env: Record<string, string> = {}) {
  const settings = loadSettings({
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: issuer.defaultAudience,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_TABLE_PREFIX: `t${randomUUID().replaceAll("-", "").slice(0, 12)}`,
    ...env,
  });
  return createTokenValidator(settings, { clock, tables: createTableClientFactory(settings.storage) });
}

describe("a valid token", () => {
  it("becomes a principal with the caller's identity", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint({ scp: "Orders.Read Orders.Write", roles: ["reader"], groups: ["g1"] });
    const principal = await validator.validateAuthorization(`Bearer ${token}`);
    expect(principal).toMatchObject({
      tenantId: issuer.defaultTenant,
      objectId: issuer.defaultUserOid,
      clientAppId: issuer.defaultClientApp,
      kind: "user",
      scopes: ["Orders.Read", "Orders.Write"],
      roles: ["reader"],
      groups: ["g1"],
      groupsOverage: false,
      tokenVersion: "2.0",
      audience: issuer.defaultAudience,
    });
  });

  it("an app-only token is an app principal", async () => {
    const { validator } = validatorFor();
    const principal = await validator.validateToken(await issuer.mint({ kind: "app", roles: ["admin"] }));
    expect(principal.kind).toBe("app");
    expect(principal.objectId).toBe(issuer.defaultAppOid);
    expect(principal.roles).toEqual(["admin"]);
  });

  it("marks a groups overage instead of inventing groups", async () => {
    const { validator } = validatorFor();
    const principal = await validator.validateToken(await issuer.mint({ groupsOverage: true }));
    expect(principal.groupsOverage).toBe(true);
    expect(principal.groups).toEqual([]);
  });
});

describe("Entra issuers, versions and tenants", () => {
  it("v1 and v2 tokens are each checked against their own metadata", async () => {
    const both = validatorFor({ TOLLGATE_TOKEN_VERSIONS: "1,2" }).validator;
    expect((await both.validateToken(await issuer.mint({ version: "1.0" }))).tokenVersion).toBe("1.0");
    expect((await both.validateToken(await issuer.mint({ version: "2.0" }))).tokenVersion).toBe("2.0");
    // A v1 token claiming the v2 issuer, and the reverse, do not pass.
    const tid = issuer.defaultTenant;
    expect(
      await reasonOf(both.validateToken(await issuer.mint({ version: "1.0", iss: issuer.issuerV2(tid) }))),
    ).toBe("issuer_not_allowed");
    expect(
      await reasonOf(both.validateToken(await issuer.mint({ version: "2.0", iss: issuer.issuerV1(tid) }))),
    ).toBe("issuer_not_allowed");
  });

  it("a v1 token is refused where only v2 is accepted", async () => {
    const { validator } = validatorFor({ TOLLGATE_TOKEN_VERSIONS: "2" });
    expect(await reasonOf(validator.validateToken(await issuer.mint({ version: "1.0" })))).toBe(
      "token_version_not_allowed",
    );
  });

  it("multi-tenant: the {tenantid} template takes the token's own tenant", async () => {
    const { validator } = validatorFor({ TOLLGATE_TENANTS: "*", TOLLGATE_TOKEN_VERSIONS: "1,2" });
    const stranger = randomUUID();
    expect((await validator.validateToken(await issuer.mint({ tid: stranger }))).tenantId).toBe(stranger);
    expect(
      (await validator.validateToken(await issuer.mint({ tid: stranger, version: "1.0" }))).tenantId,
    ).toBe(stranger);
    // A token whose tid and iss name different tenants, with a good signature from the common keys.
    const crossed = await issuer.mint({ tid: stranger, iss: issuer.issuerV2(OTHER_TENANT) });
    expect(await reasonOf(validator.validateToken(crossed))).toBe("issuer_not_allowed");
  });

  it("single-tenant: another tenant is refused before any key is fetched", async () => {
    const { validator } = validatorFor();
    issuer.resetCounters();
    expect(await reasonOf(validator.validateToken(await issuer.mint({ tid: OTHER_TENANT })))).toBe(
      "tenant_not_allowed",
    );
    expect(issuer.requests.total).toBe(0);
  });

  it("a key published for one issuer never validates another issuer's token", async () => {
    const { validator } = validatorFor();
    const kid = await issuer.addKey({ publish: true });
    issuer.setJwkOverride(kid, { issuer: issuer.issuerV2(OTHER_TENANT) });
    try {
      expect(await reasonOf(validator.validateToken(await issuer.mint({ kid })))).toBe("issuer_not_allowed");
    } finally {
      issuer.setJwkOverride(kid, undefined);
    }
    expect(await reasonOf(validatorFor().validator.validateToken(await issuer.mint({ kid })))).toBe(
      "accepted",
    );
  });
});

describe("claims", () => {
  const now = () => Math.floor(clock.now() / 1000);
  const cases: Array<[string, () => MintOptions, Record<string, string>, string]> = [
    ["a good token", () => ({}), {}, "accepted"],
    ["another API's audience", () => ({ aud: "api://someone-else" }), {}, "audience_not_allowed"],
    [
      "an audience array with one good value",
      () => ({ aud: [issuer.defaultAudience, "api://x"] }),
      {},
      "audience_not_allowed",
    ],
    ["a Graph audience", () => ({ aud: "https://graph.microsoft.com" }), {}, "graph_token"],
    ["a Graph nonce header", () => ({ header: { nonce: "abc" } }), {}, "graph_token"],
    ["an expired token", () => ({ now: now() - 7200, lifetimeSeconds: 3600 }), {}, "token_expired"],
    ["expired within the skew", () => ({ now: now() - 3630, lifetimeSeconds: 3600 }), {}, "accepted"],
    [
      "expired within zero skew",
      () => ({ now: now() - 3630, lifetimeSeconds: 3600 }),
      { TOLLGATE_CLOCK_SKEW_SECONDS: "0" },
      "token_expired",
    ],
    ["nbf in the future", () => ({ claims: { nbf: now() + 600 } }), {}, "token_not_yet_valid"],
    ["iat in the future", () => ({ claims: { iat: now() + 600 } }), {}, "token_issued_in_future"],
    ["no exp", () => ({ omit: ["exp"] }), {}, "claim_invalid"],
    ["exp as a string", () => ({ claims: { exp: String(now() + 600) } }), {}, "claim_invalid"],
    [
      "an 8-hour token over a 90-minute maximum",
      () => ({ lifetimeSeconds: 8 * 3600 }),
      { TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS: "5400" },
      "token_lifetime_exceeds_policy",
    ],
    ["an ID token (no azp)", () => ({ omit: ["azp", "scp"] }), {}, "not_an_access_token"],
    [
      "a client app not on the list",
      () => ({}),
      { TOLLGATE_CLIENT_APPS: randomUUID() },
      "client_app_not_allowed",
    ],
    [
      "a user where apps are required",
      () => ({}),
      { TOLLGATE_PRINCIPAL_KIND: "app" },
      "principal_kind_not_allowed",
    ],
  ];
  it.each(cases)("%s → %s", async (_, options, env, expected) => {
    const { validator } = validatorFor(env);
    expect(await reasonOf(validator.validateToken(await issuer.mint(options())))).toBe(
      expected === "accepted" ? "accepted" : expected,
    );
  });
});

describe("algorithms and headers", () => {
  const payload = async () =>
    JSON.parse(Buffer.from((await issuer.mint()).split(".")[1] ?? "", "base64url").toString());

  it.each([
    ["alg none", { alg: "none" }, "token_unsigned"],
    ["HS256 signed with the RSA public key (key confusion)", { alg: "HS256" }, "algorithm_not_allowed"],
    ["RS512 when only RS256 is allowed", { alg: "RS512" }, "algorithm_not_allowed"],
    ["an unknown crit", { crit: ["urn:x"], "urn:x": 1 }, "crit_not_supported"],
    ["an embedded jwk", { jwk: { kty: "RSA", n: "AQAB", e: "AQAB" } }, "embedded_key_rejected"],
    ["a jku", { jku: "http://127.0.0.1:1/keys" }, "embedded_key_rejected"],
    ["b64 false", { b64: false, crit: undefined }, "unencoded_payload_rejected"],
  ])("%s → %s", async (_, header, expected) => {
    const { validator } = validatorFor();
    const token = await issuer.signRaw({ typ: "JWT", ...header }, await payload());
    expect(await reasonOf(validator.validateToken(token))).toBe(expected);
  });

  it("a flipped signature bit is signature_invalid", async () => {
    const { validator } = validatorFor();
    const [h, p, s = ""] = (await issuer.mint()).split(".");
    const sig = Buffer.from(s, "base64url");
    sig[10] = (sig[10] ?? 0) ^ 1;
    expect(await reasonOf(validator.validateToken(`${h}.${p}.${sig.toString("base64url")}`))).toBe(
      "signature_invalid",
    );
  });

  it("a changed payload is signature_invalid", async () => {
    const { validator } = validatorFor();
    const [h, , s] = (await issuer.mint()).split(".");
    const forged = Buffer.from(JSON.stringify({ ...(await payload()), roles: ["admin"] })).toString(
      "base64url",
    );
    expect(await reasonOf(validator.validateToken(`${h}.${forged}.${s}`))).toBe("signature_invalid");
  });

  it("a key Entra never published is key_not_found", async () => {
    const { validator } = validatorFor();
    const kid = await issuer.addKey({ publish: false });
    expect(await reasonOf(validator.validateToken(await issuer.mint({ kid })))).toBe("key_not_found");
  });

  it("padding, whitespace and oversize are refused before verification", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint();
    expect(await reasonOf(validator.validateToken(`${token}=`))).toBe("token_malformed");
    expect(await reasonOf(validator.validateToken(token.replace(".", ". ")))).toBe("token_malformed");
    const big = await issuer.mint({ claims: { pad: "x".repeat(17 * 1024) } });
    expect(await reasonOf(validator.validateToken(big))).toBe("token_too_large");
    expect(
      await reasonOf(validatorFor({ TOLLGATE_MAX_TOKEN_BYTES: "65536" }).validator.validateToken(big)),
    ).toBe("accepted");
  });

  it("two Authorization headers (joined by the host) are refused", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint();
    const headers = new Headers();
    headers.append("authorization", `Bearer ${token}`);
    headers.append("authorization", `Bearer ${token}`);
    expect(await reasonOf(validator.validateAuthorization(headers.get("authorization")))).toBe(
      "authorization_header_invalid",
    );
  });
});

describe("keys", () => {
  it("a rotation at Entra is picked up without a restart", async () => {
    const { validator } = validatorFor({ TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: "60" });
    expect(await reasonOf(validator.validateToken(await issuer.mint()))).toBe("accepted");
    await issuer.rotate();
    clock.advance(61_000);
    expect(await reasonOf(validator.validateToken(await issuer.mint()))).toBe("accepted");
  });

  it("a cold instance with Entra down validates from the Table snapshot", async () => {
    const env = { TOLLGATE_TABLE_PREFIX: `cold${randomUUID().slice(0, 8)}` };
    const warm = validatorFor(env);
    await warm.validator.validateToken(await issuer.mint());
    await warm.keyStore.idle();
    issuer.setMode("down");
    try {
      const cold = validatorFor(env);
      expect(await reasonOf(cold.validator.validateToken(await issuer.mint()))).toBe("accepted");
    } finally {
      issuer.setMode("up");
    }
  });

  it("past the stale horizon with Entra down the answer is 503 keys_unavailable", async () => {
    const { validator } = validatorFor({ TOLLGATE_KEYS_MAX_STALENESS_SECONDS: "3600" });
    await validator.validateToken(await issuer.mint());
    issuer.setMode("down");
    try {
      clock.advance(3601_000);
      const error = await validator.validateToken(await issuer.mint()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).reason).toBe("keys_unavailable");
      expect((error as TollgateError).status).toBe(503);
      expect((error as TollgateError).retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      issuer.setMode("up");
    }
  });
});

describe("the verified-token cache", () => {
  it("answers a repeat token without fetching keys, and forgets it when it expires", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint({ lifetimeSeconds: 600 });
    await validator.validateToken(token);
    issuer.setMode("down");
    try {
      expect(await reasonOf(validator.validateToken(token))).toBe("accepted");
      clock.advance(661_000); // past exp plus the 60 s skew
      expect(await reasonOf(validator.validateToken(token))).toBe("token_expired");
    } finally {
      issuer.setMode("up");
    }
  });

  it("stops honouring a cached token once its key is withdrawn", async () => {
    const { validator } = validatorFor({
      TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: "0",
      TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: "0",
    });
    const kid = await issuer.addKey({ publish: true });
    const token = await issuer.mint({ kid });
    expect(await reasonOf(validator.validateToken(token))).toBe("accepted");
    issuer.unpublish(kid);
    // The next refresh (forced here by a token with an unknown kid) drops the key.
    await reasonOf(
      validator.validateToken(await issuer.mint({ kid: await issuer.addKey({ publish: false }) })),
    );
    expect(await reasonOf(validator.validateToken(token))).toBe("key_not_found");
  });

  it("answers a repeat caller without a promise only where the full check would accept it", async () => {
    const { validator } = validatorFor({
      TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: "0",
      TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: "0",
    });
    const kid = await issuer.addKey({ publish: true });
    const token = await issuer.mint({ kid, roles: ["reader"], lifetimeSeconds: 3600 });
    const header = `Bearer ${token}`;
    expect(validator.verifiedBefore(header)).toBeUndefined(); // never verified: the full path
    const principal = await validator.validateAuthorization(header);
    expect(validator.verifiedBefore(header)).toBe(principal);
    expect(validator.verifiedBefore(`bearer ${token}`)).toBe(principal); // the scheme is case-insensitive

    // Whatever the full path would refuse, or must look at again, is not answered here.
    const [h, p, sig] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()), roles: ["admin"] }),
    ).toString("base64url");
    expect(validator.verifiedBefore(`Bearer ${h}.${forged}.${sig}`)).toBeUndefined();
    expect(validator.verifiedBefore(`${header}, Bearer ${token}`)).toBeUndefined();
    expect(validator.verifiedBefore(`Basic ${token}`)).toBeUndefined();
    expect(validator.verifiedBefore(null)).toBeUndefined();

    // A withdrawn key: refused at once, by the full path too.
    issuer.unpublish(kid);
    await reasonOf(
      validator.validateToken(await issuer.mint({ kid: await issuer.addKey({ publish: false }) })),
    );
    expect(validator.verifiedBefore(header)).toBeUndefined();
    expect(await reasonOf(validator.validateAuthorization(header))).toBe("key_not_found");
  });

  it("leaves a repeat caller to the full path when the keys are due a refresh", async () => {
    const { validator } = validatorFor({ TOLLGATE_KEYS_REFRESH_SECONDS: "60" });
    const header = `Bearer ${await issuer.mint({ lifetimeSeconds: 3600 })}`;
    const principal = await validator.validateAuthorization(header);
    expect(validator.verifiedBefore(header)).toBe(principal);
    clock.advance(120_000);
    expect(validator.verifiedBefore(header)).toBeUndefined();
    expect(await reasonOf(validator.validateAuthorization(header))).toBe("accepted");
  });

  it("never answers a repeat caller without a promise once the token has expired", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint({ lifetimeSeconds: 600 });
    await validator.validateToken(token);
    expect(validator.verifiedBefore(`Bearer ${token}`)).toBeDefined();
    clock.advance(661_000); // past exp plus the 60 s skew
    expect(validator.verifiedBefore(`Bearer ${token}`)).toBeUndefined();
    expect(await reasonOf(validator.validateToken(token))).toBe("token_expired");
  });

  it("never lets a cached token through with a changed payload or signature", async () => {
    const { validator } = validatorFor();
    const token = await issuer.mint({ roles: ["reader"] });
    await validator.validateToken(token);
    const [h, p, s] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? "", "base64url").toString()), roles: ["admin"] }),
    ).toString("base64url");
    // The forgery ends as the cached token does, so it lands on that token's cache entry (keyed by
    // the signature's end): only the whole-text comparison sends it to verification.
    expect(await reasonOf(validator.validateToken(`${h}.${forged}.${s}`))).toBe("signature_invalid");
    // And the real token's entry is still there: answered with the issuer unreachable.
    issuer.setMode("down");
    try {
      expect(await reasonOf(validator.validateToken(token))).toBe("accepted");
    } finally {
      issuer.setMode("up");
    }
  });
});
