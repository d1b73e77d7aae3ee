// `tollgate policy test` and the bundled tests `policy push` runs first: the demo policy's own
// tests pass; a wrong expectation fails naming the case, the expected and the actual outcome;
// a push whose bundled tests fail stores nothing (Azurite) unless --skip-tests says so.

import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../tools/cli/run-cli.js";
import { type AzuriteHandle, startAzurite } from "../../tools/loopback/azurite.js";

const SANDBOX = fileURLToPath(new URL("../../tools/sandbox/", import.meta.url));

let azurite: AzuriteHandle;
let dir: string;
let env: Record<string, string>;

async function run(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  azurite = await startAzurite();
  dir = await mkdtemp(join(tmpdir(), "tollgate-policy-test-"));
  env = { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: "policytest" };
  await copyFile(join(SANDBOX, "demo-policy.yaml"), join(dir, "demo-policy.yaml"));
});

afterAll(async () => {
  await azurite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The demo tests with the reader's PUT expected to pass: a broken expectation. */
async function brokenTests(): Promise<string> {
  const text = await readFile(join(SANDBOX, "demo-policy.tests.yaml"), "utf8");
  const broken = text.replace(
    "expect: { outcome: deny, status: 403, reason: insufficient_scope, rule: orders-write, scope: admin }",
    "expect: { outcome: allow, rule: orders-write }",
  );
  expect(broken).not.toBe(text);
  return broken;
}

describe("tollgate policy test", () => {
  it("the demo policy's tests pass", async () => {
    const result = await run(["policy", "test", "demo-policy.tests.yaml"], SANDBOX);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^demo-policy\.tests\.yaml against demo-policy\.yaml\n/);
    expect(result.stdout).toContain("  ✓ a reader cannot change an order, and is told which role would\n");
    expect(result.stdout).toMatch(/\n(\d{2,}) passed, 0 failed\n$/);
  });

  it("a broken expectation fails, naming the case, the expected and the actual outcome", async () => {
    await writeFile(join(dir, "broken.tests.yaml"), await brokenTests());
    const result = await run(["policy", "test", "broken.tests.yaml", "--policy", "demo-policy.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "  ✗ a reader cannot change an order, and is told which role would\n" +
        "      expected: allow, rule orders-write\n" +
        "      actual:   deny 403 insufficient_scope, rule orders-write, scope admin\n" +
        "      (This request requires the role 'admin'.)\n",
    );
    expect(result.stdout).toMatch(/\n\d+ passed, 1 failed\n$/);
  });

  it("--json gives each case with its expected and actual outcome", async () => {
    const result = await run([
      "policy",
      "test",
      "broken.tests.yaml",
      "--policy",
      "demo-policy.yaml",
      "--json",
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      failed: number;
      cases: { name: string; passed: boolean; actual: object }[];
    };
    expect(report.failed).toBe(1);
    expect(report.cases.find((c) => !c.passed)).toEqual(
      expect.objectContaining({
        name: "a reader cannot change an order, and is told which role would",
        actual: {
          outcome: "deny",
          status: 403,
          reason: "insufficient_scope",
          rule: "orders-write",
          scope: "admin",
        },
      }),
    );
  });

  it("a tests file with a mistake is refused with the field it is in", async () => {
    await writeFile(
      join(dir, "typo.tests.yaml"),
      "cases:\n  - name: x\n    request: { path: /orders/1 }\n    principal: ghost\n    expect: { outcome: allow }\n",
    );
    const result = await run(["policy", "test", "typo.tests.yaml", "--policy", "demo-policy.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'x' names principal 'ghost', which 'principals' does not define");
  });
});

describe("policy push runs the bundled tests", () => {
  it("refuses a policy whose bundled tests fail, and stores nothing", async () => {
    await writeFile(join(dir, "demo-policy.tests.yaml"), await brokenTests());
    const result = await run(["policy", "push", "demo-policy.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("demo-policy.tests.yaml: the policy's bundled tests fail:\n");
    expect(result.stderr).toContain("Nothing was pushed (--skip-tests pushes anyway).\n");
    const shown = await run(["policy", "show"]);
    expect(shown.stderr).toBe("No policy has been pushed yet.\n");
  });

  it("--skip-tests pushes anyway, and says the tests were not run", async () => {
    const result = await run(["policy", "push", "demo-policy.yaml", "--skip-tests"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("warning: demo-policy.tests.yaml not run (--skip-tests).\n");
    expect(result.stdout).toMatch(/^Pushed policy version /);
  });

  it("pushes when the bundled tests pass, saying how many ran", async () => {
    await copyFile(join(SANDBOX, "demo-policy.tests.yaml"), join(dir, "demo-policy.tests.yaml"));
    // A change the tests do not contradict: an open status route.
    const demo = await readFile(join(dir, "demo-policy.yaml"), "utf8");
    await writeFile(
      join(dir, "demo-policy.yaml"),
      `${demo}  - { id: status, methods: [GET], path: /status }\n`,
    );
    const result = await run(["policy", "push", "demo-policy.yaml"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^demo-policy\.tests\.yaml: \d+ passed\nPushed policy version /);
  });
});
