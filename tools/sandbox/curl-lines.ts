// The calls the sandbox prints. Tokens go into shell variables first so the curl lines stay
// readable; each comment says what the curl under it shows and ends in the status it gets (the
// sandbox test runs every line in one shell and checks that status).

import type { EntraIssuer } from "../loopback/entra-issuer.js";

export interface SandboxCall {
  says: string;
  command: string;
  status: number;
}

export interface SandboxScript {
  exports: string[];
  calls: SandboxCall[];
}

/** A tools/call as an MCP client POSTs it (revision 2025-11-25: the body says which tool). */
function toolCall(gateway: string, token: string, tool: string): string {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: tool, arguments: { id: "42" } },
  });
  return (
    `curl -s -i ${gateway}/mcp -H "Authorization: Bearer $${token}" -H "Content-Type: application/json" ` +
    `-H "Accept: application/json, text/event-stream" -H "MCP-Protocol-Version: 2025-11-25" -d '${body}'`
  );
}

export async function sandboxScript(
  gateway: string,
  issuer: EntraIssuer,
  mcpApi: string,
): Promise<SandboxScript> {
  const reader = await issuer.mint({ roles: ["reader"], scp: "access_as_user" });
  const admin = await issuer.mint({ roles: ["admin"], scp: "access_as_user" });
  const expired = await issuer.mint({
    roles: ["reader"],
    now: Math.floor(Date.now() / 1000) - 7200,
    lifetimeSeconds: 3600,
  });
  // What an MCP client gets with client credentials: an app token for the MCP API, with app roles.
  const mcpUser = await issuer.mint({ kind: "app", aud: mcpApi, roles: ["mcp.user"] });
  const mcpAdmin = await issuer.mint({ kind: "app", aud: mcpApi, roles: ["mcp.admin"] });
  const calls: SandboxCall[] = [
    {
      says: "A reader reads an order: allowed, and the backend echoes the identity tollgate attached",
      command: `curl -s -i ${gateway}/orders/42 -H "Authorization: Bearer $READER"`,
      status: 200,
    },
    {
      says: "The same reader tries the admin area: denied; WWW-Authenticate names the role needed",
      command: `curl -s -i ${gateway}/manage/users -H "Authorization: Bearer $READER"`,
      status: 403,
    },
    {
      says: "An admin manages: allowed",
      command: `curl -s -i ${gateway}/manage/users -H "Authorization: Bearer $ADMIN"`,
      status: 200,
    },
    { says: "No token at all", command: `curl -s -i ${gateway}/orders/42`, status: 401 },
    {
      says: "Four quick searches against a limit of three a minute: the last is refused with Retry-After",
      command: `for i in 1 2 3 4; do curl -s -o /dev/null -w "%{http_code}\\n" ${gateway}/search/tea -H "Authorization: Bearer $READER"; done`,
      status: 429,
    },
    {
      says: "An expired token: the problem body says when it expired",
      command: `curl -s -i ${gateway}/orders/42 -H "Authorization: Bearer $EXPIRED"`,
      status: 401,
    },
    {
      says: "The MCP server's protected-resource metadata (RFC 9728), public: where to get a token",
      command: `curl -s -i ${gateway}/.well-known/oauth-protected-resource/mcp`,
      status: 200,
    },
    {
      says: "An MCP client calls an allowed tool: the answer streams back as server-sent events",
      command: toolCall(gateway, "MCP_USER", "lookup_order"),
      status: 200,
    },
    {
      says: "The same client calls the admin-only tool: 403, with the scope and metadata to ask again",
      command: toolCall(gateway, "MCP_USER", "delete_order"),
      status: 403,
    },
    {
      says: "With the admin app role, the admin-only tool runs",
      command: toolCall(gateway, "MCP_ADMIN", "delete_order"),
      status: 200,
    },
  ];
  return {
    exports: [
      `export READER='${reader}'`,
      `export ADMIN='${admin}'`,
      `export EXPIRED='${expired}'`,
      `export MCP_USER='${mcpUser}'`,
      `export MCP_ADMIN='${mcpAdmin}'`,
    ],
    calls,
  };
}

export function printable(script: SandboxScript): string[] {
  return [
    "# Paste these into a shell: five tokens from the sandbox issuer (valid for an hour)…",
    ...script.exports,
    "",
    "# …then try the calls:",
    ...script.calls.flatMap((call) => [`# ${call.says} → ${call.status}`, call.command]),
  ];
}
