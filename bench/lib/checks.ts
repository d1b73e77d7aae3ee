// Before anything is measured: every target answers an allowed request, and the two gateways
// refuse what they should, so a fast number can never come from a check that was not made.

import type { EntraIssuer } from "../../tools/loopback/entra-issuer.js";
import type { ChildServer } from "./child-server.js";

async function status(url: string, token?: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: await response.text() };
}

/** How long a target may take to become ready before the run gives up on it. */
const READY_WITHIN_MS = 120_000;

export async function checkAllowed(
  name: string,
  url: string,
  token: string,
  server?: ChildServer,
): Promise<void> {
  // A target still loading its role map or tables answers 503 (a slow start on a busy machine,
  // or storage slow to answer its first read): wait for it to be ready, not for a duration.
  const deadline = Date.now() + READY_WITHIN_MS;
  let answer = await status(url, token);
  while (answer.status === 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    answer = await status(url, token);
  }
  if (answer.status !== 200) {
    throw new Error(
      `${name} answered ${answer.status} to an allowed request: ${answer.body}\n${server?.output() ?? ""}`,
    );
  }
}

export async function checkRefusals(
  name: string,
  url: string,
  issuer: EntraIssuer,
  role: string,
): Promise<void> {
  const cases: { what: string; token?: string; expect: number }[] = [
    { what: "no token", expect: 401 },
    {
      what: "another audience",
      token: await issuer.mint({ aud: "api://someone-else", roles: [role] }),
      expect: 401,
    },
    {
      what: "another tenant",
      token: await issuer.mint({ tid: crypto.randomUUID(), roles: [role] }),
      expect: 401,
    },
    {
      what: "expired",
      token: await issuer.mint({
        roles: [role],
        lifetimeSeconds: 60,
        now: Math.floor(Date.now() / 1000) - 7200,
      }),
      expect: 401,
    },
    { what: "without the role", token: await issuer.mint({ roles: [] }), expect: 403 },
  ];
  for (const c of cases) {
    const answer = await status(url, c.token);
    // Tenant refusals may be 401 or 403 depending on where a gateway checks: any refusal will do.
    const refused =
      c.what === "another tenant"
        ? answer.status === 401 || answer.status === 403
        : answer.status === c.expect;
    if (!refused)
      throw new Error(
        `${name} answered ${answer.status} to a request with ${c.what} (expected ${c.expect}): ${answer.body}`,
      );
  }
}
