// Protected resources and MCP-aware rules through the local host: the RFC 9728 metadata document,
// the challenges on a resource's routes, audiences narrowed per resource, tool-level rules under
// each MCP protocol revision, and what happens to bodies that are not one MCP message.

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAssertionKey } from "../../../shared/forward/assertion-keys.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { type LocalHost, startLocalHost } from "../../support/local-host.js";
import { pushWithCli } from "../../support/push-with-cli.js";

const MCP_MAX_BODY = 4096;
let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let host: LocalHost;
let env: Record<string, string>;
const apiAppId = randomUUID();
const otherAppId = randomUUID();

/** A loopback backend that keeps every body it receives, byte for byte. */
interface SeenBody {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
const received: SeenBody[] = [];
let backend: Server;
let backendUrl: string;
let releaseSse: (() => void) | undefined;

const push = (document: object) => pushWithCli(env, document);

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition not met in time");
}

const token = (roles: string[], aud = apiAppId) => issuer.mint({ kind: "app", aud, roles });

function rpc(method: string, params?: object, id: number | undefined = 1): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    ...(id !== undefined ? { id } : {}),
    method,
    ...(params ? { params } : {}),
  });
}

const toolCall = (name: string) => rpc("tools/call", { name, arguments: { id: "42" } });

function post(path: string, body: string, bearer?: string, headers: Record<string, string> = {}) {
  return fetch(`${host.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...headers,
    },
    body,
  });
}

const reasonOf = async (response: Response) => ((await response.json()) as { reason: string }).reason;
let metadataUrl: string;

beforeAll(async () => {
  backend = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/mcp") {
      // The server's own SSE stream: a keep-alive comment at once, an event only when released.
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(": keep-alive\n\n");
      releaseSse = () =>
        res.end('id: 1\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: { ...req.headers }, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const address = backend.address();
  if (address === null || typeof address === "string") throw new Error("no backend address");
  backendUrl = `http://127.0.0.1:${address.port}`;
  [azurite, issuer] = await Promise.all([startAzurite(), EntraIssuer.start()]);
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    // Both APIs are on the global allow-list: each resource narrows it on its own routes.
    TOLLGATE_AUDIENCES: `${apiAppId},${otherAppId}`,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backendUrl,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
    TOLLGATE_MCP_MAX_BODY_BYTES: String(MCP_MAX_BODY),
  };
  host = await startLocalHost(env);
  metadataUrl = `${host.url}/.well-known/oauth-protected-resource/mcp`;
  await push({
    version: 1,
    resources: {
      "orders-mcp": {
        url: `${host.url}/mcp`,
        audiences: [apiAppId],
        authorizationServers: [issuer.issuerV2(issuer.defaultTenant)],
        scopes: ["mcp.tools"],
        roles: ["mcp.admin"],
        name: "Orders MCP",
        documentation: "https://contoso.example/docs/orders-mcp",
      },
      "other-mcp": {
        url: `${host.url}/other-mcp`,
        audiences: [otherAppId],
        authorizationServers: [issuer.issuerV2(issuer.defaultTenant)],
      },
      // A resource at the root: its metadata has no path after the well-known segment.
      root: {
        url: host.url,
        audiences: [apiAppId],
        authorizationServers: [issuer.issuerV2("organizations")],
      },
    },
    rules: [
      {
        id: "admin-tools",
        methods: ["POST"],
        path: "/mcp",
        resource: "orders-mcp",
        mcp: { tools: ["delete_*"] },
        require: { roles: { anyOf: ["mcp.admin"] } },
      },
      {
        id: "other-tools",
        methods: ["POST"],
        path: "/mcp",
        resource: "orders-mcp",
        mcp: { methods: ["tools/call", "tools/list", "initialize"] },
      },
      {
        id: "other-mcp",
        methods: ["POST"],
        path: "/other-mcp",
        resource: "other-mcp",
        mcp: { methods: ["tools/list"] },
      },
      { id: "plain", methods: ["GET"], path: "/plain/**" },
      { id: "mcp-stream", methods: ["GET"], path: "/mcp", resource: "orders-mcp" },
      { id: "agents-only", methods: ["GET"], path: "/agents-only", agents: "only" },
      { id: "no-agents", methods: ["GET"], path: "/no-agents", agents: "deny" },
    ],
  });
  await eventually(async () => (await fetch(metadataUrl)).status === 200);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop()]);
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
});

describe("protected-resource metadata (RFC 9728)", () => {
  it("is served without a token at the path-inserted well-known URL, cacheable, with only RFC 9728 fields", async () => {
    const response = await fetch(metadataUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(await response.json()).toEqual({
      resource: `${host.url}/mcp`,
      authorization_servers: [issuer.issuerV2(issuer.defaultTenant)],
      scopes_supported: [`${host.url}/mcp/mcp.tools`, `${host.url}/mcp/.default`],
      bearer_methods_supported: ["header"],
      resource_name: "Orders MCP",
      resource_documentation: "https://contoso.example/docs/orders-mcp",
    });
  });

  it("a resource at the root is at /.well-known/oauth-protected-resource; empty fields are left out", async () => {
    const response = await fetch(`${host.url}/.well-known/oauth-protected-resource`);
    expect(await response.json()).toEqual({
      resource: host.url,
      authorization_servers: [issuer.issuerV2("organizations")],
      bearer_methods_supported: ["header"],
    });
  });

  it("an unknown resource's metadata is not invented: the path is an ordinary (refused) request", async () => {
    const response = await fetch(`${host.url}/.well-known/oauth-protected-resource/nothing-here`);
    expect(response.status).toBe(401);
  });
});

describe("challenges on a resource's routes", () => {
  it("401 without a token: no error, the metadata URL and the scope that would do", async () => {
    const response = await post("/mcp", toolCall("lookup_order"));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="tollgate", scope="${host.url}/mcp/mcp.tools", resource_metadata="${metadataUrl}"`,
    );
  });

  it("401 for a bad token: invalid_token plus the metadata URL", async () => {
    const expired = await issuer.mint({ kind: "app", aud: apiAppId, lifetimeSeconds: 60, now: 1_000_000 });
    const response = await post("/mcp", toolCall("lookup_order"), expired);
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${metadataUrl}"`);
  });

  it("403 insufficient_scope: the metadata, every scope the operation needs, and the description", async () => {
    const response = await post("/mcp", toolCall("delete_order"), await token([]));
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="tollgate", error="insufficient_scope", error_description="This request requires the role 'mcp.admin'.", scope="${host.url}/mcp/.default", resource_metadata="${metadataUrl}"`,
    );
  });

  it("routes outside every resource keep the plain challenge", async () => {
    const response = await fetch(`${host.url}/plain/x`);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tollgate"');
  });
});

describe("audiences per resource", () => {
  it("a token for another resource is refused here even though the global allow-list has its audience", async () => {
    const forOther = await token(["mcp.admin"], otherAppId);
    const response = await post("/mcp", rpc("tools/list"), forOther);
    expect(response.status).toBe(401);
    expect(await reasonOf(response)).toBe("audience_not_allowed");
    expect(response.headers.get("www-authenticate")).toContain(`resource_metadata="${metadataUrl}"`);
    // ...and accepted on its own resource's routes.
    expect((await post("/other-mcp", rpc("tools/list"), forOther)).status).toBe(200);
  });
});

describe.each([
  { revision: "2025-06-18", mirrored: false },
  { revision: "2025-11-25", mirrored: true },
  { revision: "2026-07-28", mirrored: true },
])("tool-level rules under protocol revision $revision", ({ revision, mirrored }) => {
  const headers = (method: string, name?: string): Record<string, string> => ({
    "mcp-protocol-version": revision,
    ...(mirrored ? { "mcp-method": method, ...(name ? { "mcp-name": name } : {}) } : {}),
  });

  it(`${mirrored ? "headers plus body" : "body only"}: the admin tool needs the role, others pass`, async () => {
    const none = await token([]);
    const refused = await post("/mcp", toolCall("delete_order"), none, headers("tools/call", "delete_order"));
    expect(refused.status).toBe(403);
    expect(await reasonOf(refused)).toBe("insufficient_scope");
    const allowed = await post("/mcp", toolCall("lookup_order"), none, headers("tools/call", "lookup_order"));
    expect(allowed.status).toBe(200);
    const admin = await post(
      "/mcp",
      toolCall("delete_order"),
      await token(["mcp.admin"]),
      headers("tools/call", "delete_order"),
    );
    expect(admin.status).toBe(200);
  });

  it("Mcp-Name naming another tool than the body is refused before any rule", async () => {
    const response = await post("/mcp", toolCall("delete_order"), await token(["mcp.admin"]), {
      "mcp-protocol-version": revision,
      "mcp-method": "tools/call",
      "mcp-name": "lookup_order",
    });
    expect(response.status).toBe(400);
    expect(await reasonOf(response)).toBe("mcp_header_mismatch");
  });
});

describe("the 2026-07-28 header mirroring", () => {
  it("is required under that revision: a tools/call without Mcp-Name is refused", async () => {
    const response = await post("/mcp", toolCall("lookup_order"), await token([]), {
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
    });
    expect(response.status).toBe(400);
    expect(await reasonOf(response)).toBe("mcp_header_mismatch");
  });

  it("Mcp-Method must name the body's method", async () => {
    const response = await post("/mcp", toolCall("delete_order"), await token([]), {
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/list",
      "mcp-name": "delete_order",
    });
    expect(await reasonOf(response)).toBe("mcp_header_mismatch");
  });
});

describe("bodies on MCP routes", () => {
  it("go to the backend byte for byte", async () => {
    const body = `{"jsonrpc":"2.0","id":7,  "method":"tools/call","params":{"name":"lookup_order","arguments":{"note":"caf\u00e9 \u2603"}}}`;
    const response = await post("/mcp", body, await token([]), {
      "mcp-session-id": "session-1",
      "mcp-protocol-version": "2025-11-25",
      "last-event-id": "stream-1:7",
    });
    expect(response.status).toBe(200);
    const seen = received.at(-1);
    expect(seen?.headers).toMatchObject({
      "mcp-session-id": "session-1",
      "mcp-protocol-version": "2025-11-25",
      "last-event-id": "stream-1:7",
    });
    expect(seen?.body.equals(Buffer.from(body, "utf8"))).toBe(true);
    expect(seen?.headers.authorization).toBeUndefined();
  });

  it.each([
    ["not JSON", "{not json", "mcp_body_malformed", 400],
    ["not JSON-RPC", '{"method":"tools/call"}', "mcp_body_malformed", 400],
    ["a tools/call without a name", rpc("tools/call", {}), "mcp_body_malformed", 400],
    ["a batch", `[${toolCall("lookup_order")}]`, "mcp_batch_unsupported", 400],
    ["over TOLLGATE_MCP_MAX_BODY_BYTES", toolCall("x".repeat(MCP_MAX_BODY)), "mcp_body_too_large", 413],
  ])("%s: refused with its reason, and the backend sees nothing", async (_what, body, reason, status) => {
    const before = received.length;
    const response = await post("/mcp", body, await token(["mcp.admin"]));
    expect(response.status).toBe(status);
    expect(await reasonOf(response)).toBe(reason);
    expect(received.length).toBe(before);
  });

  it("a POST that is not application/json is refused", async () => {
    const response = await post("/mcp", toolCall("lookup_order"), await token([]), {
      "content-type": "text/plain",
    });
    expect(response.status).toBe(400);
    expect(await reasonOf(response)).toBe("mcp_body_malformed");
  });

  it("a call no MCP rule matches falls through to the default rule (deny)", async () => {
    const response = await post(
      "/mcp",
      rpc("resources/read", { uri: "file:///etc/passwd" }),
      await token(["mcp.admin"]),
    );
    expect(response.status).toBe(403);
    expect(await reasonOf(response)).toBe("no_matching_rule");
  });
});

describe("Entra Agent ID callers", () => {
  const agentToken = () =>
    issuer.mint({
      kind: "app",
      aud: apiAppId,
      claims: { xms_act_fct: "3 9 11", xms_sub_fct: "9 3 11", xms_par_app_azp: randomUUID() },
    });
  const get = (path: string, bearer: string) =>
    fetch(`${host.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

  it("agents: only admits agent identities and nobody else", async () => {
    expect((await get("/agents-only", await agentToken())).status).toBe(200);
    const app = await get("/agents-only", await token([]));
    expect(app.status).toBe(403);
    expect(await reasonOf(app)).toBe("agent_required");
  });

  it("agents: deny keeps agent identities out and lets others in", async () => {
    const agent = await get("/no-agents", await agentToken());
    expect(agent.status).toBe(403);
    expect(await reasonOf(agent)).toBe("agent_not_allowed");
    expect((await get("/no-agents", await token([]))).status).toBe(200);
  });
});

describe("the server's SSE stream (GET)", () => {
  it("passes through unbuffered: the keep-alive comment arrives while the stream is still open", async () => {
    const response = await fetch(`${host.url}/mcp`, {
      headers: {
        authorization: `Bearer ${await token([])}`,
        accept: "text/event-stream",
        "last-event-id": "0",
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(": keep-alive\n\n");
    // Only now does the backend finish: the comment did not wait for the end of the stream.
    releaseSse?.();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(rest).toContain("notifications/tools/list_changed");
  });
});
