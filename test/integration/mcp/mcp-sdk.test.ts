// An MCP server behind tollgate, driven by the official SDK on both sides: its streamable-HTTP
// server as the backend and its client as the caller. The client gets only the gateway URL; it
// learns everything else from the 401, the protected-resource metadata and the Entra-shaped
// issuer's OpenID configuration (no RFC 8414 document), and signs in with client credentials.

import { randomUUID } from "node:crypto";
import type { OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAssertionKey } from "../../../shared/forward/assertion-keys.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { MCP_TOOLS, type McpBackend, startMcpBackend } from "../../../tools/loopback/mcp-backend.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";
import { pushWithCli } from "../../support/push-with-cli.js";

const TOTAL_TIMEOUT_MS = 1500;
let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: McpBackend;
let host: LocalHost;
let env: Record<string, string>;
let resourceUrl: string;
let shortUrl: string;
const apiAppId = randomUUID();
const user = { clientId: randomUUID(), clientSecret: "user-secret" };
const admin = { clientId: randomUUID(), clientSecret: "admin-secret" };

/**
 * The SDK's client-credentials provider sends the scope it was configured with; this one, given
 * nothing, asks for what the protected-resource metadata offers (Entra's `{resource}/.default`).
 */
class DiscoveringClientCredentials extends ClientCredentialsProvider {
  #offered: string | undefined;
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#offered = state.resourceMetadata?.scopes_supported?.join(" ");
  }
  override prepareTokenRequest(scope?: string): URLSearchParams {
    return super.prepareTokenRequest(scope ?? this.#offered);
  }
}

interface Seen {
  url: string;
  method: string;
  status: number;
  challenge: string | null;
}

function recordingFetch(seen: Seen[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    seen.push({
      url: request.url,
      method: request.method,
      status: response.status,
      challenge: response.headers.get("www-authenticate"),
    });
    return response;
  };
}

async function connect(credentials: { clientId: string; clientSecret: string }, url = resourceUrl) {
  const seen: Seen[] = [];
  const client = new Client({ name: "orders-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    authProvider: new DiscoveringClientCredentials({
      ...credentials,
      expectedIssuer: issuer.issuerV2(issuer.defaultTenant),
    }),
    fetch: recordingFetch(seen),
  });
  await client.connect(transport);
  return { client, seen };
}

const push = (document: object) => pushWithCli(env, document);

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not met in time");
}

function mcpRules(id: string, path: string) {
  return [
    {
      id: `${id}-admin-tools`,
      methods: ["POST"],
      path,
      resource: id,
      mcp: { tools: ["delete_*"] },
      require: { roles: { anyOf: ["mcp.admin"] } },
    },
    {
      id: `${id}-tools`,
      methods: ["POST"],
      path,
      resource: id,
      mcp: { tools: [MCP_TOOLS.lookup, MCP_TOOLS.stream] },
      require: { roles: { anyOf: ["mcp.user", "mcp.admin"] } },
    },
    // Starting a session, listing tools and the client's notifications need only a valid token.
    {
      id: `${id}-session`,
      methods: ["POST"],
      path,
      resource: id,
      mcp: { methods: ["initialize", "notifications/initialized", "ping", "tools/list"] },
    },
    // The server's own SSE stream (GET) and ending a session (DELETE).
    { id: `${id}-stream`, methods: ["GET", "DELETE"], path, resource: id },
  ];
}

beforeAll(async () => {
  [azurite, issuer, backend] = await Promise.all([startAzurite(), EntraIssuer.start(), startMcpBackend()]);
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: apiAppId,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
    TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: "1000",
    TOLLGATE_BACKEND_TIMEOUT_MS: String(TOTAL_TIMEOUT_MS),
  };
  host = await startLocalHost(env);
  resourceUrl = `${host.url}/mcp`;
  shortUrl = `${host.url}/short-mcp`;
  // One API registration; its Application ID URI is the URL MCP clients use.
  issuer.registerApi({ appId: apiAppId, applicationIdUri: resourceUrl });
  issuer.registerApi({ appId: apiAppId, applicationIdUri: shortUrl });
  issuer.registerClient({ ...user, appRoles: { [apiAppId]: ["mcp.user"] } });
  issuer.registerClient({ ...admin, appRoles: { [apiAppId]: ["mcp.admin"] } });
  const resource = (url: string, extra: object = {}) => ({
    url,
    audiences: [apiAppId, url],
    authorizationServers: [issuer.issuerV2(issuer.defaultTenant)],
    roles: ["mcp.user", "mcp.admin"],
    name: "Orders MCP",
    ...extra,
  });
  await push({
    version: 1,
    resources: {
      "orders-mcp": resource(resourceUrl, { timeouts: { totalMs: 600_000 } }),
      "short-mcp": resource(shortUrl),
    },
    rules: [...mcpRules("orders-mcp", "/mcp"), ...mcpRules("short-mcp", "/short-mcp")],
  });
  await eventually(
    async () => (await fetch(`${host.url}/.well-known/oauth-protected-resource/mcp`)).status === 200,
  );
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop()]);
});

describe("an MCP client given only the gateway URL", () => {
  it("discovers, signs in with client credentials, lists tools and calls an allowed one", async () => {
    const { client, seen } = await connect(user);
    try {
      // The first POST was refused, and the challenge said where to look and what to ask for.
      const first = seen[0];
      expect(first).toMatchObject({ url: resourceUrl, status: 401 });
      expect(first?.challenge).toBe(
        `Bearer realm="tollgate", scope="${resourceUrl}/.default", resource_metadata="${host.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      const urls = seen.map((s) => `${s.status} ${s.url}`);
      expect(urls).toContain(`200 ${host.url}/.well-known/oauth-protected-resource/mcp`);
      // Entra has no RFC 8414 document: the SDK falls back to the OpenID configuration under the issuer.
      expect(urls).toContain(
        `404 ${issuer.authority}/.well-known/oauth-authorization-server/${issuer.defaultTenant}/v2.0`,
      );
      expect(urls).toContain(
        `200 ${issuer.authority}/${issuer.defaultTenant}/v2.0/.well-known/openid-configuration`,
      );
      expect(urls).toContain(`200 ${issuer.authority}/${issuer.defaultTenant}/oauth2/v2.0/token`);

      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(Object.values(MCP_TOOLS).sort());
      const result = await client.callTool({ name: MCP_TOOLS.lookup, arguments: { id: "42" } });
      expect(result.content).toEqual([{ type: "text", text: "order 42: 3 lines, shipped" }]);

      // The backend got the session and protocol headers and the signed assertion, never the token.
      const call = backend.requests.find((r) => r.body.includes(MCP_TOOLS.lookup) && r.body.includes('"42"'));
      expect(call?.headers.authorization).toBeUndefined();
      expect(call?.headers["x-tollgate-assertion"]).toEqual(expect.any(String));
      expect(call?.headers["x-tollgate-client-app-id"]).toBe(user.clientId);
      expect(call?.headers["mcp-session-id"]).toEqual(expect.any(String));
      expect(call?.headers["mcp-protocol-version"]).toEqual(expect.any(String));
      // The client also opened the server's own SSE stream (GET) through tollgate.
      await eventually(() =>
        backend.requests.some(
          (r) => r.method === "GET" && String(r.headers.accept).includes("text/event-stream"),
        ),
      );
    } finally {
      await client.close();
    }
  }, 30_000);

  it("is refused a tool it lacks the role for: 403 with the scope challenge and the metadata", async () => {
    const { client, seen } = await connect(user);
    try {
      await expect(client.callTool({ name: MCP_TOOLS.remove, arguments: { id: "42" } })).rejects.toThrow(
        /403/,
      );
      const refusal = seen.find((s) => s.status === 403);
      expect(refusal?.challenge).toContain('error="insufficient_scope"');
      expect(refusal?.challenge).toContain(`scope="${resourceUrl}/.default"`);
      expect(refusal?.challenge).toContain("mcp.admin");
      expect(refusal?.challenge).toContain(
        `resource_metadata="${host.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      expect(backend.requests.some((r) => r.body.includes(MCP_TOOLS.remove))).toBe(false);
    } finally {
      await client.close();
    }
  }, 30_000);

  it("an admin may call the admin tool", async () => {
    const { client } = await connect(admin);
    try {
      const result = await client.callTool({ name: MCP_TOOLS.remove, arguments: { id: "7" } });
      expect(result.content).toEqual([{ type: "text", text: "order 7 deleted" }]);
    } finally {
      await client.close();
    }
  }, 30_000);
});

describe("a long SSE response", () => {
  it("stays open past the ordinary total timeout on a resource with its own timeouts", async () => {
    const { client } = await connect(user);
    try {
      const progressAt: number[] = [];
      const done = client.callTool({ name: MCP_TOOLS.stream }, undefined, {
        onprogress: () => progressAt.push(Date.now()),
        resetTimeoutOnProgress: true,
        timeout: 60_000,
      });
      // Progress still arriving well after the settings' total timeout would have cut the stream.
      await eventually(() => {
        const first = progressAt[0];
        return first !== undefined && (progressAt.at(-1) ?? 0) - first > TOTAL_TIMEOUT_MS * 2;
      });
      backend.releaseStreams();
      const result = await done;
      expect(result.content).toEqual([{ type: "text", text: "report complete" }]);
    } finally {
      await client.close();
    }
  }, 30_000);

  it("is cut at the total timeout on a resource without them (the default for ordinary routes)", async () => {
    const token = await issuer.mint({
      kind: "app",
      aud: apiAppId,
      roles: ["mcp.user"],
      clientAppId: user.clientId,
    });
    const post = (body: object, extra: Record<string, string> = {}) =>
      fetch(shortUrl, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...extra,
        },
        body: JSON.stringify({ jsonrpc: "2.0", ...body }),
      });
    const init = await post({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    expect(init.status).toBe(200);
    await init.text();
    const session = {
      "mcp-session-id": init.headers.get("mcp-session-id") ?? "",
      "mcp-protocol-version": "2025-06-18",
    };
    await (await post({ method: "notifications/initialized" }, session)).text();
    const started = Date.now();
    const stream = await post(
      { id: 2, method: "tools/call", params: { name: MCP_TOOLS.stream, _meta: { progressToken: "p" } } },
      session,
    );
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    // tollgate breaks the stream off at TOLLGATE_BACKEND_TIMEOUT_MS; the result never arrives.
    const text = await stream.text().catch((error: unknown) => `broken: ${String(error)}`);
    expect(text).not.toContain("report complete");
    expect(Date.now() - started).toBeGreaterThanOrEqual(TOTAL_TIMEOUT_MS - 100);
    backend.releaseStreams();
  }, 30_000);
});
