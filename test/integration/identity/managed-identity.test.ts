// TOLLGATE_MANAGED_IDENTITY against a loopback stand-in for App Service's managed-identity endpoint
// (IDENTITY_ENDPOINT / IDENTITY_HEADER, the protocol Azure Functions gives an app): `system` and a
// client id ask that endpoint for a token, the client id naming the user-assigned identity; a
// malformed value stops the start. The endpoint is a stand-in because no real one runs off Azure.

import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../shared/config/settings.js";
import {
  azureCredential,
  credentialFor,
  parseIdentityChoice,
} from "../../../shared/identity/azure-credential.js";

const IDENTITY_HEADER = "loopback-identity-header";
let server: Server;
const requests: URL[] = [];
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers["x-identity-header"] !== IDENTITY_HEADER) {
      res.writeHead(401).end();
      return;
    }
    requests.push(url);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        access_token: `token-for-${url.searchParams.get("client_id") ?? "system"}`,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get("resource"),
        token_type: "Bearer",
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  process.env.IDENTITY_HEADER = IDENTITY_HEADER;
});

afterAll(() => {
  server.close();
  if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
  else process.env.IDENTITY_ENDPOINT = saved.endpoint;
  if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
  else process.env.IDENTITY_HEADER = saved.header;
});

describe("TOLLGATE_MANAGED_IDENTITY", () => {
  it("system: the system-assigned identity signs in, no client id asked for", async () => {
    const token = await azureCredential({ TOLLGATE_MANAGED_IDENTITY: "system" }).getToken(
      "https://storage.azure.com/.default",
    );
    expect(token?.token).toBe("token-for-system");
    const last = requests.at(-1);
    expect(last?.searchParams.get("resource")).toBe("https://storage.azure.com");
    expect(last?.searchParams.has("client_id")).toBe(false);
  });

  it("a client id: that user-assigned identity signs in", async () => {
    const clientId = "6f1c2b6e-6c2f-4c8e-9d7a-2b1f0e3d4c5a";
    const token = await azureCredential({ TOLLGATE_MANAGED_IDENTITY: clientId.toUpperCase() }).getToken(
      "https://monitor.azure.com/.default",
    );
    expect(token?.token).toBe(`token-for-${clientId}`);
    expect(requests.at(-1)?.searchParams.get("client_id")).toBe(clientId);
  });

  it("blank keeps DefaultAzureCredential, the local developer's path", async () => {
    expect(parseIdentityChoice("")).toEqual({ kind: "default" });
    expect((await credentialFor({ kind: "default" })).constructor.name).toBe("DefaultAzureCredential");
  });

  it("refuses anything else at start, naming the setting and a right value", () => {
    const env = {
      TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      TOLLGATE_AUDIENCES: "api://tollgate-demo",
      TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
      TOLLGATE_MANAGED_IDENTITY: "user-assigned",
    };
    expect(() => loadSettings(env)).toThrow(SettingsError);
    expect(() => loadSettings(env)).toThrow(/TOLLGATE_MANAGED_IDENTITY.*system/);
    expect(loadSettings({ ...env, TOLLGATE_MANAGED_IDENTITY: "system" })).toBeDefined();
  });
});
