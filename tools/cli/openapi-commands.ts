// `tollgate policy import <openapi>` and `tollgate policy drift <openapi>`: an OpenAPI 3.x or
// Swagger 2.0 document, read and validated by @apidevtools/swagger-parser, turned into rules
// or compared with a role map (shared/openapi does the work).

import { resolve } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { type Drift, findDrift, hasDrift } from "../../shared/openapi/drift.js";
import { importPolicy } from "../../shared/openapi/import-policy.js";
import { listOperations, type Operation, ROLES_EXTENSION } from "../../shared/openapi/operations.js";
import { type PolicyFormat, validatePolicyDocument } from "../../shared/policy/parse-policy.js";
import type { Policy } from "../../shared/policy/policy-schema.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { asYaml } from "./policy-yaml.js";
import { pushedPolicy } from "./pushed-policy.js";
import { readPolicyFile } from "./read-policy-file.js";

type Json = Record<string, unknown>;

export interface ImportOptions {
  file: string;
  backend: string;
  backendUrl?: string;
  resource?: string;
}

export async function importCommand(options: ImportOptions, io: CliIo): Promise<number> {
  const api = await readOpenApi(options.file, io);
  const backendUrl = options.backendUrl ?? serverUrl(api);
  if (backendUrl === undefined) {
    throw new CliError(
      `${options.file} names no absolute server URL; give the backend's with --backend-url https://...`,
      EXIT.usage,
    );
  }
  const operations = listOperations(api, options.resource ? { resource: options.resource } : {});
  const result = importPolicy(operations, { backend: options.backend, backendUrl });
  // What is printed must load: the import is checked by the same door as a pushed policy.
  const checked = validatePolicyDocument(result.document);
  if (!checked.ok) {
    throw new CliError(`the imported policy does not validate:\n  ${checked.errors.join("\n  ")}`, EXIT.no);
  }
  const lines = [
    `# Imported by \`tollgate policy import ${options.file}\`: one rule per operation, its OAuth2 scopes`,
    `# (all of those one security alternative lists) as the requirement; ${ROLES_EXTENSION} app roles as another way in.`,
  ];
  io.stdout.write(`${lines.join("\n")}\n${asYaml(result.document)}`);
  if (result.decisions.length > 0) {
    const block = [
      "",
      `# NEEDS A DECISION: ${result.decisions.length} operation(s) declare nothing tollgate can enforce. No rule`,
      "# was written, so the default rule refuses them. To open one to any valid Entra token, add its rule:",
    ];
    for (const pending of result.decisions) {
      block.push(`#   ${label(pending.operation)}: ${pending.why}`);
      block.push(`#   - ${JSON.stringify(pending.rule)}`);
    }
    io.stdout.write(`${block.join("\n")}\n`);
  }
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  io.stderr.write(
    `${options.file}: ${result.document.rules.length} rules written, ${result.decisions.length} operation(s) left for a decision.\n`,
  );
  return EXIT.ok;
}

export interface DriftOptions {
  file: string;
  policyFile?: string;
  format?: PolicyFormat;
  resource?: string;
  json: boolean;
}

export async function driftCommand(options: DriftOptions, io: CliIo): Promise<number> {
  const api = await readOpenApi(options.file, io);
  const { policy, source } = await policyFor(options, io);
  const drift = findDrift(
    listOperations(api, options.resource ? { resource: options.resource } : {}),
    policy,
  );
  if (options.json)
    io.stdout.write(
      `${JSON.stringify({ openapi: options.file, policy: source, drift: hasDrift(drift), ...jsonOf(drift) }, null, 2)}\n`,
    );
  else io.stdout.write(driftText(options.file, source, drift));
  return hasDrift(drift) ? EXIT.no : EXIT.ok;
}

function driftText(file: string, source: string, drift: Drift): string {
  const out = [`${file} against ${source}`];
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push(`${title} (${items.length}):`, ...items.map((item) => `  ${item}`));
  };
  section(
    "operations no rule covers",
    drift.uncovered.map(
      (u) =>
        `${label(u.operation)}${u.fallsTo ? `: falls to rule '${u.fallsTo}', written for another path` : ""}`,
    ),
  );
  section(
    "rules that match no operation",
    drift.unmatchedRules.map((id) => `rule '${id}'`),
  );
  section(
    "scope differences",
    drift.scopeDifferences.map(
      (d) => `${label(d.operation)}: the document needs ${d.document}; rule '${d.ruleId}' requires ${d.rule}`,
    ),
  );
  section(
    "operations without enforceable security and without a rule (refused by default; not drift)",
    drift.undecided.map((operation) => `${label(operation)}: ${operation.decision}`),
  );
  out.push(hasDrift(drift) ? "drift found" : "no drift");
  return `${out.join("\n")}\n`;
}

function jsonOf(drift: Drift) {
  const op = (o: Operation) => ({
    method: o.method,
    path: o.path,
    ...(o.operationId ? { operationId: o.operationId } : {}),
  });
  return {
    uncovered: drift.uncovered.map((u) => ({
      ...op(u.operation),
      ...(u.fallsTo ? { fallsTo: u.fallsTo } : {}),
    })),
    unmatchedRules: drift.unmatchedRules,
    scopeDifferences: drift.scopeDifferences.map((d) => ({
      ...op(d.operation),
      ruleId: d.ruleId,
      document: d.document,
      rule: d.rule,
    })),
    undecided: drift.undecided.map((o) => ({ ...op(o), why: o.decision })),
  };
}

function label(operation: Operation): string {
  return `${operation.method} ${operation.path}${operation.operationId ? ` (${operation.operationId})` : ""}`;
}

async function readOpenApi(file: string, io: CliIo): Promise<Json> {
  try {
    // Validates against the OpenAPI / Swagger schema, then resolves every $ref.
    return (await SwaggerParser.validate(resolve(io.cwd ?? process.cwd(), file))) as unknown as Json;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(`${file}: cannot be read (ENOENT)`, EXIT.usage);
    throw new CliError(
      `${file}: not a valid OpenAPI 3.x or Swagger 2.0 document: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
}

/** OpenAPI 3: the first server; Swagger 2: scheme, host and basePath. Absolute URLs only. */
function serverUrl(api: Json): string | undefined {
  const servers = api.servers;
  if (Array.isArray(servers)) {
    const url = (servers[0] as { url?: unknown } | undefined)?.url;
    return typeof url === "string" && /^https?:\/\//.test(url) ? url.replace(/\/+$/, "") : undefined;
  }
  if (typeof api.host === "string") {
    const schemes = Array.isArray(api.schemes) ? api.schemes : [];
    const scheme = schemes.includes("https") ? "https" : schemes.includes("http") ? "http" : "https";
    const base = typeof api.basePath === "string" ? api.basePath.replace(/\/+$/, "") : "";
    return `${scheme}://${api.host}${base}`;
  }
  return undefined;
}

async function policyFor(options: DriftOptions, io: CliIo): Promise<{ policy: Policy; source: string }> {
  if (options.policyFile !== undefined) {
    const read = await readPolicyFile(options.policyFile, io.cwd ?? process.cwd(), options.format);
    if (!read.ok)
      throw new CliError(
        `${options.policyFile}: not a valid policy:\n  ${read.errors.join("\n  ")}`,
        EXIT.usage,
      );
    return { policy: read.policy, source: options.policyFile };
  }
  const stored = await pushedPolicy(io);
  if (!stored.parsed.ok)
    throw new CliError(`The stored policy does not pass this tollgate's checks.`, EXIT.no);
  return { policy: stored.parsed.policy, source: `stored version ${stored.pointer.versionId}` };
}
