import { createPublicKey, type JsonWebKey, verify } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EntraIssuer, MSA_TENANT_ID } from "../../tools/loopback/entra-issuer.js";

interface Discovery {
  issuer: string;
  jwks_uri: string;
  [member: string]: unknown;
}

interface Jwks {
  keys: Record<string, unknown>[];
}

async function getJson<T>(url: string): Promise<{ status: number; type: string | null; body: T }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (await response.json()) as T,
  };
}

async function discovery(issuer: EntraIssuer, version: "1.0" | "2.0", tenant: string): Promise<Discovery> {
  const path =
    version === "2.0" ? "v2.0/.well-known/openid-configuration" : ".well-known/openid-configuration";
  return (await getJson<Discovery>(`${issuer.authority}/${tenant}/${path}`)).body;
}

/** Verifies as a real relying party would: discovery first, then the JWKS it names. */
async function verifyThroughDiscovery(
  issuer: EntraIssuer,
  token: string,
  version: "1.0" | "2.0",
  tenant: string,
) {
  const metadata = await discovery(issuer, version, tenant);
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  return jwtVerify(token, jwks, { issuer: metadata.issuer, audience: issuer.defaultAudience });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("EntraIssuer metadata", () => {
  let issuer: EntraIssuer;
  beforeAll(async () => {
    issuer = await EntraIssuer.start();
  });
  afterAll(() => issuer.stop());

  it("listens on loopback with random default GUIDs", () => {
    expect(issuer.authority).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const id of [
      issuer.defaultTenant,
      issuer.defaultAudience,
      issuer.defaultClientApp,
      issuer.defaultUserOid,
      issuer.defaultAppOid,
    ]) {
      expect(id).toMatch(GUID);
    }
    expect(issuer.issuerV2("t")).toBe(`${issuer.authority}/t/v2.0`);
    expect(issuer.issuerV1("t")).toBe("https://sts.windows.net/t/");
  });

  it("serves v2 discovery for a tenant GUID", async () => {
    const tid = issuer.defaultTenant;
    const { status, type, body } = await getJson<Discovery>(
      `${issuer.authority}/${tid}/v2.0/.well-known/openid-configuration`,
    );
    expect(status).toBe(200);
    expect(type).toBe("application/json; charset=utf-8");
    expect(body).toMatchObject({
      issuer: `${issuer.authority}/${tid}/v2.0`,
      jwks_uri: `${issuer.authority}/${tid}/discovery/v2.0/keys`,
      token_endpoint: `${issuer.authority}/${tid}/oauth2/v2.0/token`,
      authorization_endpoint: `${issuer.authority}/${tid}/oauth2/v2.0/authorize`,
      id_token_signing_alg_values_supported: ["RS256"],
      subject_types_supported: ["pairwise"],
      tenant_region_scope: "NA",
    });
    expect(body.response_types_supported).toContain("code");
  });

  it.each(["organizations", "common"])(
    "serves v2 discovery for %s with the {tenantid} template",
    async (path) => {
      const body = await discovery(issuer, "2.0", path);
      expect(body.issuer).toBe(`${issuer.authority}/{tenantid}/v2.0`);
      expect(body.jwks_uri).toBe(`${issuer.authority}/${path}/discovery/v2.0/keys`);
      expect(body.tenant_region_scope).toBeNull();
    },
  );

  it("serves v1 discovery with the sts.windows.net issuer", async () => {
    const tid = issuer.defaultTenant;
    const body = await discovery(issuer, "1.0", tid);
    expect(body.issuer).toBe(`https://sts.windows.net/${tid}/`);
    expect(body.jwks_uri).toBe(`${issuer.authority}/${tid}/discovery/keys`);
    expect(body.token_endpoint).toBe(`${issuer.authority}/${tid}/oauth2/token`);
    for (const path of ["common", "organizations"]) {
      const shared = await discovery(issuer, "1.0", path);
      expect(shared.issuer).toBe("https://sts.windows.net/{tenantid}/");
      expect(shared.jwks_uri).toBe(`${issuer.authority}/${path}/discovery/keys`);
    }
  });

  it("accepts any GUID, in lower case, and names the MSA tenant under consumers", async () => {
    const upper = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE";
    expect((await discovery(issuer, "2.0", upper)).issuer).toBe(
      `${issuer.authority}/${upper.toLowerCase()}/v2.0`,
    );
    const consumers = await discovery(issuer, "2.0", "consumers");
    expect(consumers.issuer).toBe(`${issuer.authority}/${MSA_TENANT_ID}/v2.0`);
    expect(consumers.jwks_uri).toBe(`${issuer.authority}/consumers/discovery/v2.0/keys`);
  });

  it("publishes v2 keys with Entra's issuer member and v1 keys without", async () => {
    const tid = issuer.defaultTenant;
    const v2 = (await getJson<Jwks>(`${issuer.authority}/${tid}/discovery/v2.0/keys`)).body;
    expect(v2.keys).toHaveLength(1);
    expect(v2.keys[0]).toEqual({
      kty: "RSA",
      use: "sig",
      kid: issuer.activeKid,
      x5t: issuer.activeKid,
      n: expect.any(String),
      e: "AQAB",
      issuer: `${issuer.authority}/${tid}/v2.0`,
    });
    const shared = (await getJson<Jwks>(`${issuer.authority}/organizations/discovery/v2.0/keys`)).body;
    expect(shared.keys[0]?.issuer).toBe(`${issuer.authority}/{tenantid}/v2.0`);

    const v1 = (await getJson<Jwks>(`${issuer.authority}/${tid}/discovery/keys`)).body;
    expect(v1.keys).toHaveLength(1);
    expect(v1.keys[0]).not.toHaveProperty("issuer");
    expect(v1.keys[0]).toMatchObject({ kty: "RSA", use: "sig", kid: issuer.activeKid });
    expect(issuer.publicJwk(issuer.activeKid)).toEqual({ ...v1.keys[0] });
    expect(issuer.activeKid).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });

  it("answers anything else with a JSON 404", async () => {
    for (const path of [
      "/",
      "/not-a-tenant/v2.0/.well-known/openid-configuration",
      `/${issuer.defaultTenant}/v2.0/.well-known/nothing`,
      `/${issuer.defaultTenant}/oauth2/v2.0/token`,
    ]) {
      const { status, type, body } = await getJson<{ error: string }>(`${issuer.authority}${path}`);
      expect(status, path).toBe(404);
      expect(type).toBe("application/json; charset=utf-8");
      expect(body.error).toBe("not_found");
    }
    const post = await fetch(`${issuer.authority}/common/discovery/keys`, { method: "POST" });
    expect(post.status).toBe(404);
    await post.body?.cancel();
  });
});

describe("EntraIssuer tokens", () => {
  const clockMs = Date.UTC(2030, 0, 1);
  let issuer: EntraIssuer;
  beforeAll(async () => {
    issuer = await EntraIssuer.start();
  });
  afterAll(() => issuer.stop());

  it("mints a v2 user token that verifies through v2 discovery", async () => {
    const token = await issuer.mint({ roles: ["Reader"], groups: ["g1"] });
    const { payload, protectedHeader } = await verifyThroughDiscovery(
      issuer,
      token,
      "2.0",
      issuer.defaultTenant,
    );
    expect(protectedHeader).toEqual({
      typ: "JWT",
      alg: "RS256",
      x5t: issuer.activeKid,
      kid: issuer.activeKid,
    });
    expect(payload).toMatchObject({
      aud: issuer.defaultAudience,
      iss: issuer.issuerV2(issuer.defaultTenant),
      azp: issuer.defaultClientApp,
      azpacr: "0",
      oid: issuer.defaultUserOid,
      tid: issuer.defaultTenant,
      scp: "access_as_user",
      roles: ["Reader"],
      groups: ["g1"],
      name: "Avery Example",
      preferred_username: "avery.example@contoso.onmicrosoft.com",
      ver: "2.0",
    });
    expect(Object.keys(payload).sort()).toEqual(
      [
        ...["aud", "iss", "iat", "nbf", "exp", "aio", "azp", "azpacr", "groups", "name", "oid"],
        ...["preferred_username", "rh", "roles", "scp", "sub", "tid", "uti", "ver"],
      ].sort(),
    );
    expect(payload.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.exp).toBe((payload.iat ?? 0) + 3600);
    expect(payload.nbf).toBe(payload.iat);
  });

  it("mints a v2 token that also verifies through the organizations metadata", async () => {
    const token = await issuer.mint();
    const metadata = await discovery(issuer, "2.0", "organizations");
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri)));
    // The relying party substitutes the token's tid into the template, as Entra's docs prescribe.
    expect(payload.iss).toBe(metadata.issuer.replace("{tenantid}", String(payload.tid)));
  });

  it("mints a v1 user token that verifies through v1 discovery", async () => {
    const token = await issuer.mint({ version: "1.0" });
    const { payload } = await verifyThroughDiscovery(issuer, token, "1.0", issuer.defaultTenant);
    expect(payload).toMatchObject({
      iss: `https://sts.windows.net/${issuer.defaultTenant}/`,
      acr: "1",
      amr: ["pwd", "mfa"],
      appid: issuer.defaultClientApp,
      appidacr: "0",
      family_name: "Example",
      given_name: "Avery",
      ipaddr: expect.any(String),
      scp: "access_as_user",
      unique_name: "avery.example@contoso.onmicrosoft.com",
      upn: "avery.example@contoso.onmicrosoft.com",
      ver: "1.0",
    });
    expect(payload).not.toHaveProperty("azp");
    expect(payload).not.toHaveProperty("idtyp");
  });

  it("mints app tokens: no scp, idtyp app, sub is the service principal's oid", async () => {
    const v2 = decodeJwt(await issuer.mint({ kind: "app", roles: ["Jobs.Run"] }));
    expect(v2).toMatchObject({
      idtyp: "app",
      oid: issuer.defaultAppOid,
      sub: issuer.defaultAppOid,
      azpacr: "1",
    });
    expect(v2).not.toHaveProperty("scp");
    expect(v2).not.toHaveProperty("name");
    const v1 = decodeJwt(await issuer.mint({ kind: "app", version: "1.0", oid: "sp-oid", idtyp: false }));
    expect(v1).toMatchObject({ oid: "sp-oid", sub: "sp-oid", appidacr: "1" });
    expect(v1.idp).toBe(`https://sts.windows.net/${issuer.defaultTenant}/`);
    expect(v1).not.toHaveProperty("idtyp");
    expect(v1).not.toHaveProperty("upn");
    expect(decodeJwt(await issuer.mint({ idtyp: true })).idtyp).toBe("user");
  });

  it("points at Graph for group overage instead of listing groups", async () => {
    const claims = decodeJwt(await issuer.mint({ groups: ["g1"], groupsOverage: true }));
    expect(claims).not.toHaveProperty("groups");
    expect(claims._claim_names).toEqual({ groups: "src1" });
    expect(claims._claim_sources).toEqual({
      src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${issuer.defaultUserOid}/getMemberObjects` },
    });
  });

  it("takes its time from the injected clock, or from the mint options", async () => {
    const fixed = await EntraIssuer.start({ now: () => clockMs + 999 });
    try {
      const claims = decodeJwt(await fixed.mint({ lifetimeSeconds: 60 }));
      expect(claims).toMatchObject({ iat: clockMs / 1000, nbf: clockMs / 1000, exp: clockMs / 1000 + 60 });
      expect(decodeJwt(await fixed.mint({ now: 1_000 })).iat).toBe(1_000);
    } finally {
      await fixed.stop();
    }
  });

  it("applies tid, aud, iss, header, claims and omit as asked", async () => {
    const token = await issuer.mint({
      tid: "11111111-1111-4111-8111-111111111111",
      aud: ["a", "b"],
      xms_cc: ["cp1"],
      header: { nonce: "n0nce", typ: undefined },
      claims: { exp: "tomorrow", extra: { nested: true }, rh: undefined },
      omit: ["nbf"],
    });
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: "RS256", x5t: issuer.activeKid, kid: issuer.activeKid, nonce: "n0nce" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      tid: "11111111-1111-4111-8111-111111111111",
      iss: issuer.issuerV2("11111111-1111-4111-8111-111111111111"),
      aud: ["a", "b"],
      xms_cc: ["cp1"],
      exp: "tomorrow",
      extra: { nested: true },
    });
    expect(claims).not.toHaveProperty("nbf");
    expect(claims).not.toHaveProperty("rh");
    expect(decodeJwt(await issuer.mint({ iss: "https://elsewhere/" })).iss).toBe("https://elsewhere/");
  });
});

describe("EntraIssuer keys", () => {
  let issuer: EntraIssuer;
  beforeAll(async () => {
    issuer = await EntraIssuer.start();
  });
  afterAll(() => issuer.stop());

  const jwksUrl = () => new URL(`${issuer.authority}/${issuer.defaultTenant}/discovery/v2.0/keys`);
  const verifyFresh = (token: string) =>
    // A fresh key set each time, so no cache hides what the JWKS now says.
    jwtVerify(token, createRemoteJWKSet(jwksUrl()), { audience: issuer.defaultAudience });

  it("rotate() publishes a new active key and keeps the old one", async () => {
    const old = issuer.activeKid;
    const oldToken = await issuer.mint();
    const fresh = await issuer.rotate();
    expect(fresh).not.toBe(old);
    expect(issuer.activeKid).toBe(fresh);
    expect(issuer.publishedKids()).toEqual([old, fresh]);
    const newToken = await issuer.mint();
    expect(decodeProtectedHeader(newToken).kid).toBe(fresh);
    await verifyFresh(oldToken);
    await verifyFresh(newToken);

    issuer.unpublish(old);
    expect(issuer.publishedKids()).toEqual([fresh]);
    const jwks = (await getJson<Jwks>(jwksUrl().href)).body;
    expect(jwks.keys.map((k) => k.kid)).toEqual([fresh]);
    await expect(verifyFresh(oldToken)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    // Still able to sign: a token from an unpublished key is a test case in itself.
    expect(decodeProtectedHeader(await issuer.mint({ kid: old })).kid).toBe(old);
    issuer.publish(old);
    expect(issuer.publishedKids()).toEqual([fresh, old]);
  });

  it("adds unpublished, weak and EC keys", async () => {
    const hidden = await issuer.addKey({ publish: false });
    expect(issuer.publishedKids()).not.toContain(hidden);
    expect(issuer.activeKid).not.toBe(hidden);
    await expect(verifyFresh(await issuer.mint({ kid: hidden }))).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );

    const weak = await issuer.addKey({ modulusLength: 1024 });
    const weakToken = await issuer.mint({ kid: weak });
    const weakJwk = issuer.publicJwk(weak);
    expect(Buffer.from(String(weakJwk.n), "base64url")).toHaveLength(128);
    // jose rightly refuses 1024-bit RSA, so check the signature with node:crypto.
    await expect(verifyFresh(weakToken)).rejects.toThrow(/2048/);
    const [h, p, s] = weakToken.split(".");
    const publicKey = createPublicKey({ key: weakJwk as JsonWebKey, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(String(s), "base64url"))).toBe(
      true,
    );

    const ec = await issuer.addKey({ alg: "ES256" });
    expect(issuer.publicJwk(ec)).toMatchObject({ kty: "EC", crv: "P-256", use: "sig", kid: ec });
    const ecToken = await issuer.mint({ kid: ec });
    expect(decodeProtectedHeader(ecToken).alg).toBe("ES256");
    await verifyFresh(ecToken);
    expect(issuer.privateKey(ec).algorithm.name).toBe("ECDSA");
  });

  it("setJwkOverride() alters the published JWK in both documents until cleared", async () => {
    const kid = issuer.activeKid;
    issuer.setJwkOverride(kid, { use: "enc", alg: "HS256", x5t: undefined });
    const find = async (path: string) =>
      (await getJson<Jwks>(`${issuer.authority}/${issuer.defaultTenant}/${path}`)).body.keys.find(
        (k) => k.kid === kid,
      );
    const v2 = await find("discovery/v2.0/keys");
    expect(v2).toMatchObject({ use: "enc", alg: "HS256", issuer: issuer.issuerV2(issuer.defaultTenant) });
    expect(v2).not.toHaveProperty("x5t");
    expect(await find("discovery/keys")).toMatchObject({ use: "enc", alg: "HS256" });
    issuer.setJwkOverride(kid, undefined);
    expect(await find("discovery/keys")).toEqual(issuer.publicJwk(kid));
    expect(() => issuer.setJwkOverride("nope", {})).toThrow(/nope/);
  });

  it("signRaw() signs exactly what it is given", async () => {
    const kid = issuer.activeKid;
    const token = await issuer.signRaw({ typ: "at+jwt", crit: ["x-unknown"], "x-unknown": 1 }, { sub: "s" });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "RS256",
      kid,
      typ: "at+jwt",
      crit: ["x-unknown"],
      "x-unknown": 1,
    });
    // A verifier that ignores crit would accept this; jose does not.
    await expect(verifyFresh(token)).rejects.toThrow(/x-unknown/);

    const raw = await issuer.signRaw({ kid: undefined }, "not json at all");
    const [header, payload, signature] = raw.split(".");
    expect(JSON.parse(Buffer.from(String(header), "base64url").toString())).toEqual({ alg: "RS256" });
    expect(Buffer.from(String(payload), "base64url").toString()).toBe("not json at all");
    expect(signature).toMatch(/^[A-Za-z0-9_-]{342}$/);

    const unsigned = await issuer.signRaw({ alg: "none" }, { sub: "s" });
    expect(unsigned.endsWith(".")).toBe(true);
  });

  it("signRaw() forges HS256 with the public key as the secret (algorithm confusion)", async () => {
    const kid = issuer.activeKid;
    const forged = await issuer.signRaw({ alg: "HS256", typ: "JWT" }, { sub: "attacker" });
    expect(decodeProtectedHeader(forged)).toEqual({ alg: "HS256", kid, typ: "JWT" });
    const pem = createPublicKey({
      key: issuer.publicJwk(kid) as JsonWebKey,
      format: "jwk",
    })
      .export({ type: "spki", format: "pem" })
      .toString();
    const { payload } = await jwtVerify(forged, new TextEncoder().encode(pem));
    expect(payload.sub).toBe("attacker");
  });

  it("signRaw() signs with the key the header names, or the one passed", async () => {
    const other = await issuer.addKey();
    const byHeader = await issuer.signRaw({ kid: other }, { aud: issuer.defaultAudience });
    await verifyFresh(byHeader);
    const lying = await issuer.signRaw({ kid: other }, { aud: issuer.defaultAudience }, issuer.activeKid);
    expect(decodeProtectedHeader(lying).kid).toBe(other);
    await expect(verifyFresh(lying)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    const unknownKid = await issuer.signRaw({ kid: "missing" }, { aud: issuer.defaultAudience });
    await expect(verifyFresh(unknownKid)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(issuer.signRaw({}, {}, "missing")).rejects.toThrow(/missing/);
  });
});

describe("EntraIssuer faults and counters", () => {
  let issuer: EntraIssuer;
  let keysUrl: string;
  beforeAll(async () => {
    issuer = await EntraIssuer.start();
    keysUrl = `${issuer.authority}/common/discovery/keys`;
  });
  afterEach(() => {
    issuer.setMode("up");
    issuer.resetCounters();
  });
  afterAll(() => issuer.stop());

  it("counts discovery, JWKS and all requests", async () => {
    await discovery(issuer, "2.0", "organizations");
    await discovery(issuer, "1.0", "common");
    await getJson(keysUrl);
    await getJson(`${issuer.authority}/nowhere`);
    expect(issuer.requests).toEqual({ discovery: 2, jwks: 1, total: 4 });
    issuer.resetCounters();
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0, total: 0 });
  });

  it("shows 25 concurrent verifications sharing one JWKS fetch", async () => {
    const token = await issuer.mint();
    const jwks = createRemoteJWKSet(
      new URL(`${issuer.authority}/${issuer.defaultTenant}/discovery/v2.0/keys`),
    );
    await Promise.all(Array.from({ length: 25 }, () => jwtVerify(token, jwks)));
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 1, total: 1 });
  });

  it("down: resets the connection without an answer", async () => {
    issuer.setMode("down");
    expect(issuer.mode).toBe("down");
    const error = await fetch(keysUrl).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(
      JSON.stringify((error as TypeError).cause, Object.getOwnPropertyNames((error as TypeError).cause)),
    ).toMatch(/ECONNRESET|other side closed|socket hang up/i);
    expect(issuer.requests.jwks).toBeGreaterThanOrEqual(1);
    issuer.setMode("up");
    expect((await getJson<Jwks>(keysUrl)).status).toBe(200);
  });

  it("slow: answers normally after slowMs", async () => {
    issuer.setMode("slow");
    issuer.slowMs = 300;
    const started = performance.now();
    await expect(fetch(keysUrl, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    const { status, body } = await getJson<Jwks>(keysUrl);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(status).toBe(200);
    expect(body.keys).toHaveLength(1);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("garbage: 200 with a body that is not JSON", async () => {
    issuer.setMode("garbage");
    const response = await fetch(keysUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    await expect(response.json()).rejects.toBeInstanceOf(SyntaxError);
  });

  it("http500: a JSON error with status 500", async () => {
    issuer.setMode("http500");
    const { status, body } = await getJson<{ error: string }>(
      `${issuer.authority}/common/.well-known/openid-configuration`,
    );
    expect(status).toBe(500);
    expect(body.error).toBe("temporarily_unavailable");
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 0, total: 1 });
  });

  it("stop() ends pending slow answers and refuses new connections", async () => {
    const doomed = await EntraIssuer.start();
    doomed.setMode("slow");
    const pending = fetch(`${doomed.authority}/common/discovery/keys`).then(
      () => "answered",
      () => "failed",
    );
    while (doomed.requests.total === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await doomed.stop();
    await doomed.stop();
    expect(await pending).toBe("failed");
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${doomed.authority}/common/discovery/keys`)).rejects.toThrow();
  });
});
