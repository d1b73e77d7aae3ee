// infra/main.bicep against the code it deploys: the settings tollgate knows (SETTING_DOCS, read
// now, so a setting added tomorrow fails here until infra sets it), the tables it uses, the
// identity it signs in with, the runtime package.json asks for, and the Flex Consumption shape.

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SETTING_DOCS } from "../../shared/config/setting-docs.js";
import { allTableNames, TABLE_SUFFIXES } from "../../shared/storage/table-names.js";
import {
  at,
  type BicepFile,
  descriptionOf,
  exprText,
  identifier,
  identifiersIn,
  interpolate,
  literalString,
  type Node,
  parseBicep,
  parseValue,
  resource,
  resourcesOfType,
} from "./support/bicep.js";
import {
  appSettingsOf,
  BUILT_IN_ROLES,
  functionAppOf,
  loadMain,
  objectVar,
  only,
  parameterNameOf,
  readJson,
  readText,
  setting,
  variable,
} from "./support/infra-files.js";
import { grantsOf } from "./support/role-assignments.js";

const main = loadMain();
const functionApp = functionAppOf(main);
const storage = only(main, "Microsoft.Storage/storageAccounts");
const vault = only(main, "Microsoft.KeyVault/vaults");
const settingNames = Object.keys(SETTING_DOCS) as (keyof typeof SETTING_DOCS)[];

/** Settings whose value infra works out, rather than passing a parameter through. */
const WIRED = [
  "TOLLGATE_STORAGE",
  "TOLLGATE_ASSERTION_KEYS",
  "TOLLGATE_FRONT_DOOR_ID",
  "TOLLGATE_GATEWAY_KEY",
  "TOLLGATE_MANAGED_IDENTITY",
];

/** App settings a Flex Consumption app refuses: the platform owns them. */
const FLEX_REFUSES = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTSHARE",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
];

function text(node: Node | undefined): string {
  return exprText(node).replace(/\s+/g, " ");
}

/** The route's rule sets each hold a rule that deletes x-ms-invocation-id on every request. */
function expectStripsInvocationId(file: BicepFile) {
  const route = only(file, "Microsoft.Cdn/profiles/afdEndpoints/routes");
  const sets = at(route.body, "properties.ruleSets");
  const ids = sets?.kind === "array" ? sets.items.map((item) => text(at(item, "id"))) : [];
  const rules = resourcesOfType(file, "Microsoft.Cdn/profiles/ruleSets/rules");
  const deletes = rules.filter((rule) => {
    const actions = at(rule.body, "properties.actions");
    const conditions = at(rule.body, "properties.conditions");
    return (
      ids.includes(`${identifier(at(rule.body, "parent"))}.id`) &&
      (conditions === undefined || (conditions.kind === "array" && conditions.items.length === 0)) &&
      actions?.kind === "array" &&
      actions.items.some(
        (action) =>
          literalString(at(action, "name")) === "ModifyRequestHeader" &&
          literalString(at(action, "parameters.headerAction")) === "Delete" &&
          literalString(at(action, "parameters.headerName"))?.toLowerCase() === "x-ms-invocation-id",
      )
    );
  });
  expect(
    deletes.map((rule) => rule.symbol),
    "a rule on the route deleting x-ms-invocation-id",
  ).toHaveLength(1);
  // The route waits for the rule, so no request passes before it is in place.
  const dependsOn = at(route.body, "dependsOn");
  expect(dependsOn?.kind === "array" ? dependsOn.items.map(identifier) : []).toContain(deletes[0]?.symbol);
}

describe("infra/main.bicep: the Function App's settings", () => {
  it("sets every TOLLGATE_* setting tollgate knows, once, and no other", () => {
    const names = appSettingsOf(main).map((s) => s.name);
    expect(names.length, "an app setting is listed twice").toBe(new Set(names).size);
    const missing = settingNames.filter((name) => !names.includes(name));
    const howTo = missing
      .map(
        (name) =>
          `param ${parameterNameOf(name)} string = '' and { name: '${name}' value: ${parameterNameOf(name)} }`,
      )
      .join("; ");
    expect(missing, `infra/main.bicep needs, for each: ${howTo}`).toEqual([]);
    const unknown = names.filter((name) => name.startsWith("TOLLGATE_") && !(name in SETTING_DOCS));
    expect(unknown, "tollgate does not read these").toEqual([]);
  });

  it.each(settingNames.filter((name) => !WIRED.includes(name)))(
    "passes %s through its own string parameter, blank (tollgate's default) unless required",
    (name) => {
      const paramName = parameterNameOf(name);
      expect(identifier(setting(main, name)), `value of ${name}`).toBe(paramName);
      const param = main.params.get(paramName);
      if (!param) throw new Error(`add: param ${paramName} string = '' to main.bicep`);
      expect(param.type).toBe("string");
      const doc = SETTING_DOCS[name];
      const description = descriptionOf(param) ?? "";
      expect(description, `@description of ${paramName}`).toContain(name);
      if (doc.default === undefined) {
        // Required by tollgate: the deployment must not succeed without a value.
        expect(param.default, `${paramName} must have no default`).toBeUndefined();
        return;
      }
      const fallback = literalString(param.default);
      expect([doc.default, ""], `${paramName} default`).toContain(fallback);
      if (fallback === "") {
        expect(description).toContain("Blank:");
        if (/^\d+$/.test(doc.default)) expect(description).toContain(doc.default);
      }
    },
  );

  it("points TOLLGATE_STORAGE at the table endpoint of the account it creates", () => {
    expect(text(setting(main, "TOLLGATE_STORAGE"))).toBe(
      `${storage.symbol}.properties.primaryEndpoints.table`,
    );
  });

  it("makes TOLLGATE_ASSERTION_KEYS a Key Vault reference into its own vault, set only with a secret name", () => {
    const value = text(setting(main, "TOLLGATE_ASSERTION_KEYS"));
    expect(value).toBe("empty(assertionKeySecretName) ? '' : assertionKeysReference");
    const reference = variable(main, "assertionKeysReference");
    const filled = interpolate(reference, {
      [`${vault.symbol}.properties.vaultUri`]: "https://kv.example/",
      assertionKeySecretName: "tollgate-assertion-key",
    });
    expect(filled).toBe("@Microsoft.KeyVault(SecretUri=https://kv.example/secrets/tollgate-assertion-key/)");
    expect(literalString(main.params.get("assertionKeySecretName")?.default)).toBe("");
  });

  it("signs tollgate in with the app's system-assigned identity (ManagedIdentityCredential)", () => {
    expect(literalString(setting(main, "TOLLGATE_MANAGED_IDENTITY"))).toBe("system");
    expect(literalString(at(functionApp.body, "identity.type"))).toBe("SystemAssigned");
  });

  it("uses identity-based host storage and wires Application Insights to Log Analytics", () => {
    const appInsights = only(main, "Microsoft.Insights/components");
    const workspace = only(main, "Microsoft.OperationalInsights/workspaces");
    expect(text(setting(main, "AzureWebJobsStorage__accountName"))).toBe(`${storage.symbol}.name`);
    // Authorization=AAD: ingestion with the app's identity (security-baseline.test.ts).
    expect(text(setting(main, "APPLICATIONINSIGHTS_CONNECTION_STRING"))).toBe(
      `'\${${appInsights.symbol}.properties.ConnectionString};Authorization=AAD'`,
    );
    expect(text(at(appInsights.body, "properties.WorkspaceResourceId"))).toBe(`${workspace.symbol}.id`);
    // A connection string would carry an account key, and shared keys are off.
    const names = appSettingsOf(main).map((s) => s.name);
    expect(names).not.toContain("AzureWebJobsStorage");
  });

  it("sets nothing the Flex Consumption plan refuses", () => {
    const names = appSettingsOf(main).map((s) => s.name);
    expect(names.filter((name) => FLEX_REFUSES.includes(name))).toEqual([]);
    expect(at(functionApp.body, "properties.siteConfig.linuxFxVersion")).toBeUndefined();
  });
});

describe("infra/main.bicep: the Function App", () => {
  it("runs on Flex Consumption with the Node major package.json asks for (22)", () => {
    const plan = only(main, "Microsoft.Web/serverfarms");
    expect(literalString(at(plan.body, "sku.tier"))).toBe("FlexConsumption");
    expect(literalString(at(plan.body, "sku.name"))).toBe("FC1");
    expect(text(at(functionApp.body, "properties.serverFarmId"))).toBe(`${plan.symbol}.id`);
    expect(literalString(at(functionApp.body, "kind"))).toBe("functionapp,linux");

    const runtime = at(functionApp.body, "properties.functionAppConfig.runtime");
    expect(literalString(at(runtime, "name"))).toBe("node");
    // A parameter (24 where Flex offers it), 22 unless told.
    expect(identifier(at(runtime, "version"))).toBe("nodeVersion");
    const version = literalString(main.params.get("nodeVersion")?.default);
    expect(version).toBe("22");
    const pkg = readJson<{ engines: { node: string }; devDependencies: Record<string, string> }>(
      "package.json",
    );
    expect(/(\d+)/.exec(pkg.engines.node)?.[1]).toBe(version);
    expect(/(\d+)/.exec(pkg.devDependencies.node ?? "")?.[1]).toBe(version);
  });

  it("has a system-assigned identity and takes HTTPS only", () => {
    expect(literalString(at(functionApp.body, "identity.type"))).toBe("SystemAssigned");
    expect(text(at(functionApp.body, "properties.httpsOnly"))).toBe("true");
    expect(literalString(at(functionApp.body, "properties.siteConfig.minTlsVersion"))).toBe("1.2");
  });

  it("deploys from a blob container of its own storage, signed in with its identity", () => {
    const deployment = at(functionApp.body, "properties.functionAppConfig.deployment.storage");
    expect(literalString(at(deployment, "type"))).toBe("blobContainer");
    expect(literalString(at(deployment, "authentication.type"))).toBe("SystemAssignedIdentity");
    const container = only(main, "Microsoft.Storage/storageAccounts/blobServices/containers");
    const containerName = identifier(at(container.body, "name"));
    expect(containerName).toBeDefined();
    expect(
      interpolate(at(deployment, "value"), {
        [`${storage.symbol}.properties.primaryEndpoints.blob`]: "https://st.example/",
        [containerName as string]: "CONTAINER",
      }),
    ).toBe("https://st.example/CONTAINER");
    const blobService = resource(main, identifier(at(container.body, "parent")) ?? "");
    expect(identifier(at(blobService.body, "parent"))).toBe(storage.symbol);
    // The value names the container only by its name: the app must wait for it explicitly.
    const dependsOn = at(functionApp.body, "dependsOn");
    expect(dependsOn?.kind === "array" ? dependsOn.items.map(identifier) : []).toContain(container.symbol);
  });

  it("carries the azd-service-name tag of the service azure.yaml deploys", () => {
    const azure = parseYaml(readText("azure.yaml")) as {
      infra: { provider: string; path: string; module: string };
      services: Record<string, { project: string; language: string; host: string }>;
    };
    expect(azure.infra).toMatchObject({ provider: "bicep", path: "infra", module: "main" });
    const [serviceName, service] = Object.entries(azure.services)[0] ?? [];
    expect(Object.keys(azure.services)).toHaveLength(1);
    expect(service).toMatchObject({ project: ".", language: "js", host: "function" });
    const tags = text(at(functionApp.body, "tags"));
    expect(tags).toContain(`'azd-service-name': '${serviceName}'`);
  });
});

describe("infra/main.bicep: storage", () => {
  it("turns shared-key access off (and public blob access)", () => {
    expect(text(at(storage.body, "properties.allowSharedKeyAccess"))).toBe("false");
    expect(text(at(storage.body, "properties.allowBlobPublicAccess"))).toBe("false");
  });

  it("creates exactly the tables the code uses, with the prefix tollgate is given", () => {
    const tables = only(main, "Microsoft.Storage/storageAccounts/tableServices/tables");
    if (!tables.loop) throw new Error("the tables resource should loop over the table suffixes");
    const suffixes = variable(main, identifier(tables.loop.collection) ?? "");
    if (suffixes.kind !== "array") throw new Error("the table suffixes should be an array variable");
    const prefixParam = main.params.get("tablePrefix");
    const prefix = literalString(prefixParam?.default);
    expect(prefix).toBe(SETTING_DOCS.TOLLGATE_TABLE_PREFIX.default);

    // With the default prefix, and with another one: a name that ignores the parameter fails.
    for (const tablePrefix of [prefix as string, "otherPrefix"]) {
      const created = suffixes.items.map((item) =>
        interpolate(at(tables.body, "name"), {
          tablePrefix,
          [tables.loop?.variable as string]: literalString(item) as string,
        }),
      );
      expect(created.sort()).toEqual(allTableNames(tablePrefix).sort());
    }
    // The prefix tollgate reads is the one the tables were made with.
    expect(identifier(setting(main, "TOLLGATE_TABLE_PREFIX"))).toBe("tablePrefix");
    const tableService = resource(main, identifier(at(tables.body, "parent")) ?? "");
    expect(identifier(at(tableService.body, "parent"))).toBe(storage.symbol);
  });
});

describe("infra/main.bicep: role assignments", () => {
  it("uses the right built-in role ids", () => {
    const roles = objectVar(main, "roles");
    expect(roles.entries.size).toBeGreaterThan(0);
    for (const [key, value] of roles.entries) {
      expect(BUILT_IN_ROLES[key as keyof typeof BUILT_IN_ROLES], `unknown role '${key}'`).toBeDefined();
      expect(literalString(value), `role id of ${key}`).toBe(
        BUILT_IN_ROLES[key as keyof typeof BUILT_IN_ROLES],
      );
    }
  });

  const grants = grantsOf(main);
  const app = grants.filter((g) => g.principal === `${functionApp.symbol}.identity.principalId`);
  const operator = grants.filter((g) => g.principal === "operatorPrincipalId");
  const tables = resource(main, "tables");
  const suffixes = Object.values(TABLE_SUFFIXES);
  const tableDataRoles: string[] = [
    BUILT_IN_ROLES.storageTableDataContributor,
    BUILT_IN_ROLES.storageTableDataReader,
  ];

  it("loops over the tables in tableSuffixes' order, so tables[i] is the i-th suffix", () => {
    expect(tables.loop?.variable).toBe("suffix");
    expect(text(tables.loop?.collection)).toBe("tableSuffixes");
  });

  it("grants no table data role on the storage account: each table is granted on its own", () => {
    const onAccount = grants.filter(
      (g) => g.scope === storage.symbol && tableDataRoles.includes(g.roleId ?? ""),
    );
    expect(onAccount.map((g) => g.symbol)).toEqual([]);
  });

  it("grants the app Storage Table Data Contributor on each table it uses, and Blob Data Owner for the host", () => {
    const tableGrants = app.filter((g) => g.scope.startsWith("tables["));
    expect(tableGrants.map((g) => `${g.scope}:${g.roleId}`).sort()).toEqual(
      suffixes.map((suffix) => `tables[${suffix}]:${BUILT_IN_ROLES.storageTableDataContributor}`).sort(),
    );
    // The Functions host's own state and the Flex deployment container are blobs on the account.
    expect(app.filter((g) => g.scope === storage.symbol).map((g) => g.roleId)).toEqual([
      BUILT_IN_ROLES.storageBlobDataOwner,
    ]);
    for (const assignment of app) expect(assignment.principalType).toBe("'ServicePrincipal'");
  });

  it("lets the app read Key Vault secrets, from a vault that uses RBAC", () => {
    expect(text(at(vault.body, "properties.enableRbacAuthorization"))).toBe("true");
    expect(app.filter((a) => a.scope === vault.symbol).map((a) => a.roleId)).toEqual([
      BUILT_IN_ROLES.keyVaultSecretsUser,
    ]);
  });

  it("gives the operator write only where the CLI writes, read on the other tables, and the vault", () => {
    // policy push/shadow, revocations, tenants and keys refresh write; audit and access only read.
    const cliWrites = ["Policy", "Shadow", "Revocations", "Tenants", "Keys"];
    const expected = suffixes.map(
      (suffix) =>
        `tables[${suffix}]:${cliWrites.includes(suffix) ? BUILT_IN_ROLES.storageTableDataContributor : BUILT_IN_ROLES.storageTableDataReader}`,
    );
    expect(operator.map((g) => `${g.scope}:${g.roleId}`).sort()).toEqual(
      [...expected, `${vault.symbol}:${BUILT_IN_ROLES.keyVaultSecretsOfficer}`].sort(),
    );
    for (const grant of operator) expect(grant.condition).toBe("!empty(operatorPrincipalId)");
  });

  it("names each table's grant after the table, the principal and the role, so none collide", () => {
    for (const symbol of ["appTableDataContributor", "operatorTableData"]) {
      const name = text(at(resource(main, symbol).body, "name"));
      expect(name, symbol).toMatch(/^guid\(tables\[i\]\.id, /);
    }
  });

  it("names every resource from values known when the deployment starts", () => {
    for (const r of main.resources) {
      const name = text(at(r.body, "name"));
      expect(name, `name of ${r.symbol}`).not.toMatch(/\.(properties|identity)\b|reference\(|list\w*\(/);
    }
  });
});

describe("infra/main.bicep: API Management", () => {
  const xml = readText("infra/apim/policy.xml");

  it("deploys infra/apim/policy.xml as the API's policy, after the named values it uses", () => {
    const policy = only(main, "Microsoft.ApiManagement/service/apis/policies");
    expect(identifier(at(policy.body, "properties.value"))).toBe("apimPolicyXml");
    // policy.xml as it is, or with the Front Door check in its marker's place (security-baseline.test.ts).
    expect(text(variable(main, "apimPolicyXml"))).toMatch(
      /^useFrontDoor \? replace\(loadTextContent\('apim\/policy\.xml'\), .*: loadTextContent\('apim\/policy\.xml'\)$/,
    );
    // 'xml' takes a well-formed document; the policy file is one (apim-policy.test.ts).
    expect(literalString(at(policy.body, "properties.format"))).toBe("xml");

    const namedValues = resourcesOfType(main, "Microsoft.ApiManagement/service/namedValues");
    const nameOf = (symbol: string) =>
      literalString(variable(main, identifier(at(resource(main, symbol).body, "name")) ?? ""));
    const used = [...new Set([...xml.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]))].sort();
    expect(namedValues.map((n) => nameOf(n.symbol)).sort()).toEqual(used);
    const dependsOn = at(policy.body, "dependsOn");
    expect(dependsOn?.kind === "array" ? dependsOn.items.map(identifier).sort() : []).toEqual(
      namedValues.map((n) => n.symbol).sort(),
    );
  });

  it("gives APIM and tollgate the same gateway key, kept secret", () => {
    const key = resourcesOfType(main, "Microsoft.ApiManagement/service/namedValues").find(
      (n) => literalString(variable(main, identifier(at(n.body, "name")) ?? "")) === "tollgate-gateway-key",
    );
    if (!key) throw new Error("no named value tollgate-gateway-key");
    expect(text(at(key.body, "properties.secret"))).toBe("true");
    // Both read the one Key Vault secret (security-baseline.test.ts has the details).
    expect(at(key.body, "properties.value")).toBeUndefined();
    expect(text(at(key.body, "properties.keyVault.secretIdentifier"))).toContain("gatewayKeySecretName");
    expect(text(setting(main, "TOLLGATE_GATEWAY_KEY"))).toBe("requireGatewayKey ? gatewayKeyReference : ''");
    expect(main.params.get("gatewayKey")?.decorators.map((d) => d.name)).toContain("secure");
    expect(text(main.params.get("requireGatewayKey")?.default)).toBe("deployApim");
  });

  it("sends every method on every path to the Function App", () => {
    const api = only(main, "Microsoft.ApiManagement/service/apis");
    expect(identifiersIn(at(api.body, "properties.serviceUrl"))).toContain(functionApp.symbol);
    expect(text(at(api.body, "properties.subscriptionRequired"))).toBe("false");
    const operations = only(main, "Microsoft.ApiManagement/service/apis/operations");
    expect(literalString(at(operations.body, "properties.urlTemplate"))).toBe("/*");
    const methods = variable(main, identifier(operations.loop?.collection) ?? "");
    expect(methods.kind === "array" ? methods.items.map(literalString).sort() : []).toEqual([
      "DELETE",
      "GET",
      "HEAD",
      "OPTIONS",
      "PATCH",
      "POST",
      "PUT",
    ]);
  });
});

describe("infra/main.bicep: Front Door", () => {
  it("puts the profile's id into TOLLGATE_FRONT_DOOR_ID", () => {
    const profile = only(main, "Microsoft.Cdn/profiles");
    expect(text(setting(main, "TOLLGATE_FRONT_DOOR_ID"))).toBe("useFrontDoor ? frontDoorIdValue : ''");
    expect(text(variable(main, "frontDoorIdValue"))).toBe(
      `deployFrontDoor ? ${profile.symbol}!.properties.frontDoorId : frontDoorId`,
    );
  });

  it("lets only the AzureFrontDoor.Backend service tag with that id reach the app", () => {
    const siteConfig = at(functionApp.body, "properties.siteConfig");
    expect(text(at(siteConfig, "ipSecurityRestrictionsDefaultAction"))).toBe(
      "restrictToFrontDoor ? 'Deny' : 'Allow'",
    );
    expect(text(at(siteConfig, "ipSecurityRestrictions"))).toBe(
      "restrictToFrontDoor ? frontDoorAccessRestrictions : []",
    );
    const rules = variable(main, "frontDoorAccessRestrictions");
    if (rules.kind !== "array") throw new Error("frontDoorAccessRestrictions should be an array");
    expect(rules.items).toHaveLength(1);
    const rule = rules.items[0];
    expect(literalString(at(rule, "action"))).toBe("Allow");
    expect(literalString(at(rule, "tag"))).toBe("ServiceTag");
    expect(literalString(at(rule, "ipAddress"))).toBe("AzureFrontDoor.Backend");
    const ids = at(rule, "headers.x-azure-fdid");
    expect(ids?.kind === "array" ? ids.items.map(identifier) : []).toEqual(["frontDoorIdValue"]);
    // With APIM in between, requests come from APIM: the service tag would shut it out.
    expect(text(variable(main, "restrictToFrontDoor"))).toBe("useFrontDoor && !deployApim");
  });

  it("routes every path to the app (or APIM), over HTTPS, uncached, health-probed", () => {
    const origin = only(main, "Microsoft.Cdn/profiles/originGroups/origins");
    expect(identifier(at(origin.body, "properties.hostName"))).toBe("frontDoorOriginHost");
    const host = text(variable(main, "frontDoorOriginHost"));
    expect(host).toMatch(new RegExp(`: ${functionApp.symbol}\\.properties\\.defaultHostName$`));
    const route = only(main, "Microsoft.Cdn/profiles/afdEndpoints/routes");
    const patterns = at(route.body, "properties.patternsToMatch");
    expect(patterns?.kind === "array" ? patterns.items.map(literalString) : []).toEqual(["/*"]);
    expect(literalString(at(route.body, "properties.forwardingProtocol"))).toBe("HttpsOnly");
    expect(at(route.body, "properties.cacheConfiguration")).toBeUndefined();
    const dependsOn = at(route.body, "dependsOn");
    expect(dependsOn?.kind === "array" ? dependsOn.items.map(identifier) : []).toContain(origin.symbol);
    const group = only(main, "Microsoft.Cdn/profiles/originGroups");
    expect(text(at(group.body, "properties.healthProbeSettings.probePath"))).toContain("/.tollgate/health");
  });
});

describe("infra/main.bicep: files it loads", () => {
  it("loads only files that exist next to it", () => {
    const loaded = [...main.source.matchAll(/load(?:Text|Json|FileAsBase64)Content\('([^']+)'\)/g)].map(
      (m) => m[1],
    );
    expect(loaded).toContain("workbook.json");
    for (const path of loaded) expect(() => readText(`infra/${path}`), path).not.toThrow();
  });

  it("deploys the telemetry workbook (infra/workbook.json) on Application Insights", () => {
    const workbook = only(main, "Microsoft.Insights/workbooks");
    expect(text(at(workbook.body, "properties.serializedData"))).toBe("loadTextContent('workbook.json')");
    expect(readJson<{ version: string }>("infra/workbook.json").version).toBe("Notebook/1.0");
    const appInsights = only(main, "Microsoft.Insights/components");
    expect(text(at(workbook.body, "properties.sourceId"))).toBe(`${appInsights.symbol}.id`);
    expect(text(at(workbook.body, "name"))).toMatch(/^guid\(/);
  });
});

describe("infra/main.parameters.json", () => {
  const file = readJson<{ $schema: string; contentVersion: string; parameters: Record<string, unknown> }>(
    "infra/main.parameters.json",
  );

  it("is a deployment parameters file naming only parameters main.bicep declares", () => {
    expect(file.$schema).toMatch(/deploymentParameters\.json#$/);
    expect(file.contentVersion).toBe("1.0.0.0");
    const unknown = Object.keys(file.parameters).filter((name) => !main.params.has(name));
    expect(unknown).toEqual([]);
    for (const [name, entry] of Object.entries(file.parameters)) {
      expect(entry, name).toHaveProperty("value");
    }
  });

  it("holds no secret", () => {
    const secure = [...main.params.values()].filter((p) => p.decorators.some((d) => d.name === "secure"));
    expect(secure.length).toBeGreaterThan(0);
    for (const param of secure) expect(Object.keys(file.parameters)).not.toContain(param.name);
  });
});

describe("infra/main.bicep: Front Door deletes x-ms-invocation-id", () => {
  it("on every request of its route (the Functions host adds its own with TryAdd)", () => {
    expectStripsInvocationId(main);
  });
});

describe("infra/frontdoor/existing-profile.bicep", () => {
  it("adds tollgate as an origin of an existing profile and hands back the profile's id", async () => {
    const { parseBicep } = await import("./support/bicep.js");
    const example = parseBicep(readText("infra/frontdoor/existing-profile.bicep"));
    const profile = resourcesOfType(example, "Microsoft.Cdn/profiles")[0];
    if (!profile) throw new Error("no profile");
    expect(profile.existing).toBe(true);
    const origin = only(example, "Microsoft.Cdn/profiles/originGroups/origins");
    expect(identifier(at(origin.body, "properties.hostName"))).toBe("tollgateHostName");
    expect(text(example.outputs.get("frontDoorId")?.value)).toBe(`${profile.symbol}.properties.frontDoorId`);
    const route = only(example, "Microsoft.Cdn/profiles/afdEndpoints/routes");
    expect(at(route.body, "properties.cacheConfiguration")).toBeUndefined();
    expect(literalString(at(route.body, "properties.forwardingProtocol"))).toBe("HttpsOnly");
  });

  it("deletes a caller's x-ms-invocation-id on the route (the Functions host adds its own with TryAdd)", () => {
    expectStripsInvocationId(parseBicep(readText("infra/frontdoor/existing-profile.bicep")));
  });
});

describe("the Bicep reader these tests rely on", () => {
  it("reads nested objects, loops, conditions and interpolation", () => {
    const node = parseValue(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep source, with Bicep's interpolation.
      "[for x in xs: if (ok) {\n  name: '${p}-${x}'\n  tags: union(t, {\n    a: 'b'\n  })\n}]",
    );
    expect(node.kind).toBe("for");
    const body = node.kind === "for" && node.body.kind === "if" ? node.body.body : undefined;
    expect(interpolate(at(body, "name"), { p: "P", x: "X" })).toBe("P-X");
    expect(identifiersIn(at(body, "name"))).toEqual(["p", "x"]);
    expect(text(at(body, "tags"))).toBe("union(t, { a: 'b' })");
  });
});
