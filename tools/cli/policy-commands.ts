// `tollgate policy validate | push | show | diff`: each a function from its arguments to an
// exit code, printing to the streams it is given.

import { hostname, userInfo } from "node:os";
import { canonicalJson } from "../../shared/policy/canonical-json.js";
import { type PolicyFormat, validatePolicyDocument } from "../../shared/policy/parse-policy.js";
import type { PolicyDocument } from "../../shared/policy/policy-schema.js";
import { PolicyConflictError, PolicyValidationError, pushPolicy } from "../../shared/policy/push-policy.js";
import { readCurrentPolicy, type StoredPolicy } from "../../shared/policy/read-current-policy.js";
import { resourceSettingWarnings } from "../../shared/policy/resource-warnings.js";
import { anyTenantWarnings } from "../../shared/policy/tenant-warnings.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { policyTableFromEnv } from "./cli-storage.js";
import { unifiedDiff } from "./line-diff.js";
import { bundledTestsFor, bundledTestsPass } from "./policy-test-command.js";
import { asYaml } from "./policy-yaml.js";
import { readPolicyFile } from "./read-policy-file.js";
import { shadowTableFromEnv } from "./shadow-commands.js";

/** Long enough for a slow link to a real account; the CLI is not on any request path. */
const STORAGE_TIMEOUT_MS = 15_000;

export interface FileOptions {
  file: string;
  format?: PolicyFormat;
}

function say(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

function complain(io: CliIo, text: string): void {
  io.stderr.write(`${text}\n`);
}

/** Validates the file; prints its errors (and warnings). The parsed document, or undefined. */
async function checkedFile(options: FileOptions, io: CliIo): Promise<PolicyDocument | undefined> {
  const result = await readPolicyFile(options.file, io.cwd ?? process.cwd(), options.format);
  if (!result.ok) {
    complain(io, `${options.file}: not a valid policy (${plural(result.errors.length, "error")}):`);
    for (const error of result.errors) complain(io, `  ${error}`);
    return undefined;
  }
  // The store's load event cannot know the tenants setting; the CLI reads it from its environment.
  const anyTenant = io.env.TOLLGATE_TENANTS?.split(",").some((id) => id.trim() === "*") === true;
  const warnings = [
    ...result.warnings,
    ...(anyTenant ? anyTenantWarnings(result.policy) : []),
    ...resourceSettingWarnings(result.policy, io.env),
  ];
  for (const warning of warnings) complain(io, `${options.file}: warning: ${warning}`);
  return result.document;
}

export async function validateCommand(options: FileOptions, io: CliIo): Promise<number> {
  const document = await checkedFile(options, io);
  if (document === undefined) return EXIT.no;
  say(io, `${options.file}: valid (${plural(document.rules.length, "rule")})`);
  return EXIT.ok;
}

export async function pushCommand(
  options: FileOptions & { ifVersion?: string; skipTests?: boolean; shadow?: boolean },
  io: CliIo,
): Promise<number> {
  const document = await checkedFile(options, io);
  if (document === undefined) {
    complain(io, "Nothing was pushed.");
    return EXIT.no;
  }
  // A policy's bundled tests (`<name>.tests.yaml` beside it) must pass before it goes live.
  const tests = await bundledTestsFor(options.file, io.cwd ?? process.cwd());
  if (tests !== undefined && options.skipTests) complain(io, `warning: ${tests} not run (--skip-tests).`);
  if (tests !== undefined && !options.skipTests) {
    const parsed = validatePolicyDocument(document);
    if (parsed.ok && !(await bundledTestsPass(tests, parsed.policy, io))) {
      complain(io, "Nothing was pushed (--skip-tests pushes anyway).");
      return EXIT.no;
    }
  }
  // A shadow candidate goes to its own table, laid out as the policy table (see shared/shadow).
  const client = options.shadow ? shadowTableFromEnv(io.env) : policyTableFromEnv(io.env);
  try {
    const result = await pushPolicy(client, document, {
      storageTimeoutMs: STORAGE_TIMEOUT_MS,
      updatedBy: whoami(),
      ...(options.ifVersion === undefined ? {} : { ifVersion: options.ifVersion }),
    });
    if (!result.changed) {
      say(io, `Unchanged: the stored policy (version ${result.versionId}) is already this document.`);
      return EXIT.ok;
    }
    const previous = result.previousVersionId ? `; previous version ${result.previousVersionId}` : "";
    if (options.shadow) {
      say(
        io,
        `Pushed shadow candidate version ${result.versionId} (sha256 ${result.sha256.slice(0, 12)})${previous}.`,
      );
      say(
        io,
        "Instances evaluate it beside the live policy from their next refresh; the live policy alone decides.",
      );
      return EXIT.ok;
    }
    say(io, `Pushed policy version ${result.versionId} (sha256 ${result.sha256.slice(0, 12)})${previous}.`);
    say(io, "Instances pick it up at their next refresh.");
    if (result.pruneError) complain(io, `warning: old versions were not pruned: ${result.pruneError}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof PolicyConflictError) throw new CliError(`Not pushed: ${error.message}.`, EXIT.no);
    if (error instanceof PolicyValidationError) {
      throw new CliError(`${options.file}: not pushed: ${error.errors.join("; ")}`, EXIT.no);
    }
    throw storageError(error);
  }
}

export async function showCommand(options: { json: boolean }, io: CliIo): Promise<number> {
  const stored = await readStored(io);
  if (stored === undefined) {
    if (options.json) say(io, "null");
    else complain(io, "No policy has been pushed yet.");
    return EXIT.no;
  }
  const { pointer, text, parsed } = stored;
  const document: unknown = JSON.parse(text);
  if (options.json) {
    say(
      io,
      JSON.stringify(
        {
          versionId: pointer.versionId,
          sha256: pointer.sha256,
          updatedAt: pointer.updatedAt,
          updatedBy: pointer.updatedBy ?? null,
          valid: parsed.ok,
          ...(parsed.ok ? { warnings: parsed.warnings } : { errors: parsed.errors }),
          document,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  say(io, `# version   ${pointer.versionId}`);
  say(io, `# sha256    ${pointer.sha256}`);
  say(io, `# updated   ${pointer.updatedAt}${pointer.updatedBy ? ` by ${pointer.updatedBy}` : ""}`);
  if (parsed.ok) {
    say(io, `# rules     ${parsed.policy.rules.length}`);
    for (const warning of parsed.warnings) say(io, `# warning: ${warning}`);
  } else {
    // Instances refuse such a version and keep the one before (a newer schema pushed it, say).
    say(io, "# This version does not pass this tollgate's checks:");
    for (const error of parsed.errors) say(io, `#   ${error}`);
  }
  io.stdout.write(asYaml(document));
  return EXIT.ok;
}

export async function diffCommand(options: FileOptions, io: CliIo): Promise<number> {
  const document = await checkedFile(options, io);
  if (document === undefined) return EXIT.no;
  const stored = await readStored(io);
  const before = stored === undefined ? [] : lines(canonicalJson(JSON.parse(stored.text), 2));
  const after = lines(canonicalJson(document, 2));
  const from =
    stored === undefined ? "stored (no policy yet)" : `stored (version ${stored.pointer.versionId})`;
  const diff = unifiedDiff(before, after, { from, to: options.file });
  if (diff === "") {
    say(io, `No differences: ${options.file} is the stored policy (version ${stored?.pointer.versionId}).`);
    return EXIT.ok;
  }
  io.stdout.write(diff);
  return EXIT.no;
}

async function readStored(io: CliIo): Promise<StoredPolicy | undefined> {
  const client = policyTableFromEnv(io.env);
  try {
    return await readCurrentPolicy(client, { storageTimeoutMs: STORAGE_TIMEOUT_MS });
  } catch (error) {
    throw storageError(error);
  }
}

function storageError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
  return new CliError(
    timedOut
      ? `The policy table did not answer within ${STORAGE_TIMEOUT_MS / 1000} s.`
      : `The policy table could not be used: ${message}`,
    EXIT.storage,
  );
}

function lines(text: string): string[] {
  return text.split("\n");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Recorded with the push for `show`; informational, so any failure just leaves it out. */
function whoami(): string | undefined {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return undefined;
  }
}
