// Shadow policies across two gateway processes: a candidate that denies one route is pushed
// beside the live policy; callers get exactly the live answers, and afterwards `shadow-report`
// shows exactly the requests that differ, summed over both instances. Then promote and clear.

import { writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../tools/cli/run-cli.js";
import { eventually, type Stack, startStack } from "../../support/attack-stack.js";
import type { LocalHost } from "../../support/local-host.js";

const LIVE = {
  version: 1,
  rules: [
    {
      id: "orders-read",
      methods: ["GET"],
      path: "/orders/**",
      require: { roles: { anyOf: ["reader", "admin"] } },
    },
    { id: "manage", methods: ["*"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
  ],
};
/** The candidate: orders become admin-only. Everything else is as live. */
const CANDIDATE = {
  ...LIVE,
  rules: [{ ...LIVE.rules[0], require: { roles: { anyOf: ["admin"] } } }, LIVE.rules[1]],
};

let stack: Stack;
let dir: string;
let reader: string;
let admin: string;

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

async function file(name: string, document: object): Promise<string> {
  writeFileSync(join(dir, name), JSON.stringify(document));
  return name;
}

const call = async (host: LocalHost, path: string, token: string) => {
  const response = await fetch(`${host.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
};

async function startWithShadow(versionId: string): Promise<LocalHost> {
  const host = await stack.startHost();
  await eventually(
    () => host.output().includes(`shadow policy version ${versionId} loaded`),
    "the host loads the candidate",
  );
  return host;
}

beforeAll(async () => {
  stack = await startStack();
  dir = await mkdtemp(join(tmpdir(), "tollgate-shadow-"));
  await stack.push(LIVE);
  [reader, admin] = await Promise.all([
    stack.issuer.mint({ roles: ["reader"] }),
    stack.issuer.mint({ roles: ["admin"] }),
  ]);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a shadow candidate that denies one route", () => {
  let versionId: string;

  it("is stored beside the live policy by push --shadow", async () => {
    const pushed = await cli(["policy", "push", "--shadow", await file("candidate.json", CANDIDATE)]);
    expect(pushed.code, pushed.stderr).toBe(0);
    versionId = /Pushed shadow candidate version (\S+) /.exec(pushed.stdout)?.[1] ?? "";
    expect(versionId).not.toBe("");
    // The live policy is untouched.
    const live = JSON.parse((await cli(["policy", "show", "--json"])).stdout) as { document: typeof LIVE };
    expect(live.document.rules[0]?.require).toEqual({ roles: { anyOf: ["reader", "admin"] } });
  });

  it("changes nothing for callers on two instances, and shadow-report shows exactly the differing requests", async () => {
    const [a, b] = await Promise.all([startWithShadow(versionId), startWithShadow(versionId)]);
    const before = stack.backend.requests.length;
    const statuses = [
      ...(await Promise.all([1, 2, 3].map((n) => call(a, `/orders/${n}`, reader)))), // differ: 3
      ...(await Promise.all([1, 2].map((n) => call(b, `/orders/${n}`, reader)))), // differ: 2
      await call(a, "/orders/9", admin), // same in both
      await call(b, "/manage/users", admin), // same in both
      await call(a, "/manage/users", reader), // refused by both
      await call(b, "/reports/1", reader), // no rule in either
    ];
    // The live policy alone decided: readers read orders as before.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 403, 403]);
    expect(stack.backend.requests.length - before).toBe(7);

    // Counts are written at most once a minute, and at shutdown.
    await Promise.all([a.stop(), b.stop()]);
    const report = await cli(["policy", "shadow-report", "--json"]);
    expect(report.code, report.stderr).toBe(0);
    const parsed = JSON.parse(report.stdout) as { versionId: string; differences: number; counts: object[] };
    expect(parsed.versionId).toBe(versionId);
    expect(parsed.differences).toBe(5);
    expect(parsed.counts).toEqual([
      expect.objectContaining({
        liveOutcome: "allow",
        shadowOutcome: "deny:insufficient_scope",
        liveRule: "orders-read",
        shadowRule: "orders-read",
        count: 5,
      }),
    ]);

    const text = await cli(["policy", "shadow-report"]);
    expect(text.stdout).toContain("5 request(s) decided differently since");
    expect(text.stdout).toMatch(/\n5 {6}allow {9}deny:insufficient_scope {2}orders-read {2}orders-read\n$/);
  });

  it("promote is ETag-guarded: a stale --if-version changes nothing", async () => {
    const result = await cli(["policy", "promote", "--if-version", "20200101T000000000Z-deadbeef"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Not promoted: the current policy version is /);
    expect((await cli(["policy", "shadow-report", "--json"])).code).toBe(0);
  });

  it("promote makes the candidate live and removes it as the shadow", async () => {
    const result = await cli(["policy", "promote"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^Promoted shadow candidate ${versionId}: live policy version \\S+\\.\\n$`),
    );
    const host = await stack.startHost();
    expect(await call(host, "/orders/1", reader)).toBe(403);
    expect(await call(host, "/orders/1", admin)).toBe(200);
    expect((await cli(["policy", "shadow-report"])).stderr).toContain("No shadow candidate");
  });
});

describe("policy shadow --clear", () => {
  it("removes the candidate, and instances stop evaluating it", async () => {
    const pushed = await cli(["policy", "push", "--shadow", await file("again.json", LIVE)]);
    const versionId = /Pushed shadow candidate version (\S+) /.exec(pushed.stdout)?.[1] ?? "";
    const host = await startWithShadow(versionId);
    const cleared = await cli(["policy", "shadow", "--clear"]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(new RegExp(`^Cleared shadow candidate ${versionId};`));
    await eventually(() => host.output().includes("shadow policy cleared"), "the host drops the candidate");
    expect((await cli(["policy", "shadow-report", "--json"])).stdout).toBe("null\n");
  });
});
