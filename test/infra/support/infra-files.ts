// The infra files as the tests read them, and the facts about them that several tests share.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ArrayNode,
  at,
  type BicepFile,
  literalString,
  type Node,
  type ObjectNode,
  parseBicep,
  type Resource,
  resourcesOfType,
} from "./bicep.js";

export const root = fileURLToPath(new URL("../../..", import.meta.url));

export function readText(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readText(path)) as T;
}

export function loadMain(): BicepFile {
  return parseBicep(readText("infra/main.bicep"));
}

export function only(file: BicepFile, type: string): Resource {
  const found = resourcesOfType(file, type).filter((r) => !r.existing);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as Resource;
}

export function functionAppOf(file: BicepFile): Resource {
  return only(file, "Microsoft.Web/sites");
}

export interface AppSetting {
  name: string;
  value: Node;
}

/** The Function App's app settings, in order (duplicates kept, so a test can see them). */
export function appSettingsOf(file: BicepFile): AppSetting[] {
  const list = at(functionAppOf(file).body, "properties.siteConfig.appSettings");
  if (list?.kind !== "array") throw new Error("the Function App has no siteConfig.appSettings array");
  return (list as ArrayNode).items.map((item, index) => {
    const name = literalString(at(item, "name"));
    const value = at(item, "value");
    if (item.kind !== "object" || name === undefined || value === undefined)
      throw new Error(`app setting #${index} is not { name: '<literal>', value: … }`);
    return { name, value };
  });
}

export function setting(file: BicepFile, name: string): Node {
  const found = appSettingsOf(file).find((s) => s.name === name);
  if (!found) throw new Error(`no app setting ${name}`);
  return found.value;
}

/** A variable's value, resolved when an expression is just another variable's name. */
export function variable(file: BicepFile, name: string): Node {
  const value = file.vars.get(name);
  if (!value) throw new Error(`no var ${name}`);
  return value;
}

export function objectVar(file: BicepFile, name: string): ObjectNode {
  const value = variable(file, name);
  if (value.kind !== "object") throw new Error(`var ${name} is not an object`);
  return value;
}

/** TOLLGATE_CLOCK_SKEW_SECONDS -> clockSkewSeconds: the parameter convention of main.bicep. */
export function parameterNameOf(settingName: string): string {
  return settingName
    .replace(/^TOLLGATE_/, "")
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Built-in Azure role definition ids (the same in every tenant). */
export const BUILT_IN_ROLES = {
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  storageTableDataReader: "76199698-9eea-4c19-bc75-cec21354c6b6",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
} as const;
