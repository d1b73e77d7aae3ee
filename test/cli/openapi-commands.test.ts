// `tollgate policy import` and `policy drift` on a real public document: the Swagger Petstore's
// OpenAPI 3.0 definition (test/fixtures/openapi, Apache-2.0), read by @apidevtools/swagger-parser.
// The imported policy must validate and decide as the document says; drift must notice a rule
// taken out of it, a scope changed and a rule no operation reaches.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../../tools/cli/run-cli.js";

const PETSTORE = fileURLToPath(new URL("../fixtures/openapi/petstore-openapi.yaml", import.meta.url));

let dir: string;
let imported: string;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env: {},
    cwd: dir,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The imported policy with `edit` applied to its parsed rules, written as `name`. */
async function edited(name: string, edit: (rules: Array<Record<string, unknown>>) => void): Promise<string> {
  const document = parse(imported) as { rules: Array<Record<string, unknown>> };
  edit(document.rules);
  await writeFile(join(dir, name), JSON.stringify(document));
  return name;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tollgate-openapi-"));
  const result = await run(["policy", "import", PETSTORE, "--backend", "petstore"]);
  expect(result.code, result.stderr).toBe(0);
  imported = result.stdout;
  await writeFile(join(dir, "petstore.yaml"), imported);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("policy import", () => {
  it("writes a policy that validates: one rule per secured operation, scopes as requirements", async () => {
    expect(await run(["policy", "validate", "petstore.yaml"])).toMatchObject({
      code: 0,
      stdout: "petstore.yaml: valid (8 rules)\n",
    });
    const document = parse(imported) as {
      backends: object;
      rules: Array<{ id: string; methods: string[]; path: string; require?: object }>;
    };
    expect(document.backends).toEqual({ petstore: { url: "https://petstore3.swagger.io/api/v3" } });
    expect(document.rules.find((r) => r.id === "get-pet-by-id")).toEqual({
      id: "get-pet-by-id",
      methods: ["GET"],
      path: "/pet/{petId}",
      require: { scopes: { allOf: ["write:pets", "read:pets"] } },
      backend: "petstore",
    });
    // OpenAPI matches concrete paths before templated ones; first-match rules must too.
    const ids = document.rules.map((r) => r.id);
    expect(ids.indexOf("find-pets-by-status")).toBeLessThan(ids.indexOf("get-pet-by-id"));
    expect(ids.indexOf("find-pets-by-tags")).toBeLessThan(ids.indexOf("get-pet-by-id"));
  });

  it("flags operations without OAuth2 security for a decision instead of opening them", () => {
    expect(imported).toContain("# NEEDS A DECISION: 11 operation(s) declare nothing tollgate can enforce.");
    expect(imported).toContain("#   GET /store/order/{orderId} (getOrderById): declares no security\n");
    expect(imported).toContain(
      "#   GET /store/inventory (getInventory): declares only security tollgate cannot check (api_key (apiKey))\n",
    );
    const document = parse(imported) as { rules: Array<{ path: string }> };
    expect(
      document.rules.map((r) => r.path).filter((p) => p.startsWith("/store") || p.startsWith("/user")),
    ).toEqual([]);
  });

  it("decides as the document says, through the gateway's own evaluator", async () => {
    await writeFile(
      join(dir, "petstore.tests.yaml"),
      `policy: petstore.yaml
cases:
  - name: both scopes find pets by tag
    request: { path: "/pet/findByTags?tags=a" }
    claims: { scp: "read:pets write:pets" }
    expect: { outcome: allow, rule: find-pets-by-tags }
  - name: read alone is not enough (the document lists both)
    request: { path: /pet/42 }
    claims: { scp: "read:pets" }
    expect: { status: 403, reason: insufficient_scope, rule: get-pet-by-id, scope: "write:pets" }
  - name: an operation without security is refused by default
    request: { path: /user/login }
    claims: { scp: "read:pets write:pets" }
    expect: { status: 403, reason: no_matching_rule }
`,
    );
    const result = await run(["policy", "test", "petstore.tests.yaml"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("3 passed, 0 failed\n");
  });

  it("reads Swagger 2.0 too, with the document's host and basePath as the backend", async () => {
    await writeFile(
      join(dir, "swagger2.json"),
      JSON.stringify({
        swagger: "2.0",
        info: { title: "orders", version: "1" },
        host: "orders.internal.contoso.com",
        basePath: "/v1",
        schemes: ["https"],
        securityDefinitions: {
          entra: {
            type: "oauth2",
            flow: "accessCode",
            authorizationUrl: "https://login.microsoftonline.com/x/oauth2/v2.0/authorize",
            tokenUrl: "https://login.microsoftonline.com/x/oauth2/v2.0/token",
            scopes: { "api://orders/Orders.Read": "read" },
          },
        },
        security: [{ entra: ["api://orders/Orders.Read"] }],
        paths: {
          "/orders/{order-id}": {
            get: {
              operationId: "getOrder",
              parameters: [{ name: "order-id", in: "path", required: true, type: "string" }],
              responses: { 200: { description: "ok" } },
            },
          },
        },
      }),
    );
    const result = await run([
      "policy",
      "import",
      "swagger2.json",
      "--backend",
      "orders",
      "--resource",
      "api://orders",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(result.stdout)).toEqual({
      version: 1,
      backends: { orders: { url: "https://orders.internal.contoso.com/v1" } },
      rules: [
        {
          id: "get-order",
          methods: ["GET"],
          path: "/orders/{order_id}",
          require: { scopes: { allOf: ["Orders.Read"] } },
          backend: "orders",
        },
      ],
      defaultRule: "deny",
    });
  });

  it("a document that is not OpenAPI is refused with the parser's reason", async () => {
    await writeFile(join(dir, "not-openapi.yaml"), "hello: world\n");
    const result = await run(["policy", "import", "not-openapi.yaml", "--backend", "x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^not-openapi\.yaml: not a valid OpenAPI 3\.x or Swagger 2\.0 document: /);
  });
});

describe("policy drift", () => {
  it("the imported policy has no drift", async () => {
    const result = await run(["policy", "drift", PETSTORE, "--policy", "petstore.yaml"]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/\nno drift\n$/);
  });

  it("reports a rule removed from it, even when another operation's template now catches the path", async () => {
    const policy = await edited("removed.json", (rules) => {
      rules.splice(
        rules.findIndex((r) => r.id === "add-pet"),
        1,
      );
      rules.splice(
        rules.findIndex((r) => r.id === "find-pets-by-tags"),
        1,
      );
    });
    const result = await run(["policy", "drift", PETSTORE, "--policy", policy]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "operations no rule covers (2):\n" +
        "  POST /pet (addPet)\n" +
        "  GET /pet/findByTags (findPetsByTags): falls to rule 'get-pet-by-id', written for another path\n",
    );
    expect(result.stdout).toMatch(/\ndrift found\n$/);
  });

  it("reports a changed scope and a rule no operation reaches, also as JSON", async () => {
    const policy = await edited("changed.json", (rules) => {
      const remove = rules.find((r) => r.id === "delete-pet") as Record<string, unknown>;
      remove.require = { scopes: { allOf: ["write:pets"] } };
      rules.unshift({ id: "legacy", methods: ["GET"], path: "/legacy/**" });
    });
    const result = await run(["policy", "drift", PETSTORE, "--policy", policy, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      drift: true,
      uncovered: [],
      unmatchedRules: ["legacy"],
      scopeDifferences: [
        {
          method: "DELETE",
          path: "/pet/{petId}",
          ruleId: "delete-pet",
          document: '{"scopes":{"allOf":["read:pets","write:pets"]}}',
          rule: '{"scopes":{"allOf":["write:pets"]}}',
        },
      ],
    });
  });
});

it("the fixture's source and licence are noted beside it", async () => {
  const notes = await readFile(
    fileURLToPath(new URL("../fixtures/openapi/README.md", import.meta.url)),
    "utf8",
  );
  expect(notes).toContain("https://github.com/swagger-api/swagger-petstore");
  expect(notes).toContain("Apache License 2.0");
});
