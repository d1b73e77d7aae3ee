// `tollgate explain`: what the gateway would answer to one request and why, from the gateway's
// own validator and evaluator (shared/explain). Prints each step; never the token.

import { parse as parseYaml } from "yaml";
import { enforceLifetimeLimits } from "../../shared/audit/enforce-lifetime.js";
import { lifetimeLimits } from "../../shared/audit/lifetime-limits.js";
import { systemClock } from "../../shared/clock.js";
import { loadSettings, type Settings, SettingsError } from "../../shared/config/settings.js";
import { claimsValidator } from "../../shared/explain/claims-validator.js";
import { type Explanation, explainRequest } from "../../shared/explain/explain-request.js";
import { requirementLines, ruleLines } from "../../shared/policy/format-trace.js";
import type { PolicyFormat } from "../../shared/policy/parse-policy.js";
import type { Policy } from "../../shared/policy/policy-schema.js";
import { policyTableClient } from "../../shared/policy/policy-table.js";
import { readCurrentPolicy } from "../../shared/policy/read-current-policy.js";
import { createTableClientFactory } from "../../shared/storage/table-client.js";
import { createTokenValidator } from "../../shared/token/create-token-validator.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { readPolicyFile } from "./read-policy-file.js";
import { readTextFile } from "./read-text-file.js";

export interface ExplainOptions {
  method: string;
  path: string;
  host?: string;
  token?: string;
  claimsFile?: string;
  policyFile?: string;
  format?: PolicyFormat;
  json: boolean;
}

export async function explainCommand(options: ExplainOptions, io: CliIo): Promise<number> {
  const settings = settingsFrom(io.env);
  const tables = createTableClientFactory(settings.storage);
  const { policy, policySource } = await policyFor(options, settings, io);

  let validator: Parameters<typeof enforceLifetimeLimits>[0];
  let authorization: string | undefined;
  if (options.token !== undefined) {
    // The live key sources, as an instance reads them: the Table snapshot, then Entra.
    validator = createTokenValidator(settings, { tables, clock: systemClock }).validator;
    const token = options.token === "-" ? await tokenFromStdin(io) : options.token;
    authorization = `Bearer ${token}`;
  } else {
    validator = claimsValidator(
      await readClaims(options.claimsFile as string, io),
      settings.token,
      systemClock,
    );
  }
  if (settings.audit.enforce) validator = enforceLifetimeLimits(validator, lifetimeLimits(settings.audit));

  const explanation = await explainRequest(
    { method: options.method, target: options.path, ...(options.host ? { host: options.host } : {}) },
    { validator, authorization, policy, defaultBackendUrl: settings.backend.defaultUrl },
  );
  if (options.json)
    io.stdout.write(
      `${JSON.stringify({ request: requestOf(options), policy: policySource, ...explanation }, null, 2)}\n`,
    );
  else io.stdout.write(explainText(options, policySource, explanation, options.token !== undefined));
  return explanation.outcome === "allow" || explanation.outcome === "report_only_deny" ? EXIT.ok : EXIT.no;
}

function requestOf(options: ExplainOptions) {
  return { method: options.method, path: options.path, ...(options.host ? { host: options.host } : {}) };
}

function settingsFrom(env: Record<string, string | undefined>): Settings {
  try {
    return loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) {
      throw new CliError(
        `explain runs with the gateway's settings, and they are not usable: ${error.problems.join("; ")}`,
        EXIT.usage,
      );
    }
    throw error;
  }
}

async function policyFor(
  options: ExplainOptions,
  settings: Settings,
  io: CliIo,
): Promise<{ policy: Policy | undefined; policySource: string }> {
  if (options.policyFile !== undefined) {
    const read = await readPolicyFile(options.policyFile, io.cwd ?? process.cwd(), options.format);
    if (!read.ok) {
      throw new CliError(
        `${options.policyFile}: not a valid policy:\n  ${read.errors.join("\n  ")}`,
        EXIT.usage,
      );
    }
    return { policy: read.policy, policySource: options.policyFile };
  }
  const client = policyTableClient(createTableClientFactory(settings.storage), settings.tablePrefix);
  let stored: Awaited<ReturnType<typeof readCurrentPolicy>>;
  try {
    stored = await readCurrentPolicy(client, { storageTimeoutMs: 15_000 });
  } catch (error) {
    throw new CliError(`The policy table could not be used: ${(error as Error).message}`, EXIT.storage);
  }
  if (stored === undefined) return { policy: undefined, policySource: "stored (none pushed yet)" };
  if (!stored.parsed.ok) {
    throw new CliError(
      `The stored policy (version ${stored.pointer.versionId}) does not pass this tollgate's checks: ${stored.parsed.errors.join("; ")}`,
      EXIT.no,
    );
  }
  return { policy: stored.parsed.policy, policySource: `stored version ${stored.pointer.versionId}` };
}

/** `--token -`: the token from standard input, so it is in neither shell history nor `ps`. */
async function tokenFromStdin(io: CliIo): Promise<string> {
  if (io.stdin === undefined) throw new CliError("--token - needs the token on standard input", EXIT.usage);
  let text = "";
  for await (const chunk of io.stdin)
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  // One trailing line break (echo, a file) is not part of the token; anything else is.
  const token = text.replace(/\r?\n$/, "");
  if (token === "") throw new CliError("--token -: standard input was empty", EXIT.usage);
  return token;
}

async function readClaims(file: string, io: CliIo): Promise<Record<string, unknown>> {
  const text = await readTextFile(file, io.cwd ?? process.cwd());
  let claims: unknown;
  try {
    claims = parseYaml(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON or YAML (${(error as Error).message})`, EXIT.usage);
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new CliError(
      `${file}: must hold one object of claims, such as {"roles": ["reader"], ...}`,
      EXIT.usage,
    );
  }
  return claims as Record<string, unknown>;
}

/** The explanation as an operator reads it. Nothing here comes from the token's text. */
export function explainText(
  options: Pick<ExplainOptions, "method" | "path">,
  policySource: string,
  e: Explanation,
  withToken: boolean,
): string {
  const out: string[] = [`${options.method} ${options.path}`];
  const checks = e.trace.tokenChecks;
  if (checks.length > 0) {
    out.push(
      withToken
        ? "token checks:"
        : "claim checks (no token: its shape, header, issuer metadata, keys and signature not checked):",
    );
    const failedAt = e.principal === undefined && e.reason !== undefined ? checks.length - 1 : -1;
    for (const [index, check] of checks.entries()) {
      out.push(index === failedAt ? `  FAILED ${check}: ${e.message}` : `  ok     ${check}`);
    }
  }
  if (e.principal) {
    const p = e.principal;
    out.push(
      "principal:",
      `  ${p.kind} ${p.objectId} in tenant ${p.tenantId}, client app ${p.clientAppId}, token v${p.tokenVersion}`,
      `  roles: ${list(p.roles)}; scopes: ${list(p.scopes)}; groups: ${p.groupsOverage ? "overage (not in the token)" : p.groups.length}`,
    );
  }
  if (e.principal) {
    out.push(`rules (${policySource}):`);
    if (e.trace.rules.length === 0) out.push("  (none tried)");
    out.push(...ruleLines(e.trace).map((line) => `  ${line}`));
    if (e.ruleId && !e.trace.rules.some((rule) => rule.matched))
      out.push(`  no rule matched: the default rule '${e.ruleId}' applies`);
    if (e.trace.requirement.length > 0) {
      out.push(
        `requirement of '${e.ruleId}':`,
        ...requirementLines(e.trace.requirement).map((line) => `  ${line}`),
      );
    } else if (e.ruleId) out.push(`requirement of '${e.ruleId}': none (any authenticated caller)`);
  } else if (e.ruleId && e.outcome === "allow") {
    // A public rule is decided from the route before any token is read (shared/policy/public-rule.ts).
    out.push(`rules (${policySource}):`, `  rule '${e.ruleId}': matched, public: no token needed, none read`);
  }
  if (e.rateLimit) {
    out.push(
      `rate limit: '${e.rateLimit.name}' (${e.rateLimit.requests} requests per ${e.rateLimit.window} s) would be charged`,
    );
  }
  if (e.status === undefined) {
    out.push(
      `result: ${e.outcome}${e.reason ? ` (${e.reason}: report-only)` : ""}, would be forwarded to ${e.backendUrl}`,
      `  ${e.message}`,
    );
  } else {
    out.push(`result: ${e.outcome} ${e.status} ${e.reason}`, `  ${e.message}`);
    if (e.reason === "keys_unavailable") {
      out.push(
        "  The token could not be verified: the live key sources (Table snapshot, Entra) did not answer.",
      );
    }
    if (e.challenge) out.push(`  WWW-Authenticate: ${e.challenge}`);
  }
  return `${out.join("\n")}\n`;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? "(none)" : names.join(" ");
}
