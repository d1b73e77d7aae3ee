// The MCP part of the attack corpus: requests over raw sockets to a running local host whose role
// map lets anyone list and call `lookup_order` but only admins call `delete_*`. Each row tries to
// get `delete_order` run by a caller without the role (or to get past the resource's audience),
// by making tollgate and the MCP server read the message differently. None may reach the backend.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, type Stack, startStack } from "../support/attack-stack.js";
import type { LocalHost } from "../support/local-host.js";
import { type HeaderList, reasonOf, sendRaw } from "./raw-http.js";

const MCP_API = randomUUID();
let stack: Stack;
let host: LocalHost;
let user: string;

const POLICY = () => ({
  version: 1,
  resources: {
    "orders-mcp": {
      url: "https://mcp.contoso.example/mcp",
      audiences: [MCP_API],
      authorizationServers: [stack.issuer.issuerV2(stack.issuer.defaultTenant)],
      roles: ["mcp.admin"],
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
      id: "mcp",
      methods: ["POST"],
      path: "/mcp",
      resource: "orders-mcp",
      mcp: { methods: ["tools/call", "tools/list"] },
    },
  ],
});

type Row = [attack: string, body: string | Buffer, headers: HeaderList, status: number, reason: string];

const JSON_TYPE: HeaderList = [["Content-Type", "application/json"]];
const MESSAGE = (params: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`;

const ROWS: Row[] = [
  [
    "the tool name twice (JSON.parse keeps the last, others the first)",
    MESSAGE('{"name":"delete_order","name":"lookup_order"}'),
    JSON_TYPE,
    400,
    "mcp_body_malformed",
  ],
  [
    "the tool name twice, one escaped",
    MESSAGE('{"name":"delete_order","\\u006eame":"lookup_order"}'),
    JSON_TYPE,
    400,
    "mcp_body_malformed",
  ],
  [
    "the method twice",
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"delete_order"}}',
    JSON_TYPE,
    400,
    "mcp_body_malformed",
  ],
  [
    "'Name' beside 'name' for a case-insensitive binder",
    MESSAGE('{"Name":"delete_order","name":"lookup_order"}'),
    JSON_TYPE,
    400,
    "mcp_body_malformed",
  ],
  [
    "a batch hiding the admin call second",
    `[${MESSAGE('{"name":"lookup_order"}')},${MESSAGE('{"name":"delete_order"}')}]`,
    JSON_TYPE,
    400,
    "mcp_batch_unsupported",
  ],
  [
    "Mcp-Name says an allowed tool, the body the admin tool",
    MESSAGE('{"name":"delete_order"}'),
    [...JSON_TYPE, ["Mcp-Method", "tools/call"], ["Mcp-Name", "lookup_order"]],
    400,
    "mcp_header_mismatch",
  ],
  [
    "the body sent as text/plain (a backend may still parse it)",
    MESSAGE('{"name":"delete_order"}'),
    [["Content-Type", "text/plain"]],
    400,
    "mcp_body_malformed",
  ],
  ["no Content-Type", MESSAGE('{"name":"delete_order"}'), [], 400, "mcp_body_malformed"],
  [
    "a UTF-8 BOM before the message (still read as the admin call)",
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MESSAGE('{"name":"delete_order"}'))]),
    JSON_TYPE,
    403,
    "insufficient_scope",
  ],
  [
    "a body larger than the MCP limit",
    MESSAGE(`{"name":"delete_order","arguments":{"pad":"${"x".repeat(5000)}"}}`),
    JSON_TYPE,
    413,
    "mcp_body_too_large",
  ],
  [
    "the admin tool without the role",
    MESSAGE('{"name":"delete_order"}'),
    JSON_TYPE,
    403,
    "insufficient_scope",
  ],
];

beforeAll(async () => {
  stack = await startStack({
    TOLLGATE_AUDIENCES: `${AUDIENCE},${MCP_API}`,
    TOLLGATE_MCP_MAX_BODY_BYTES: "4096",
  });
  await stack.push(POLICY());
  host = await stack.startHost();
  user = await stack.issuer.mint({ kind: "app", aud: MCP_API, roles: [] });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe("MCP message confusion", () => {
  const named = ROWS.map(([attack, body, headers, status, reason]) => ({
    attack,
    body,
    headers,
    status,
    reason,
  }));
  it.each(named)("$attack → $status $reason", async ({ body, headers, status, reason }) => {
    const before = stack.backend.requests.length;
    const answer = await sendRaw(host.url, {
      method: "POST",
      target: "/mcp",
      headers: [
        ["Authorization", `Bearer ${user}`],
        ...headers,
        ["Content-Length", String(Buffer.byteLength(body))],
      ],
      body,
    });
    expect({ status: answer.status, reason: reasonOf(answer) }).toEqual({ status, reason });
    expect(stack.backend.requests.length, "a refused request reached the backend").toBe(before);
  });

  it("an allowed tool call does reach the backend (the rows above are refusals, not an outage)", async () => {
    const body = MESSAGE('{"name":"lookup_order"}');
    const answer = await sendRaw(host.url, {
      method: "POST",
      target: "/mcp",
      headers: [["Authorization", `Bearer ${user}`], ...JSON_TYPE, ["Content-Length", String(body.length)]],
      body,
    });
    expect(answer.status).toBe(200);
  });

  it("a token for the global allow-list's other audience is refused on the resource's routes", async () => {
    const other = await stack.issuer.mint({ kind: "app", aud: AUDIENCE, roles: ["mcp.admin"] });
    const body = MESSAGE('{"name":"delete_order"}');
    const answer = await sendRaw(host.url, {
      method: "POST",
      target: "/mcp",
      headers: [["Authorization", `Bearer ${other}`], ...JSON_TYPE, ["Content-Length", String(body.length)]],
      body,
    });
    expect({ status: answer.status, reason: reasonOf(answer) }).toEqual({
      status: 401,
      reason: "audience_not_allowed",
    });
    expect(answer.headers["www-authenticate"]).toContain(
      'resource_metadata="https://mcp.contoso.example/.well-known/oauth-protected-resource/mcp"',
    );
  });
});
