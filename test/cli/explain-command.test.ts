// `tollgate explain` against a running gateway: the gateway integration suite's refusals and its
// allowed call, each sent to a local host and explained with --token and with --claims; explain
// must name the gateway's status, reason and challenge. The host runs with TOLLGATE_DEBUG_TRACE,
// whose log line must hold the same rules as explain, and never the token.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../tools/cli/run-cli.js";
import { decoded } from "../security/forge.js";
import { type Stack, startStack } from "../support/attack-stack.js";
import type { LocalHost } from "../support/local-host.js";

const POLICY = {
  version: 1,
  rateLimits: { tight: { requests: 2, window: "1h", key: ["objectId"] } },
  rules: [
    { id: "search", methods: ["GET"], path: "/search/**", rateLimit: "tight" },
    {
      id: "orders-read",
      methods: ["GET"],
      path: "/orders/**",
      require: { roles: { anyOf: ["reader", "admin"] } },
    },
    {
      id: "orders-write",
      methods: ["POST", "PUT"],
      path: "/orders/**",
      require: { roles: { anyOf: ["admin"] } },
    },
    { id: "manage", methods: ["*"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
    { id: "status", methods: ["GET"], path: "/status", public: true },
  ],
};

let stack: Stack;
let host: LocalHost;
let dir: string;
let reader: string;
let expired: string;

interface Row {
  name: string;
  method: string;
  path: string;
  token: () => string;
}
const ROWS: Row[] = [
  { name: "an allowed call", method: "GET", path: "/orders/42?expand=lines", token: () => reader },
  { name: "an expired token", method: "GET", path: "/orders/42", token: () => expired },
  { name: "a reader on the admin area", method: "GET", path: "/manage/users", token: () => reader },
  { name: "a reader writing an order", method: "POST", path: "/orders/7", token: () => reader },
  { name: "a path no rule names", method: "GET", path: "/reports/2026", token: () => reader },
  { name: "a public route (the token is not read)", method: "GET", path: "/status", token: () => expired },
  {
    name: "a rate-limited route (not charged by explain)",
    method: "GET",
    path: "/search/x",
    token: () => reader,
  },
];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env: stack.env,
    cwd: dir,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  stack = await startStack();
  await stack.push(POLICY);
  host = await stack.startHost({ TOLLGATE_DEBUG_TRACE: "true" });
  dir = mkdtempSync(join(tmpdir(), "tollgate-explain-"));
  reader = await stack.issuer.mint({ roles: ["reader"] });
  expired = await stack.issuer.mint({ now: Math.floor(Date.now() / 1000) - 7200, lifetimeSeconds: 3600 });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe.each(ROWS)("$name", (row) => {
  it("explain --token and --claims answer as the gateway did", async () => {
    const response = await fetch(`${host.url}${row.path}`, {
      method: row.method,
      headers: { authorization: `Bearer ${row.token()}` },
    });
    const body = response.status >= 300 ? ((await response.json()) as { reason: string }) : undefined;
    await response.body?.cancel().catch(() => undefined);
    const gateway =
      response.status < 300
        ? { outcome: "allow" }
        : {
            outcome: "deny",
            status: response.status,
            reason: body?.reason,
            challenge: response.headers.get("www-authenticate"),
          };

    const claimsFile = join(dir, `${row.name.replace(/\W+/g, "-")}.json`);
    writeFileSync(claimsFile, JSON.stringify(decoded(row.token(), "payload")));
    for (const credential of [
      ["--token", row.token()],
      ["--claims", claimsFile],
    ]) {
      const { code, stdout } = await cli([
        "explain",
        "--json",
        "--method",
        row.method,
        "--path",
        row.path,
        ...credential,
      ]);
      const explained = JSON.parse(stdout) as Record<string, unknown>;
      const verdict =
        explained.outcome === "allow"
          ? { outcome: "allow" }
          : {
              outcome: explained.outcome,
              status: explained.status,
              reason: explained.reason,
              challenge: explained.challenge,
            };
      expect(verdict, `explain ${credential[0]}`).toEqual(gateway);
      expect(code).toBe(response.status < 300 ? 0 : 1);
      expect(stdout).not.toContain(row.token());
    }
  });
});

describe("the text explanation", () => {
  it("walks the token checks, the rules tried, the requirement tree and the challenge", async () => {
    const { code, stdout, stderr } = await cli(["explain", "--path", "/manage/users", "--token", reader]);
    expect(code, stderr).toBe(1);
    expect(stdout).toContain("token checks:\n  ok     authorization header\n  ok     shape\n");
    expect(stdout).toContain("  ok     signature\n");
    expect(stdout).toContain("  rule 'search': skipped, the path does not match its pattern\n");
    expect(stdout).toContain("  rule 'orders-write': skipped, the method is not one it lists\n");
    expect(stdout).toContain("  rule 'manage': matched\n");
    expect(stdout).toContain("requirement of 'manage':\n  not met roles: needs the role 'admin'\n");
    expect(stdout).toContain("result: deny 403 insufficient_scope\n");
    expect(stdout).toMatch(
      /WWW-Authenticate: Bearer realm="tollgate", error="insufficient_scope".*scope="admin"/,
    );
    expect(stdout).not.toContain(reader);
    expect(stdout).not.toContain(reader.split(".")[2]);
  });

  it("says a public rule decided without reading the token", async () => {
    const { code, stdout } = await cli(["explain", "--path", "/status", "--token", expired]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("token checks:");
    expect(stdout).toContain("  rule 'status': matched, public: no token needed, none read\n");
    expect(stdout).toMatch(/result: allow, would be forwarded to /);
  });

  it("--token - reads the token from standard input, so it is not an argument", async () => {
    let stdout = "";
    const code = await runCli(["explain", "--json", "--path", "/manage/users", "--token", "-"], {
      env: stack.env,
      cwd: dir,
      stdin: [`${reader}\n`],
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 403, reason: "insufficient_scope", ruleId: "manage" });
    expect(stdout).not.toContain(reader);
  });

  it("names the check a bad token failed, and the rate limit an allowed call would be charged", async () => {
    const refused = await cli(["explain", "--path", "/orders/1", "--token", expired]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/ {2}FAILED lifetime: The token expired at /);
    expect(refused.stdout).toContain("result: deny 401 token_expired\n");

    const allowed = await cli(["explain", "--path", "/search/x", "--token", reader]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("rate limit: 'tight' (2 requests per 3600 s) would be charged\n");
    expect(allowed.stdout).toMatch(/result: allow, would be forwarded to http:\/\/127\.0\.0\.1:\d+\n/);
  });

  it("says when the token could not be verified because the key sources did not answer", async () => {
    let stdout = "";
    writeFileSync(join(dir, "keyless-policy.json"), JSON.stringify(POLICY));
    const args = ["explain", "--path", "/orders/1", "--token", reader, "--policy", "keyless-policy.json"];
    const code = await runCli(args, {
      // Tables with no key snapshot (another prefix), and an authority nobody answers for.
      env: {
        ...stack.env,
        TOLLGATE_TABLE_PREFIX: "nokeys",
        TOLLGATE_AUTHORITY: "http://127.0.0.1:9",
        TOLLGATE_KEYS_FETCH_TIMEOUT_MS: "500",
      },
      cwd: dir,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    });
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/ {2}FAILED key source: Signing keys for .* could not be loaded/);
    expect(stdout).toContain("result: error 503 keys_unavailable\n");
    expect(stdout).toContain(
      "The token could not be verified: the live key sources (Table snapshot, Entra) did not answer.",
    );
  });

  it("--claims says which checks it could not run, and works from a policy file", async () => {
    const claims = join(dir, "reader-claims.json");
    writeFileSync(claims, JSON.stringify(decoded(reader, "payload")));
    writeFileSync(
      join(dir, "policy.json"),
      JSON.stringify({ ...POLICY, rules: [{ id: "all", methods: ["*"], path: "/**" }] }),
    );
    const { code, stdout } = await cli([
      "explain",
      "--path",
      "/manage/users",
      "--claims",
      claims,
      "--policy",
      "policy.json",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "claim checks (no token: its shape, header, issuer metadata, keys and signature not checked):\n",
    );
    expect(stdout).toContain("rules (policy.json):\n  rule 'all': matched\n");
    expect(stdout).toContain("requirement of 'all': none (any authenticated caller)\n");
  });
});

describe("TOLLGATE_DEBUG_TRACE", () => {
  it("logs the request's trace by trace id, and never the token", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    // A token this host has not verified yet, so every check runs (a repeat hits the token cache).
    const fresh = await stack.issuer.mint({ roles: ["reader"] });
    const response = await fetch(`${host.url}/manage/users`, {
      headers: { authorization: `Bearer ${fresh}`, traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    expect(response.status).toBe(403);
    const line = await waitForLine(host, `decision trace ${traceId} `);
    const trace = JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>;
    expect(trace).toMatchObject({
      status: 403,
      reason: "insufficient_scope",
      ruleId: "manage",
      rules: [
        { ruleId: "search", matched: false, skipped: "path" },
        { ruleId: "orders-read", matched: false, skipped: "path" },
        { ruleId: "orders-write", matched: false, skipped: "method" },
        { ruleId: "manage", matched: true },
      ],
      requirement: [{ node: "roles", met: false }],
    });
    expect(trace.tokenChecks).toContain("signature");
    expect(host.output()).not.toContain(fresh.split(".")[2]);
    expect(host.output()).not.toContain(fresh.split(".")[1]);
    expect(await response.text()).not.toContain("orders-write");
  });

  it("is off by default: no trace line from a host without the setting", async () => {
    const plain = await stack.startHost();
    const response = await fetch(`${plain.url}/manage/users`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(response.status).toBe(403);
    // The decision is made by the time the answer is here; its log line would precede it.
    await waitForLine(plain, "role map version");
    expect(plain.output()).not.toContain("decision trace");
  });
});

async function waitForLine(target: LocalHost, start: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = target
      .output()
      .split("\n")
      .find((l) => l.includes(start));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no log line with '${start}' in:\n${target.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
