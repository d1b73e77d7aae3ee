// The way to Azure as a user meets it: the README's "Deploy to Azure" steps (in order, naming
// only parameters, outputs and files that exist), the Entra app registration files they use, and
// the GitHub Actions workflow.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadMain, readJson, readText, root } from "./support/infra-files.js";

const main = loadMain();
const readme = readText("README.md");

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section '${title}'`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

const deploy = section("Deploy to Azure");
/** Shell lines of the section's code blocks, with `\` continuations joined. */
const shell = [...deploy.matchAll(/```sh\n([\s\S]*?)```/g)]
  .map((m) => (m[1] ?? "").replace(/\\\n\s*/g, " "))
  .join("\n")
  .split("\n")
  .map((line) => line.trim());

const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

interface AppRegistration {
  api: {
    requestedAccessTokenVersion: number;
    oauth2PermissionScopes: { id: string; value: string; isEnabled: boolean; type: string }[];
    preAuthorizedApplications?: { appId: string; delegatedPermissionIds: string[] }[];
  };
  appRoles?: { id: string; value: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
}
const registration = readJson<AppRegistration>("infra/entra/tollgate-api.json");
const preauthorize = readJson<AppRegistration>("infra/entra/preauthorize-azure-cli.json");
const roleId = (value: string) => registration.appRoles?.find((r) => r.value === value)?.id;

describe("README: Deploy to Azure", () => {
  it("comes right after 'Running it in Azure Functions'", () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings[headings.indexOf("Deploy to Azure") - 1]).toBe("Running it in Azure Functions");
  });

  it("walks the steps in order, naming every command", () => {
    const steps = [
      "az login",
      "az ad app create",
      "az rest --method PATCH",
      "az ad sp create",
      "appRoleAssignedTo",
      "az group create",
      "az deployment group create -g tollgate-rg -f infra/main.bicep -p infra/main.parameters.json",
      "npm run package",
      "func azure functionapp publish",
      "policy push policy.yaml",
      "az account get-access-token --resource",
      'curl -i -H "Authorization: Bearer',
    ];
    const positions = steps.map((step) => ({ step, at: deploy.indexOf(step) }));
    for (const { step, at } of positions) expect(at, `the section should name: ${step}`).toBeGreaterThan(0);
    const order = positions.map((p) => p.step);
    expect([...positions].sort((a, b) => a.at - b.at).map((p) => p.step)).toEqual(order);
    for (const other of ["azd up", "Core Tools", "Azure CLI", "npm ci"]) expect(deploy).toContain(other);
  });

  it("passes only parameters main.bicep declares, and every required one", () => {
    const deployments = shell.filter((line) => line.startsWith("az deployment group create"));
    expect(deployments.length).toBeGreaterThan(0);
    const inline = [...deploy.matchAll(/`-p ([^`]+)`/g)].map((m) => `-p ${m[1]}`);
    const named = new Set<string>();
    for (const command of [...deployments, ...inline]) {
      for (const m of command.matchAll(/(?:^|\s)([A-Za-z]\w*)=/g)) named.add(m[1] as string);
    }
    const unknown = [...named].filter((name) => !main.params.has(name));
    expect(unknown).toEqual([]);
    const inFile = Object.keys(readJson<{ parameters: object }>("infra/main.parameters.json").parameters);
    const required = [...main.params.values()].filter((p) => p.default === undefined).map((p) => p.name);
    for (const command of deployments) {
      for (const name of required) {
        expect(inFile.includes(name) || command.includes(` ${name}=`), `${name} in: ${command}`).toBe(true);
      }
    }
  });

  it("reads only outputs main.bicep has", () => {
    const used = [
      ...[...deploy.matchAll(/\$\(out (\w+)\)/g)].map((m) => m[1]),
      ...[...deploy.matchAll(/properties\.outputs\.(\w+)/g)].map((m) => m[1]),
      ...[...deploy.matchAll(/output `(\w+)`/g)].map((m) => m[1]),
    ].filter((name): name is string => name !== undefined && !name.startsWith("$"));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !main.outputs.has(name))).toEqual([]);
  });

  it("names only files that exist", () => {
    const paths = new Set(
      [...deploy.matchAll(/(?:infra|tools|\.github)\/[\w./-]+\.(?:json|bicep|xml|yaml|yml|md)/g)].map(
        (m) => m[0],
      ),
    );
    expect(paths.size).toBeGreaterThan(3);
    for (const path of paths) expect(existsSync(join(root, path)), path).toBe(true);
  });

  it("grants roles by the ids the registration defines", () => {
    const grant = shell.find((line) => line.includes("appRoleAssignedTo")) ?? "";
    expect(grant).toContain(`appRoleId\\":\\"${roleId("reader")}`);
    const ids = new Set(deploy.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g));
    ids.delete(MICROSOFT_GRAPH_APP_ID);
    expect([...ids].sort()).toEqual([roleId("admin"), roleId("reader")].sort());
  });
});

describe("infra/entra: the app registration", () => {
  it("has the app roles admin and reader, for users and applications", () => {
    const roles = registration.appRoles ?? [];
    expect(roles.map((r) => r.value).sort()).toEqual(["admin", "reader"]);
    for (const role of roles) {
      expect(role.allowedMemberTypes.sort()).toEqual(["Application", "User"]);
      expect(role.isEnabled).toBe(true);
    }
    expect(new Set(roles.map((r) => r.id)).size).toBe(2);
  });

  it("asks for v2 access tokens and exposes a delegated scope", () => {
    expect(registration.api.requestedAccessTokenVersion).toBe(2);
    const scopes = registration.api.oauth2PermissionScopes;
    expect(scopes.map((s) => [s.value, s.type, s.isEnabled])).toEqual([["access_as_user", "User", true]]);
  });

  it("pre-authorizes the Azure CLI for that scope, keeping the rest of the api section", () => {
    const { preAuthorizedApplications, ...rest } = preauthorize.api;
    expect(rest).toEqual(registration.api);
    expect(preAuthorizedApplications).toEqual([
      {
        appId: AZURE_CLI_APP_ID,
        delegatedPermissionIds: registration.api.oauth2PermissionScopes.map((s) => s.id),
      },
    ]);
  });
});

describe(".github/workflows/ci.yml", () => {
  interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
  }
  interface Job {
    if?: string;
    needs?: string[];
    permissions?: Record<string, string>;
    steps: Step[];
  }
  const workflow = parseYaml(readText(".github/workflows/ci.yml")) as {
    on: { push: { tags: string[] }; pull_request: unknown };
    jobs: Record<string, Job>;
  };
  const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
  const jobWith = (text: string) => {
    const found = Object.entries(workflow.jobs).find(([, job]) => runs(job).includes(text));
    if (!found) throw new Error(`no job runs ${text}`);
    return found;
  };
  const indexOf = (job: Job, predicate: (s: Step) => boolean) => job.steps.findIndex(predicate);

  it("tests every push and pull request on Node 22", () => {
    expect(workflow.on.pull_request).toBeDefined();
    const [, job] = jobWith("npm test");
    const node = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(String(node?.with?.["node-version"])).toBe("22");
    expect(indexOf(job, (s) => s.run === "npm ci")).toBeLessThan(indexOf(job, (s) => s.run === "npm test"));
  });

  it("compiles and lints the Bicep", () => {
    const [, job] = jobWith("az bicep build");
    const script = runs(job);
    expect(script).toContain("az bicep install");
    expect(script).toContain("az bicep lint");
    expect(script).toContain("infra/*.bicep");
  });

  it("builds, lints and packages on every push, not only on main", () => {
    const on = workflow.on as unknown as { push: { branches?: string[] } };
    expect(on.push.branches ?? ["**"]).toEqual(["**"]);
    for (const text of ["npm test", "az bicep build", "npm run package"])
      expect(jobWith(text)[1].if).toBeUndefined();
    const [, job] = jobWith("npm run package");
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    const paths = String(upload?.with?.path ?? "");
    for (const kind of ["*.zip", "*.zip.sha256", "*.cdx.json", "*.tgz"])
      expect(paths).toContain(`artifact/${kind}`);
  });

  it("attaches the artifact to a release on a version tag, after the tests and the Bicep", () => {
    expect(workflow.on.push.tags).toContain("v*");
    const [name, job] = jobWith("gh release create");
    expect(job.if).toContain("refs/tags/v");
    expect(job.needs?.sort()).toEqual(
      [jobWith("npm test")[0], jobWith("az bicep build")[0], jobWith("npm run package")[0]].sort(),
    );
    expect(job.permissions?.contents).toBe("write");
    expect(name).toBe("release");
  });

  it("deploys the released zip itself, checksum checked, signed in with OpenID Connect", () => {
    const [, job] = jobWith("az functionapp deployment source config-zip");
    expect(job.if).toContain("refs/tags/v");
    expect(job.needs).toEqual([jobWith("gh release create")[0]]);
    expect(job.permissions?.["id-token"]).toBe("write");
    const download = indexOf(job, (s) => s.uses?.startsWith("actions/download-artifact@") ?? false);
    const check = indexOf(job, (s) => s.run?.includes("sha256sum -c") ?? false);
    const login = indexOf(job, (s) => s.uses?.startsWith("azure/login@") ?? false);
    const deploy = indexOf(job, (s) => s.run?.includes("config-zip") ?? false);
    expect(Object.keys(job.steps[login]?.with ?? {}).sort()).toEqual([
      "client-id",
      "subscription-id",
      "tenant-id",
    ]);
    expect([download, check, login, deploy].every((i) => i >= 0)).toBe(true);
    expect([download, check, login, deploy]).toEqual([download, check, login, deploy].sort((a, b) => a - b));
    // Nothing is rebuilt or pruned on the way to Azure.
    expect(runs(job)).not.toMatch(/npm (ci|run build|prune)/);
  });
});
