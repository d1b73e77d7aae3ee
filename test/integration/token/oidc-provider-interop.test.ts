// Interop with an independent, certified OpenID provider (oidc-provider): a client-credentials
// access token it issues passes when its issuer and audience are configured, and not otherwise.
// The provider is mounted at /{tenant}/v2.0 so its issuer has Entra's v2 form; the Entra claims
// the provider does not know (tid, ver, azp, oid) are added through its extraTokenClaims hook.

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../shared/clock.js";
import { loadSettings } from "../../../shared/config/settings.js";
import { createTokenValidator } from "../../../shared/token/create-token-validator.js";
import { reasonOfAsync as reasonOf } from "../../support/reason-of.js";

const TENANT = randomUUID();
const CLIENT_ID = randomUUID();
const CLIENT_SECRET = "interop-secret-not-used-elsewhere";
const SERVICE_PRINCIPAL = randomUUID();
const RESOURCE = "api://tollgate-interop";

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mount = `/${TENANT}/v2.0`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "interop-1", use: "sig", alg: "RS256" };
  const provider = new Provider(`${origin}${mount}`, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
      },
    ],
    jwks: { keys: [signingKey] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: "orders.read",
          audience: resource,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims: () => ({
      ver: "2.0",
      tid: TENANT,
      azp: CLIENT_ID,
      oid: SERVICE_PRINCIPAL,
      idtyp: "app",
      roles: ["reader"],
    }),
  });
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (req.url?.startsWith(mount)) {
      // oidc-provider derives its mount path from originalUrl, as under Express.
      Object.assign(req, { originalUrl: req.url });
      req.url = req.url.slice(mount.length) || "/";
      callback(req, res);
    } else {
      res.writeHead(404).end();
    }
  });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function clientCredentialsToken(): Promise<string> {
  const response = await fetch(`${origin}/${TENANT}/v2.0/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: RESOURCE, scope: "orders.read" }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

function validator(env: Record<string, string>) {
  const settings = loadSettings({
    TOLLGATE_TENANTS: TENANT,
    TOLLGATE_AUDIENCES: RESOURCE,
    TOLLGATE_AUTHORITY: origin,
    TOLLGATE_STORAGE: "https://unused.table.core.windows.net",
    ...env,
  });
  // No table: this test is about the provider's metadata, keys and tokens.
  return createTokenValidator(settings, { clock: systemClock }).validator;
}

describe("oidc-provider interop", () => {
  it("accepts its client-credentials access token when issuer and audience are configured", async () => {
    const token = await clientCredentialsToken();
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString());
    expect(header.typ).toBe("at+jwt");
    const principal = await validator({}).validateToken(token);
    expect(principal).toMatchObject({
      tenantId: TENANT,
      clientAppId: CLIENT_ID,
      objectId: SERVICE_PRINCIPAL,
      kind: "app",
      roles: ["reader"],
      // The provider says `scope`; tollgate reads only Entra's `scp`, and app tokens carry none.
      scopes: [],
    });
  });

  it("refuses it for another audience", async () => {
    const token = await clientCredentialsToken();
    expect(await reasonOf(validator({ TOLLGATE_AUDIENCES: "api://another-api" }).validateToken(token))).toBe(
      "audience_not_allowed",
    );
  });

  it("refuses it when the provider is not the configured authority", async () => {
    const token = await clientCredentialsToken();
    const elsewhere = validator({ TOLLGATE_AUTHORITY: "http://127.0.0.1:9" });
    // Nothing answers on the discard port: the keys cannot be had, which is a 503, not a pass.
    expect(await reasonOf(elsewhere.validateToken(token))).toBe("keys_unavailable");
  });

  it("refuses it for another tenant", async () => {
    const token = await clientCredentialsToken();
    expect(await reasonOf(validator({ TOLLGATE_TENANTS: randomUUID() }).validateToken(token))).toBe(
      "tenant_not_allowed",
    );
  });
});
