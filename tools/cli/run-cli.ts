// The command line, as a function: arguments and streams in, exit code out. `main.ts` hands it
// the real process; tests call it directly.

import { parseArgs } from "node:util";
import type { PolicyFormat } from "../../shared/policy/parse-policy.js";
import { accessCommand } from "./access-command.js";
import { importApimCommand } from "./apim/import-apim-command.js";
import { auditCommand } from "./audit-command.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { explainCommand } from "./explain-command.js";
import { keysRefreshCommand } from "./keys-command.js";
import { driftCommand, importCommand } from "./openapi-commands.js";
import { diffCommand, pushCommand, showCommand, validateCommand } from "./policy-commands.js";
import { testCommand } from "./policy-test-command.js";
import { revocationsCommand, revokeCommand } from "./revocation-commands.js";
import { clearShadowCommand, promoteCommand, shadowReportCommand } from "./shadow-commands.js";
import { tenantsCommand } from "./tenant-commands.js";

export const USAGE = `Usage: tollgate policy <command> [options]
       tollgate audit [--json] [--all]
       tollgate explain --path <path> (--token <jwt> | --claims <file>) [options]
       tollgate access [--tenant T] [--caller OID] [--client-app ID] [--rule R] [--since 30d] [--json|--csv]
       tollgate keys refresh
       tollgate revoke <target> --reason <text> [--issued-before <time>] [--expires <when>]
       tollgate revocations list [--json] | remove <target>
       tollgate tenants add|suspend|resume <tenant-id> [--note <text>] | list [--json]

Commands:
  validate <file>   Check a policy file (YAML or JSON); print every error and warning.
  push <file>       Validate, then publish the file as the new policy version.
                    --if-version <id>  only if the stored version is still <id>
                    Runs the policy's bundled tests (<name>.tests.yaml beside it) first and
                    pushes nothing if one fails.  --skip-tests  push anyway
                    --shadow  store it as the shadow candidate instead: every instance
                    evaluates it beside the live policy, which alone decides
  shadow-report     The requests the shadow candidate decided differently since it was
                    pushed, counted per live/shadow outcome and rule.  --json
  promote           Make the shadow candidate the live policy (ETag-guarded, as push;
                    --if-version <id>), then remove it as the shadow.
  shadow --clear    Remove the shadow candidate.
  import <openapi>  Print a policy with one rule per operation of an OpenAPI 3.x or Swagger 2.0
                    document, its OAuth2 scopes as requirements; operations without security
                    get no rule and are listed for a decision.  --backend <name> (required)
                    --backend-url <url> (default: the document's server)
                    --resource <Application ID URI>  strip it from scope names
  drift <openapi>   Operations no rule covers, rules no operation reaches, scope differences.
                    Exit 1 on drift.  --policy <file> (default: the stored policy)  --json
  test <tests.yaml> Run policy test cases (request and caller -> expected outcome) through
                    the gateway's own evaluator.  --policy <file> (default: the tests file's
                    'policy', else the stored policy)  --json
  show              Print the stored policy.  --json  as JSON, with its version and sha256
  diff <file>       Show what pushing the file would change (normalised JSON, unified diff).
  import-apim <xml> Convert an APIM policy (validate-jwt, validate-azure-ad-token,
                    rate-limit-by-key, quota-by-key): the role map on stdout (YAML), the
                    settings and everything not converted on stderr.

  explain           What the gateway would answer to one request, and why: each token (or
                    claim) check, the principal, every rule tried, the requirement tree, the
                    rate limit, the status, reason and challenge. Exit 0 allow, 1 deny.
                    --method <m> (default GET)  --path <path[?query]>  --host <host>
                    --token <jwt> (verified against the live keys; '-' reads it from
                    standard input) | --claims <file.json>
                    --policy <file> (default: the stored policy)  --json
                    Reads the gateway's TOLLGATE_* settings. Never prints the token.

  audit             List the token-lifetime findings the timer function stored (open ones).
                    --all  resolved ones too;  --json  as JSON

  revoke <target>   Refuse the target's tokens before they expire. <target> is one of
                      user <tenant-id> <object-id>
                      app <client-app-id> [--tenant <tenant-id>]
                      tenant <tenant-id>
                      token <uti>
                    --reason <text>         why (required; shown by 'revocations list')
                    --issued-before <time>  user/app only: only tokens issued before
                                            'now' or an ISO 8601 time (revokeSignInSessions)
                    --expires <when>        the entry lapses: 90m, 12h, 7d or an ISO 8601 time
  revocations list  The stored revocations.  --json  as JSON
  revocations remove <target>   Accept the target's tokens again.

  tenants add <id>      Onboard a tenant (active).  --note <text>
  tenants suspend <id>  Refuse the tenant's callers (tenant_suspended).  --note <text> (required)
  tenants resume <id>   Make a suspended tenant active again.
  tenants list          The stored tenants.  --json  as JSON
  access            The access review: who reached which rule through which client app, how
                    often, first and last seen, refusals by reason (from the access trail).
                    --tenant, --caller (object id; hashed when TOLLGATE_ACCESS_HASH_KEY is set),
                    --client-app, --rule filter;  --since 30d|12h|2026-11-01 (default 30d);
                    --json or --csv for machines

  keys refresh      Fetch Entra's signing keys now and write the snapshot with no grace for
                    removed keys: every instance drops a withdrawn key within one snapshot
                    check. Reads the gateway's own settings (TOLLGATE_TENANTS, ...).

Options:
  --format json|yaml   Read <file> as this format (default: by extension)
  -h, --help           This help

Storage: TOLLGATE_STORAGE (or AzureWebJobsStorage) is a connection string or a table endpoint
URL; TOLLGATE_TABLE_PREFIX names the tables (default: tollgate).

Exit codes: 0 done; 1 invalid policy, differences found, nothing stored, open findings, or
nothing to remove or resume;
2 usage; 3 storage.
`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`${error.message}\n`);
      if (error.exitCode === EXIT.usage && error.message.startsWith("Usage error"))
        io.stderr.write(`\n${USAGE}`);
      return error.exitCode;
    }
    io.stderr.write(
      `Unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.storage;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  // One moment for every command that reads "now" (`--since 30d`, `--expires 90m`, `now`).
  const nowMs = io.now?.() ?? Date.now();
  // Their own options, parsed by their own commands.
  if (argv[0] === "revoke") return revokeCommand(argv.slice(1), io, nowMs);
  if (argv[0] === "revocations") return revocationsCommand(argv.slice(1), io, nowMs);
  if (argv[0] === "tenants") return tenantsCommand(argv.slice(1), io, nowMs);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.stdout.write(USAGE);
    return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
  }
  const [group, command, file, ...extra] = positionals;
  if (group === "explain") return explainFrom(values, positionals, io);
  for (const name of EXPLAIN_ONLY) if (values[name] !== undefined) throw usage(`--${name} is for 'explain'`);
  const accessOptions = ["tenant", "caller", "client-app", "rule", "since", "csv"] as const;
  if (group === "access") {
    if (command !== undefined) throw usage("'access' takes no positional arguments");
    if (values.format !== undefined || values["if-version"] !== undefined || values.all)
      throw usage("'access' takes --tenant, --caller, --client-app, --rule, --since, --json and --csv");
    return accessCommand(
      {
        tenant: values.tenant,
        caller: values.caller,
        clientApp: values["client-app"],
        rule: values.rule,
        since: values.since,
        json: values.json === true,
        csv: values.csv === true,
      },
      io,
      nowMs,
    );
  }
  const misplaced = accessOptions.find((name) => values[name] !== undefined);
  if (misplaced !== undefined) throw usage(`--${misplaced} is for 'access'`);
  if (group === "audit") {
    if (command !== undefined) throw usage("'audit' takes no arguments");
    if (values.format !== undefined || values["if-version"] !== undefined)
      throw usage("'audit' takes --json and --all only");
    return auditCommand({ json: values.json === true, all: values.all === true }, io);
  }
  if (group === "keys") {
    if (command !== "refresh" || file !== undefined) throw usage("'keys' has one command: 'keys refresh'");
    if (Object.values(values).some((value) => value !== undefined))
      throw usage("'keys refresh' takes no options");
    return keysRefreshCommand(io);
  }
  if (values.all) throw usage("--all is for 'audit'");
  if (group !== "policy") throw usage(`unknown command '${group}'`);
  const format = formatOption(values.format);

  const needsFile =
    command === "validate" ||
    command === "push" ||
    command === "diff" ||
    command === "test" ||
    command === "import" ||
    command === "drift" ||
    command === "import-apim";
  if (needsFile && file === undefined) throw usage(`'policy ${command}' needs a policy file`);
  if (extra.length > 0 || (!needsFile && file !== undefined)) throw usage("too many arguments");
  if (values.json && !["show", "test", "drift", "shadow-report"].includes(command ?? ""))
    throw usage(
      "--json is for 'policy show', 'policy test', 'policy drift', 'policy shadow-report', 'explain' and 'audit'",
    );
  if (values.policy !== undefined && command !== "test" && command !== "drift")
    throw usage("--policy is for 'policy test', 'policy drift' and 'explain'");
  if ((values.backend !== undefined || values["backend-url"] !== undefined) && command !== "import")
    throw usage("--backend and --backend-url are for 'policy import'");
  if (values.resource !== undefined && command !== "import" && command !== "drift")
    throw usage("--resource is for 'policy import' and 'policy drift'");
  if (values["skip-tests"] && command !== "push") throw usage("--skip-tests is for 'policy push'");
  if (values.shadow && command !== "push") throw usage("--shadow is for 'policy push'");
  if (values.clear && command !== "shadow") throw usage("--clear is for 'policy shadow'");
  if (values["if-version"] !== undefined && command !== "push" && command !== "promote")
    throw usage("--if-version is for 'policy push' and 'policy promote'");

  const fileOptions = { file: file as string, ...(format === undefined ? {} : { format }) };
  switch (command) {
    case "validate":
      return validateCommand(fileOptions, io);
    case "push": {
      const ifVersion = values["if-version"];
      return pushCommand(
        {
          ...fileOptions,
          ...(ifVersion === undefined ? {} : { ifVersion }),
          ...(values["skip-tests"] ? { skipTests: true } : {}),
          ...(values.shadow ? { shadow: true } : {}),
        },
        io,
      );
    }
    case "shadow-report":
      return shadowReportCommand({ json: values.json === true }, io);
    case "promote": {
      const ifVersion = values["if-version"];
      return promoteCommand(ifVersion === undefined ? {} : { ifVersion }, io);
    }
    case "shadow":
      if (!values.clear) throw usage("'policy shadow' takes --clear (see shadow-report and promote)");
      return clearShadowCommand(io);
    case "import": {
      if (values.backend === undefined) throw usage("'policy import' needs --backend <name>");
      return importCommand(
        {
          file: file as string,
          backend: values.backend,
          ...(values["backend-url"] === undefined ? {} : { backendUrl: values["backend-url"] }),
          ...(values.resource === undefined ? {} : { resource: values.resource }),
        },
        io,
      );
    }
    case "drift":
      return driftCommand(
        {
          ...fileOptions,
          json: values.json === true,
          ...(values.policy === undefined ? {} : { policyFile: values.policy }),
          ...(values.resource === undefined ? {} : { resource: values.resource }),
        },
        io,
      );
    case "test":
      return testCommand(
        {
          ...fileOptions,
          json: values.json === true,
          ...(values.policy === undefined ? {} : { policyFile: values.policy }),
        },
        io,
      );
    case "show":
      return showCommand({ json: values.json === true }, io);
    case "diff":
      return diffCommand(fileOptions, io);
    case "import-apim":
      return importApimCommand({ file: file as string }, io);
    default:
      throw usage(command === undefined ? "'policy' needs a command" : `unknown command 'policy ${command}'`);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean" },
      all: { type: "boolean" },
      format: { type: "string" },
      "if-version": { type: "string" },
      method: { type: "string" },
      path: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      claims: { type: "string" },
      policy: { type: "string" },
      "skip-tests": { type: "boolean" },
      backend: { type: "string" },
      shadow: { type: "boolean" },
      clear: { type: "boolean" },
      "backend-url": { type: "string" },
      resource: { type: "string" },
      tenant: { type: "string" },
      caller: { type: "string" },
      "client-app": { type: "string" },
      rule: { type: "string" },
      since: { type: "string" },
      csv: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

const EXPLAIN_ONLY = ["method", "path", "host", "token", "claims"] as const;

function explainFrom(
  values: ReturnType<typeof parse>["values"],
  positionals: readonly string[],
  io: CliIo,
): Promise<number> {
  if (positionals.length > 1) throw usage("'explain' takes options only");
  if (values.path === undefined) throw usage("'explain' needs --path");
  if (!values.path.startsWith("/"))
    throw usage("--path must start with '/' (a path, with a query string if any)");
  if ((values.token === undefined) === (values.claims === undefined))
    throw usage("'explain' needs --token <jwt> or --claims <file>, one of them");
  if (values.all || values["if-version"] !== undefined)
    throw usage("'explain' takes no --all or --if-version");
  const format = formatOption(values.format);
  return explainCommand(
    {
      method: values.method ?? "GET",
      path: values.path,
      json: values.json === true,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values.token === undefined ? {} : { token: values.token }),
      ...(values.claims === undefined ? {} : { claimsFile: values.claims }),
      ...(values.policy === undefined ? {} : { policyFile: values.policy }),
      ...(format === undefined ? {} : { format }),
    },
    io,
  );
}

function formatOption(value: string | undefined): PolicyFormat | undefined {
  if (value === undefined || value === "json" || value === "yaml") return value;
  throw usage(`--format must be json or yaml, not '${value}'`);
}

function usage(problem: string): CliError {
  return new CliError(`Usage error: ${problem}.`, EXIT.usage);
}
