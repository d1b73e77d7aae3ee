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

export async function sandboxScript(gateway: string, issuer: EntraIssuer): Promise<SandboxScript> {
  const reader = await issuer.mint({ roles: ["reader"], scp: "access_as_user" });
  const admin = await issuer.mint({ roles: ["admin"], scp: "access_as_user" });
  const expired = await issuer.mint({
    roles: ["reader"],
    now: Math.floor(Date.now() / 1000) - 7200,
    lifetimeSeconds: 3600,
  });
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
  ];
  return {
    exports: [`export READER='${reader}'`, `export ADMIN='${admin}'`, `export EXPIRED='${expired}'`],
    calls,
  };
}

export function printable(script: SandboxScript): string[] {
  return [
    "# Paste these into a shell: three tokens from the sandbox issuer (valid for an hour)…",
    ...script.exports,
    "",
    "# …then try the calls:",
    ...script.calls.flatMap((call) => [`# ${call.says} → ${call.status}`, call.command]),
  ];
}
