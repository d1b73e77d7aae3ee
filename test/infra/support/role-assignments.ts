// main.bicep's role assignments, one row per grant it makes: a loop over the tables
// (`[for i in range(0, length(tableSuffixes))]` with `scope: tables[i]`) becomes one row per
// table, its role worked out per table. Anything else in a scope or role is an error, so a new
// shape of grant fails here until this file reads it.

import {
  at,
  type BicepFile,
  exprText,
  identifier,
  literalString,
  type Node,
  resourcesOfType,
} from "./bicep.js";
import { objectVar, variable } from "./infra-files.js";

export interface Grant {
  symbol: string;
  /** A resource's symbol, or `tables[<suffix>]` for one of tollgate's tables. */
  scope: string;
  roleId: string | undefined;
  principal: string;
  principalType: string;
  condition: string;
}

const text = (node: Node | undefined) => exprText(node).replace(/\s+/g, " ");

function arrayOfStrings(file: BicepFile, name: string): string[] {
  const value = variable(file, name);
  if (value.kind !== "array") throw new Error(`var ${name} is not an array`);
  return value.items.map((item) => {
    const literal = literalString(item);
    if (literal === undefined) throw new Error(`var ${name} holds a non-literal: ${text(item)}`);
    return literal;
  });
}

/** The role key (in `var roles`) an expression names for the table `suffix` at `index`. */
function roleKeyOf(
  file: BicepFile,
  expression: string,
  index: string | undefined,
  suffix: string | undefined,
) {
  const direct = /^roles\.(\w+)$/.exec(expression);
  if (direct) return direct[1] as string;
  const indexed = /^(\w+)\[(\w+)\]$/.exec(expression);
  if (indexed && indexed[2] === index && suffix !== undefined) {
    // A per-table role list: [for suffix in tableSuffixes: contains(list, suffix) ? roles.a : roles.b]
    const roleList = variable(file, indexed[1] as string);
    if (roleList.kind !== "for" || text(roleList.collection) !== "tableSuffixes")
      throw new Error(`var ${indexed[1]} is not a loop over tableSuffixes`);
    const v = roleList.variable;
    const choice = new RegExp(`^contains\\((\\w+), ${v}\\) \\? roles\\.(\\w+) : roles\\.(\\w+)$`).exec(
      text(roleList.body),
    );
    if (!choice) throw new Error(`var ${indexed[1]}: cannot read ${text(roleList.body)}`);
    return arrayOfStrings(file, choice[1] as string).includes(suffix)
      ? (choice[2] as string)
      : (choice[3] as string);
  }
  throw new Error(`cannot read the role in ${expression}`);
}

export function grantsOf(file: BicepFile): Grant[] {
  const roles = objectVar(file, "roles");
  const suffixes = arrayOfStrings(file, "tableSuffixes");
  const grants: Grant[] = [];
  for (const r of resourcesOfType(file, "Microsoft.Authorization/roleAssignments")) {
    const definition = text(at(r.body, "properties.roleDefinitionId"));
    const roleExpression =
      /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (.+)\)$/.exec(definition)?.[1] ??
      "";
    const scopeText = text(at(r.body, "scope"));
    const row = (scope: string, suffix?: string): Grant => ({
      symbol: r.symbol,
      scope,
      roleId: literalString(roles.entries.get(roleKeyOf(file, roleExpression, r.loop?.variable, suffix))),
      principal: text(at(r.body, "properties.principalId")),
      principalType: text(at(r.body, "properties.principalType")),
      condition: text(r.condition),
    });
    if (!r.loop) {
      const scope = identifier(at(r.body, "scope"));
      if (scope === undefined) throw new Error(`${r.symbol}: scope '${scopeText}' is not a resource`);
      grants.push(row(scope));
      continue;
    }
    const index = r.loop.variable;
    if (text(r.loop.collection) !== "range(0, length(tableSuffixes))" || scopeText !== `tables[${index}]`)
      throw new Error(`${r.symbol}: only loops over the tables (scope: tables[${index}]) are read`);
    for (const suffix of suffixes) grants.push(row(`tables[${suffix}]`, suffix));
  }
  return grants;
}
