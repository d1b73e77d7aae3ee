import { describe, expect, it } from "vitest";
import * as entra from "../../../shared/token/entra-rules.js";
import { reasonOf } from "../../support/reason-of.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER = "11111111-1111-4111-8111-111111111111";
const APP = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const AUTHORITY = "https://login.microsoftonline.com";
const NOW = 1_800_000_000;

const tenants = { any: false as const, ids: [TID] };

describe("routing claims: version and tenant", () => {
  const read = (
    payload: Record<string, unknown>,
    versions: ("1.0" | "2.0")[] = ["2.0"],
    t = tenants as never,
  ) => reasonOf(() => entra.readRoutingClaims(payload, { tokenVersions: versions, tenants: t }));

  it("accepts an allowed tenant and version", () => {
    expect(read({ ver: "2.0", tid: TID, iss: "x" })).toBe("accepted");
    expect(read({ ver: "2.0", tid: TID.toUpperCase(), iss: "x" })).toBe("accepted");
  });
  it("refuses a v1 token where only v2 is accepted, and the reverse", () => {
    expect(read({ ver: "1.0", tid: TID, iss: "x" })).toBe("token_version_not_allowed");
    expect(read({ ver: "2.0", tid: TID, iss: "x" }, ["1.0"])).toBe("token_version_not_allowed");
    expect(read({ ver: "1.0", tid: TID, iss: "x" }, ["1.0", "2.0"])).toBe("accepted");
  });
  it("refuses a missing or odd version", () => {
    expect(read({ tid: TID, iss: "x" })).toBe("claim_invalid");
    expect(read({ ver: 2, tid: TID, iss: "x" })).toBe("claim_invalid");
  });
  it("refuses a tenant not on the allow-list, and any tenant with '*'", () => {
    expect(read({ ver: "2.0", tid: OTHER, iss: "x" })).toBe("tenant_not_allowed");
    expect(read({ ver: "2.0", tid: OTHER, iss: "x" }, ["2.0"], { any: true } as never)).toBe("accepted");
  });
  it("refuses personal accounts (the consumer tenant) under '*' unless listed", () => {
    const consumer = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const claims = { ver: "2.0", tid: consumer, iss: "x" };
    expect(read(claims, ["2.0"], { any: true } as never)).toBe("tenant_not_allowed");
    expect(read(claims, ["2.0"], { any: true, consumers: true } as never)).toBe("accepted");
    expect(read(claims, ["2.0"], { any: false, ids: [consumer] } as never)).toBe("accepted");
  });
  it("refuses a tid that is not a GUID", () => {
    expect(read({ ver: "2.0", tid: "contoso.com", iss: "x" }, ["2.0"], { any: true } as never)).toBe(
      "claim_invalid",
    );
    expect(read({ ver: "2.0", iss: "x" })).toBe("claim_invalid");
  });
});

describe("issuer", () => {
  const routing = (iss: string, version: "1.0" | "2.0" = "2.0") => ({ version, tid: TID, iss });
  it("fills the {tenantid} template with the token's own tenant", () => {
    const template = `${AUTHORITY}/{tenantid}/v2.0`;
    expect(reasonOf(() => entra.checkIssuer(routing(`${AUTHORITY}/${TID}/v2.0`), template))).toBe("accepted");
    expect(reasonOf(() => entra.checkIssuer(routing(`${AUTHORITY}/${OTHER}/v2.0`), template))).toBe(
      "issuer_not_allowed",
    );
  });
  it("keeps v1 and v2 issuers apart", () => {
    const v1 = "https://sts.windows.net/{tenantid}/";
    expect(reasonOf(() => entra.checkIssuer(routing(`https://sts.windows.net/${TID}/`, "1.0"), v1))).toBe(
      "accepted",
    );
    expect(reasonOf(() => entra.checkIssuer(routing(`${AUTHORITY}/${TID}/v2.0`, "1.0"), v1))).toBe(
      "issuer_not_allowed",
    );
    expect(reasonOf(() => entra.checkIssuer(routing(`https://sts.windows.net/${TID}`, "1.0"), v1))).toBe(
      "issuer_not_allowed",
    );
  });
  it("scopes keys by their issuer property", () => {
    const v2iss = `${AUTHORITY}/${TID}/v2.0`;
    expect(reasonOf(() => entra.checkKeyIssuer(undefined, routing(v2iss), AUTHORITY))).toBe("accepted");
    expect(
      reasonOf(() => entra.checkKeyIssuer(`${AUTHORITY}/{tenantid}/v2.0`, routing(v2iss), AUTHORITY)),
    ).toBe("accepted");
    expect(
      reasonOf(() => entra.checkKeyIssuer(`${AUTHORITY}/${OTHER}/v2.0`, routing(v2iss), AUTHORITY)),
    ).toBe("issuer_not_allowed");
    // A v1 token is compared in its v2 form.
    expect(
      reasonOf(() =>
        entra.checkKeyIssuer(
          `${AUTHORITY}/{tenantid}/v2.0`,
          routing(`https://sts.windows.net/${TID}/`, "1.0"),
          AUTHORITY,
        ),
      ),
    ).toBe("accepted");
  });
});

describe("times", () => {
  const settings = { clockSkewSeconds: 60, maxTokenLifetimeSeconds: undefined };
  const times = (
    payload: Record<string, unknown>,
    s: typeof settings | { clockSkewSeconds: number; maxTokenLifetimeSeconds: number } = settings,
  ) => reasonOf(() => entra.checkTimes(payload, NOW, s));

  it("accepts a current token", () => {
    expect(times({ iat: NOW - 10, nbf: NOW - 10, exp: NOW + 3600 })).toBe("accepted");
  });
  it("requires exp and iat as finite numbers", () => {
    expect(times({ iat: NOW })).toBe("claim_invalid");
    expect(times({ iat: NOW, exp: String(NOW + 60) })).toBe("claim_invalid");
    expect(times({ iat: NOW, exp: Number.POSITIVE_INFINITY })).toBe("claim_invalid");
    expect(times({ iat: NOW, exp: JSON.parse('{"e":1e400}').e })).toBe("claim_invalid");
    expect(times({ exp: NOW + 60 })).toBe("claim_invalid");
  });
  it("honours the skew around exp", () => {
    expect(times({ iat: NOW - 3600, exp: NOW - 30 })).toBe("accepted");
    expect(times({ iat: NOW - 3600, exp: NOW - 60 })).toBe("token_expired");
    expect(
      times({ iat: NOW - 3600, exp: NOW - 30 }, { clockSkewSeconds: 0, maxTokenLifetimeSeconds: 99999 }),
    ).toBe("token_expired");
  });
  it("honours nbf", () => {
    expect(times({ iat: NOW, nbf: NOW + 30, exp: NOW + 3600 })).toBe("accepted");
    expect(times({ iat: NOW, nbf: NOW + 120, exp: NOW + 3600 })).toBe("token_not_yet_valid");
  });
  it("refuses an iat in the future", () => {
    expect(times({ iat: NOW + 120, exp: NOW + 3600 })).toBe("token_issued_in_future");
  });
  it("enforces the maximum lifetime when set", () => {
    const strict = { clockSkewSeconds: 60, maxTokenLifetimeSeconds: 5400 };
    expect(times({ iat: NOW, exp: NOW + 5400 }, strict)).toBe("accepted");
    expect(times({ iat: NOW, exp: NOW + 8 * 3600 }, strict)).toBe("token_lifetime_exceeds_policy");
  });
});

describe("audience, Graph, client app, kind", () => {
  it("accepts only a single allowed audience", () => {
    expect(reasonOf(() => entra.checkAudience({ aud: "api://x" }, ["api://x"]))).toBe("accepted");
    expect(reasonOf(() => entra.checkAudience({ aud: "api://y" }, ["api://x"]))).toBe("audience_not_allowed");
    expect(reasonOf(() => entra.checkAudience({ aud: ["api://x", "api://y"] }, ["api://x"]))).toBe(
      "audience_not_allowed",
    );
    expect(reasonOf(() => entra.checkAudience({}, ["api://x"]))).toBe("audience_not_allowed");
  });
  it("names Graph tokens", () => {
    expect(reasonOf(() => entra.rejectGraphAudience({ aud: "https://graph.microsoft.com" }))).toBe(
      "graph_token",
    );
    expect(reasonOf(() => entra.rejectGraphAudience({ aud: "00000003-0000-0000-c000-000000000000" }))).toBe(
      "graph_token",
    );
    expect(reasonOf(() => entra.rejectGraphAudience({ aud: "api://x" }))).toBe("accepted");
  });
  it("requires a client app claim per version (an ID token has none)", () => {
    expect(reasonOf(() => entra.checkClientApp({ azp: APP }, "2.0", undefined))).toBe("accepted");
    expect(reasonOf(() => entra.checkClientApp({ appid: APP }, "2.0", undefined))).toBe(
      "not_an_access_token",
    );
    expect(reasonOf(() => entra.checkClientApp({ appid: APP }, "1.0", undefined))).toBe("accepted");
    expect(reasonOf(() => entra.checkClientApp({ azp: APP }, "2.0", [OTHER]))).toBe("client_app_not_allowed");
    expect(reasonOf(() => entra.checkClientApp({ azp: APP.toUpperCase() }, "2.0", [APP]))).toBe("accepted");
  });
  it("tells users from apps and enforces a required kind", () => {
    expect(entra.principalKind({ scp: "read" }, "any")).toBe("user");
    expect(entra.principalKind({ roles: ["r"] }, "any")).toBe("app");
    expect(entra.principalKind({ idtyp: "app" }, "any")).toBe("app");
    expect(reasonOf(() => entra.principalKind({ scp: "read" }, "app"))).toBe("principal_kind_not_allowed");
    expect(reasonOf(() => entra.principalKind({ roles: ["r"] }, "user"))).toBe("principal_kind_not_allowed");
    expect(reasonOf(() => entra.principalKind({ idtyp: "device" }, "any"))).toBe("claim_invalid");
  });
});
