// `tollgate policy validate` on a role map with a protected resource: the Entra pitfalls it can
// see in the file, and those the settings in the environment reveal.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../tools/cli/run-cli.js";

const API = "6e1b2c3d-0000-4000-8000-000000000001";
const FILE = `version: 1
resources:
  orders-mcp:
    url: https://MCP.contoso.com:443/orders
    audiences: [${API}]
    authorizationServers: [https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/]
    scopes: [offline_access, api://other-api/Files.Read]
rules:
  - id: mcp
    methods: [POST]
    path: /orders
    resource: orders-mcp
    mcp: { tools: ["*"] }
`;

let dir: string;

async function validate(env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["policy", "validate", "mcp.yaml"], {
    env,
    cwd: dir,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tollgate-cli-resources-"));
  await writeFile(join(dir, "mcp.yaml"), FILE);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("policy validate on protected resources", () => {
  it("passes, warning about every Entra pitfall in the file", async () => {
    const result = await validate({});
    expect(result.code).toBe(0);
    for (const pitfall of [
      "upper-case letters in its scheme or host",
      "names the default port 443",
      "is not a v2.0 issuer",
      "'offline_access' asks for a refresh token",
      "'api://other-api/Files.Read' is prefixed with another resource's URI",
    ]) {
      expect(result.stderr).toContain(pitfall);
    }
  });

  it("warns about v1-only token settings and audiences missing from TOLLGATE_AUDIENCES", async () => {
    const result = await validate({
      TOLLGATE_TOKEN_VERSIONS: "1",
      TOLLGATE_AUDIENCES: "api://something-else",
    });
    expect(result.stderr).toContain("TOLLGATE_TOKEN_VERSIONS accepts only v1 tokens");
    expect(result.stderr).toContain(`resources.orders-mcp.audiences: '${API}' not on TOLLGATE_AUDIENCES`);
    const fine = await validate({ TOLLGATE_TOKEN_VERSIONS: "2", TOLLGATE_AUDIENCES: API.toUpperCase() });
    expect(fine.stderr).not.toContain("TOLLGATE_TOKEN_VERSIONS");
    expect(fine.stderr).not.toContain("not on TOLLGATE_AUDIENCES");
  });
});
