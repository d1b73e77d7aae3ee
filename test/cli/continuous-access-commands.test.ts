// `tollgate revoke`, `revocations` and `tenants` against Azurite: a bad argument writes nothing
// and the message names the argument that was wrong.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../tools/cli/run-cli.js";
import { type AzuriteHandle, DEVSTORE_ACCOUNT_KEY, startAzurite } from "../../tools/loopback/azurite.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID = "00000000-0000-0000-0000-0000000000aa";
const APP = "11111111-2222-3333-4444-555555555555";

let azurite: AzuriteHandle;
let env: Record<string, string>;

beforeAll(async () => {
  azurite = await startAzurite();
  env = { TOLLGATE_STORAGE: azurite.connectionString, TOLLGATE_TABLE_PREFIX: "accesscli" };
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runAt(undefined, ...args);
}

/** As `run`, with the CLI's "now" given (`undefined`: the wall clock). */
async function runAt(
  nowMs: number | undefined,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    ...(nowMs === undefined ? {} : { now: () => nowMs }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

async function stored(): Promise<unknown[]> {
  const listed = await run("revocations", "list", "--json");
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout) as unknown[];
}

describe("tollgate revoke: bad arguments write nothing and are named", () => {
  const cases: [string[], RegExp][] = [
    [["revoke"], /say what to revoke: user, app, tenant or token/],
    [["revoke", "group", TID], /'group' is not user, app, tenant or token/],
    [["revoke", "user", "contoso.com", OID, "--reason", "x"], /the tenant id 'contoso.com' is not a GUID/],
    [["revoke", "user", TID, "--reason", "x"], /the user's object id is missing/],
    [["revoke", "user", TID, OID], /--reason is required/],
    [
      ["revoke", "user", TID, OID, "--reason", "x", "--issued-before", "yesterday"],
      /--issued-before 'yesterday' is not 'now' or an ISO 8601 time/,
    ],
    [
      ["revoke", "user", TID, OID, "--reason", "x", "--issued-before", "2026-12-01T10:00:00"],
      /--issued-before '2026-12-01T10:00:00' is not 'now' or an ISO 8601 time with a zone/,
    ],
    [
      ["revoke", "token", "abc", "--reason", "x", "--issued-before", "now"],
      /--issued-before is for 'user' and 'app' only/,
    ],
    [["revoke", "token", "not/a/uti", "--reason", "x"], /the token id 'not\/a\/uti' is not a 'uti' value/],
    [
      ["revoke", "tenant", TID, "--reason", "x", "--expires", "2000-01-01T00:00:00Z"],
      /--expires '2000-01-01T00:00:00Z' is not in the future/,
    ],
    [["revoke", "tenant", TID, "--reason", "x", "--expires", "soon"], /--expires 'soon' is not a duration/],
    [["revoke", "user", TID, OID, "--tenant", TID, "--reason", "x"], /--tenant is for 'app' only/],
    [["revoke", "app", APP, "--tenant", "nope", "--reason", "x"], /--tenant 'nope' is not a GUID/],
    [["revoke", "tenant", TID, "extra", "--reason", "x"], /too many arguments for 'tenant'/],
    [["revoke", "tenant", TID, "--reason", "x", "--colour", "red"], /Unknown option '--colour'/],
  ];
  for (const [args, message] of cases) {
    it(args.join(" "), async () => {
      const result = await run(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(await stored()).toEqual([]);
    });
  }
});

describe("tollgate revoke and revocations", () => {
  it("adds, lists and removes an entry; removing a missing one says so", async () => {
    const added = await run(
      "revoke",
      "app",
      APP.toUpperCase(),
      "--tenant",
      TID,
      "--reason",
      "leaked secret",
      "--expires",
      "7d",
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Revoked every token of app ${APP} --tenant ${TID} until `);
    const list = await run("revocations", "list");
    expect(list.stdout).toContain(`app ${APP} --tenant ${TID}  all tokens, until `);
    expect(list.stdout).toContain("reason: leaked secret");

    expect((await run("revocations", "remove", "app", APP, "--tenant", TID)).code).toBe(0);
    expect(await stored()).toEqual([]);
    const again = await run("revocations", "remove", "app", APP, "--tenant", TID);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("nothing was removed");
  });

  it("'now', durations and expiry count from the clock the CLI is given", async () => {
    const at = Date.UTC(2026, 0, 15, 12, 0, 0);
    const added = await runAt(
      at,
      "revoke",
      "user",
      TID,
      OID,
      "--reason",
      "x",
      "--issued-before",
      "now",
      "--expires",
      "1h",
    );
    expect(added.code).toBe(0);
    const listedAt = async (nowMs: number) =>
      JSON.parse((await runAt(nowMs, "revocations", "list", "--json")).stdout) as Array<
        Record<string, unknown>
      >;
    expect(await listedAt(at + 1_000)).toEqual([
      expect.objectContaining({
        addedAt: "2026-01-15T12:00:00Z",
        issuedBefore: "2026-01-15T12:00:00Z",
        expiresAt: "2026-01-15T13:00:00Z",
        expired: false,
      }),
    ]);
    expect((await listedAt(at + 3_600_000))[0]).toMatchObject({ expired: true });
    expect((await run("revocations", "remove", "user", TID, OID)).code).toBe(0);
  });

  it("storage that cannot be reached is exit 3, with the table named", async () => {
    const saved = env;
    env = {
      ...env,
      TOLLGATE_STORAGE: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEVSTORE_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:9/devstoreaccount1;`,
    };
    try {
      const result = await run("revoke", "tenant", TID, "--reason", "x");
      expect(result.code).toBe(3);
      expect(result.stderr).toContain("The revocations table");
      expect(result.stderr).not.toContain(DEVSTORE_ACCOUNT_KEY);
    } finally {
      env = saved;
    }
  });
});

describe("tollgate tenants", () => {
  it("names the bad argument and writes nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["tenants"], /'tenants' needs a command: add, suspend, resume or list/],
      [
        ["tenants", "add", "contoso.onmicrosoft.com"],
        /the tenant id 'contoso.onmicrosoft.com' is not a GUID/,
      ],
      [["tenants", "suspend", TID], /--note is required/],
      [["tenants", "add"], /the tenant id is missing/],
      [["tenants", "list", TID], /'tenants list' takes no arguments/],
      [["tenants", "delete", TID], /unknown command 'tenants delete'/],
    ];
    for (const [args, message] of cases) {
      const result = await run(...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect((await run("tenants", "list")).stdout).toBe("No tenants stored.\n");
  });

  it("resume of a tenant never added is refused; add, suspend, resume keep the history", async () => {
    const resumed = await run("tenants", "resume", TID);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`tollgate tenants add ${TID}`);

    expect((await run("tenants", "add", TID, "--note", "Contoso")).code).toBe(0);
    expect((await run("tenants", "suspend", TID, "--note", "invoice overdue")).stdout).toContain("Suspended");
    const listed = JSON.parse((await run("tenants", "list", "--json")).stdout) as {
      state: string;
      note: string;
    }[];
    expect(listed).toEqual([
      expect.objectContaining({ tenantId: TID, state: "suspended", note: "invoice overdue" }),
    ]);
    expect((await run("tenants", "resume", TID)).stdout).toContain("Resumed");
    expect((await run("tenants", "list")).stdout).toContain(`${TID}  active  invoice overdue`);
  });
});
