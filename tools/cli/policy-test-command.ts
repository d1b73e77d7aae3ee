// `tollgate policy test <tests.yaml>`, and the bundled tests `policy push` runs first: a policy
// file's tests live beside it as `<name>.tests.yaml`.

import { access } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { systemClock } from "../../shared/clock.js";
import {
  type CaseResult,
  describeOutcome,
  type PolicyTestFile,
  parsePolicyTests,
  runPolicyTests,
} from "../../shared/explain/policy-tests.js";
import type { PolicyFormat } from "../../shared/policy/parse-policy.js";
import type { Policy } from "../../shared/policy/policy-schema.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { pushedPolicy } from "./pushed-policy.js";
import { readPolicyFile } from "./read-policy-file.js";
import { readTextFile } from "./read-text-file.js";

export interface TestOptions {
  file: string;
  policyFile?: string;
  format?: PolicyFormat;
  json: boolean;
}

export async function testCommand(options: TestOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const tests = await readTests(options.file, cwd);
  const named =
    options.policyFile ?? (tests.policy ? relativeTo(options.file, tests.policy, cwd) : undefined);
  const { policy, source } = named
    ? { policy: await policyFromFile(named, cwd, options.format), source: named }
    : await storedPolicy(io);
  const results = await runPolicyTests(tests, policy, systemClock);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          tests: options.file,
          policy: source,
          passed: results.filter((r) => r.passed).length,
          failed: results.filter((r) => !r.passed).length,
          cases: results.map(({ name, passed, expected, actual }) => ({ name, passed, expected, actual })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(`${options.file} against ${source}\n${report(results)}`);
  }
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.no;
}

/** The tests file that ships with a policy file, if there is one. */
export async function bundledTestsFor(policyFile: string, cwd: string): Promise<string | undefined> {
  const base = policyFile.replace(/\.(ya?ml|json)$/i, "");
  for (const candidate of [`${base}.tests.yaml`, `${base}.tests.yml`, `${base}.tests.json`]) {
    try {
      await access(resolve(cwd, candidate));
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** Runs a policy's bundled tests before a push; true when they all pass. */
export async function bundledTestsPass(testsFile: string, policy: Policy, io: CliIo): Promise<boolean> {
  const tests = await readTests(testsFile, io.cwd ?? process.cwd());
  const results = await runPolicyTests(tests, policy, systemClock);
  const failed = results.filter((r) => !r.passed);
  if (failed.length === 0) {
    io.stdout.write(`${testsFile}: ${results.length} passed\n`);
    return true;
  }
  io.stderr.write(`${testsFile}: the policy's bundled tests fail:\n${report(results)}`);
  return false;
}

function report(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`  ${r.passed ? "✓" : "✗"} ${r.name}`);
    if (!r.passed) {
      lines.push(
        `      expected: ${describeOutcome(r.expected)}`,
        `      actual:   ${describeOutcome(r.actual)}`,
      );
      if (r.explanation.status !== undefined) lines.push(`      (${r.explanation.message})`);
    }
  }
  const passed = results.filter((r) => r.passed).length;
  lines.push(`${passed} passed, ${results.length - passed} failed`);
  return `${lines.join("\n")}\n`;
}

async function readTests(file: string, cwd: string): Promise<PolicyTestFile> {
  const text = await readTextFile(file, cwd);
  const parsed = parsePolicyTests(text);
  if (!parsed.ok)
    throw new CliError(`${file}: not a valid tests file:\n  ${parsed.errors.join("\n  ")}`, EXIT.usage);
  return parsed.file;
}

/** `policy:` in a tests file is relative to the tests file; the result is relative to `cwd`. */
function relativeTo(testsFile: string, policyFile: string, cwd: string): string {
  return relative(cwd, resolve(cwd, dirname(testsFile), policyFile)) || policyFile;
}

async function policyFromFile(file: string, cwd: string, format: PolicyFormat | undefined): Promise<Policy> {
  const read = await readPolicyFile(file, cwd, format);
  if (!read.ok) throw new CliError(`${file}: not a valid policy:\n  ${read.errors.join("\n  ")}`, EXIT.no);
  return read.policy;
}

async function storedPolicy(io: CliIo): Promise<{ policy: Policy; source: string }> {
  const stored = await pushedPolicy(io);
  if (!stored.parsed.ok) {
    throw new CliError(
      `The stored policy does not pass this tollgate's checks: ${stored.parsed.errors.join("; ")}`,
      EXIT.no,
    );
  }
  return { policy: stored.parsed.policy, source: `stored version ${stored.pointer.versionId}` };
}
