import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesFromEnv } from "../../tools/cli/cli-storage.js";
import { runCli } from "../../tools/cli/run-cli.js";
import { type AzuriteHandle, DEVSTORE_ACCOUNT_KEY, startAzurite } from "../../tools/loopback/azurite.js";
import { freePort } from "../../tools/loopback/ports.js";

const GOOD = `# The orders API
version: 1
backends:
  orders: { url: "http://127.0.0.1:7071" }
rules:
  - id: orders-read
    methods: [GET]
    path: /orders/**
    require:
      anyOf:
        - roles: { anyOf: [reader] }
        - scopes: { anyOf: [Orders.Read] }
    backend: orders
  - id: host-admin
    methods: ["*"]
    path: /admin/**
`;

const CHANGED = GOOD.replace("roles: { anyOf: [reader] }", "roles: { anyOf: [reader, auditor] }");

const BAD = `version: 1
rules:
  - id: orders-read
    methods: [get]
    path: /orders/**
    require:
      anyOf:
        - roles: { anyof: [reader] }
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("tollgate policy (runCli) against Azurite", () => {
  let azurite: AzuriteHandle;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(join(tmpdir(), "tollgate-cli-"));
    await writeFile(join(dir, "good.yaml"), GOOD);
    await writeFile(join(dir, "changed.yaml"), CHANGED);
    await writeFile(join(dir, "bad.yaml"), BAD);
    env = { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: "clitest" };
  });

  afterAll(async () => {
    await azurite?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[], runEnv: Record<string, string | undefined> = env): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      env: runEnv,
      cwd: dir,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }

  it("validate: a good file passes with its warnings", async () => {
    const result = await run(["policy", "validate", "good.yaml"]);
    expect(result).toEqual({
      code: 0,
      stdout: "good.yaml: valid (2 rules)\n",
      stderr:
        "good.yaml: warning: rules[1] (host-admin): path '/admin/**' is under /admin, which the Azure Functions host " +
        "keeps for itself (even with an empty route prefix); such requests never reach tollgate\n",
    });
  });

  it("validate under TOLLGATE_TENANTS=*: warns about role and scope rules with no tenant condition", async () => {
    await writeFile(
      join(dir, "any-tenant.yaml"),
      `version: 1
rules:
  - id: roles-only
    methods: [GET]
    path: /orders/**
    require: { roles: { anyOf: [admin] } }
  - id: pinned
    methods: [POST]
    path: /orders/**
    require:
      allOf:
        - tenants: [72f988bf-86f1-41af-91ab-2d7cd011db47]
        - scopes: { anyOf: [Orders.Write] }
  - id: one-branch-open
    methods: [DELETE]
    path: /orders/**
    require:
      anyOf:
        - tenants: [72f988bf-86f1-41af-91ab-2d7cd011db47]
        - scopes: { anyOf: [Orders.Delete] }
  - id: any-caller
    methods: [PUT]
    path: /orders/**
`,
    );
    const warning = (rule: string) =>
      `any-tenant.yaml: warning: ${rule} requires roles or scopes but no tenant: with TOLLGATE_TENANTS=* any ` +
      "tenant's administrator can grant them in their own tenant; add 'tenants: [...]' under 'allOf'\n";
    expect(await run(["policy", "validate", "any-tenant.yaml"], { ...env, TOLLGATE_TENANTS: "*" })).toEqual({
      code: 0,
      stdout: "any-tenant.yaml: valid (4 rules)\n",
      stderr: warning("rules[0] (roles-only)") + warning("rules[2] (one-branch-open)"),
    });
    // A listed tenant cannot be joined at will: no such warning.
    const listed = await run(["policy", "validate", "any-tenant.yaml"], {
      ...env,
      TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    });
    expect(listed.stderr).toBe("");
  });

  it("validate: a bad file fails with every error and the field it is in", async () => {
    const result = await run(["policy", "validate", "bad.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        "bad.yaml: not a valid policy (2 errors):",
        "  rules[0].methods[0]: 'get' must be upper-case ('GET'): HTTP methods are case-sensitive",
        "  rules[0].require.anyOf[0].roles: unknown key 'anyof' (did you mean 'anyOf'?)",
        "",
      ].join("\n"),
    );
  });

  it("push, show, diff: the whole round", async () => {
    // Nothing stored yet.
    expect(await run(["policy", "show"])).toMatchObject({
      code: 1,
      stderr: "No policy has been pushed yet.\n",
    });
    const firstDiff = await run(["policy", "diff", "good.yaml"]);
    expect(firstDiff.code).toBe(1);
    expect(firstDiff.stdout).toMatch(
      /^--- stored \(no policy yet\)\n\+\+\+ good\.yaml\n@@ -0,0 \+1,\d+ @@\n\+\{/,
    );

    // A bad file writes nothing.
    const badPush = await run(["policy", "push", "bad.yaml"]);
    expect(badPush.code).toBe(1);
    expect(badPush.stderr).toMatch(/Nothing was pushed\.\n$/);
    expect((await run(["policy", "show"])).code).toBe(1);

    const push = await run(["policy", "push", "good.yaml"]);
    expect(push.code).toBe(0);
    const versionId = /Pushed policy version (\S+) /.exec(push.stdout)?.[1] as string;
    expect(versionId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    expect(await run(["policy", "push", "good.yaml"])).toMatchObject({
      code: 0,
      stdout: `Unchanged: the stored policy (version ${versionId}) is already this document.\n`,
    });

    const show = await run(["policy", "show"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`# version   ${versionId}\n`);
    expect(show.stdout).toContain("# rules     2\n");
    expect(show.stdout).toContain("# warning: rules[1] (host-admin)");
    expect(show.stdout).toContain("    path: /orders/**\n");

    const json = await run(["policy", "show", "--json"]);
    const shown = JSON.parse(json.stdout);
    expect(shown).toMatchObject({
      versionId,
      valid: true,
      document: { version: 1, rules: [{ id: "orders-read" }, {}] },
    });
    expect(shown.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof shown.updatedBy).toBe("string");

    expect(await run(["policy", "diff", "good.yaml"])).toMatchObject({
      code: 0,
      stdout: `No differences: good.yaml is the stored policy (version ${versionId}).\n`,
    });
    const diff = await run(["policy", "diff", "changed.yaml"]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`--- stored (version ${versionId})\n+++ changed.yaml\n`);
    expect(diff.stdout).toContain(
      '-                "reader"\n+                "reader",\n+                "auditor"\n',
    );

    // --if-version guards against pushing over someone else's change.
    const pushed = await run(["policy", "push", "changed.yaml", "--if-version", versionId]);
    expect(pushed.code).toBe(0);
    const stale = await run(["policy", "push", "good.yaml", "--if-version", versionId]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /^Not pushed: the current policy version is \S+, not \S+; diff again before pushing\.$/m,
    );
  });

  it("says what is missing from the environment, without echoing secrets", async () => {
    const result = await run(["policy", "show"], {});
    expect(result.code).toBe(2);
    // The same schema and messages as the gateway's settings, each with an example.
    expect(result.stderr).toMatch(/^TOLLGATE_STORAGE is required \(or set AzureWebJobsStorage\)\. Example: /);
    const prefix = await run(["policy", "show"], { ...env, TOLLGATE_TABLE_PREFIX: "a-b" });
    expect(prefix).toMatchObject({ code: 2 });
    expect(prefix.stderr).toMatch(/^TOLLGATE_TABLE_PREFIX 'a-b' must be .* Example: TOLLGATE_TABLE_PREFIX=/);
    const secret = "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1ub3QtbGVhaw==";
    const garbled = await run(["policy", "show"], { TOLLGATE_STORAGE: `AccountKey=${secret}` });
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toMatch(/^TOLLGATE_STORAGE is neither a storage connection string/);
    expect(garbled.stderr).not.toContain(secret);
    // AzureWebJobsStorage is the fallback the Functions host uses too.
    expect((await run(["policy", "show"], { AzureWebJobsStorage: azurite.connectionString })).code).toBe(1);
  });

  it.each([
    ["a word", "garbage", "TOLLGATE_STORAGE is neither a storage connection string nor a table endpoint URL"],
    ["an account name alone", "AccountName=x;AccountKey=c2VjcmV0", "TOLLGATE_STORAGE is neither"],
    ["a URL without a host", "https://", "TOLLGATE_STORAGE is not a valid table endpoint URL"],
  ])(
    "answers a malformed TOLLGATE_STORAGE (%s) with a message, not a stack trace",
    async (_, value, message) => {
      const result = await run(["policy", "show"], { TOLLGATE_STORAGE: value });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at |TypeError|c2VjcmV0/);
    },
  );

  it("reads the identity-based AzureWebJobsStorage__accountName as the Functions host does", () => {
    const { tables } = tablesFromEnv({ AzureWebJobsStorage__accountName: "acct" });
    const client = tables("tollgatePolicy");
    expect([client.url, client.tableName]).toEqual(["https://acct.table.core.windows.net", "tollgatePolicy"]);
  });

  it("exits 3 when storage cannot be reached, and the message holds no account key", async () => {
    const port = await freePort();
    const down =
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEVSTORE_ACCOUNT_KEY};` +
      `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const result = await run(["policy", "show"], { TOLLGATE_STORAGE: down });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^The policy table could not be used: /);
    expect(result.stderr).not.toContain(DEVSTORE_ACCOUNT_KEY);
  });

  it("answers usage mistakes with exit 2 and the usage text", async () => {
    for (const args of [
      [],
      ["policy"],
      ["policy", "publish", "good.yaml"],
      ["policy", "validate"],
      ["policy", "show", "extra"],
      ["policy", "validate", "good.yaml", "--json"],
      ["policy", "validate", "good.yaml", "--format", "toml"],
      ["policy", "show", "--nope"],
      ["orders"],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout + result.stderr, args.join(" ")).toContain("Usage: tollgate policy <command>");
    }
    expect(await run(["--help"])).toMatchObject({ code: 0 });
    expect(await run(["policy", "validate", "missing.yaml"])).toMatchObject({
      code: 2,
      stderr: "missing.yaml: cannot be read (ENOENT)\n",
    });
  });
});
