// `tollgate revoke …` and `tollgate revocations list|remove`: the revocation list every gateway
// instance re-reads on TOLLGATE_REVOCATIONS_REFRESH_SECONDS.

import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  describeTarget,
  type Revocation,
  type RevocationTarget,
  TOKEN_ID,
  targetKey,
} from "../../shared/revocations/revocation.js";
import {
  deleteRevocation,
  listRevocationRows,
  putRevocation,
  revocationTableClient,
} from "../../shared/revocations/revocation-table.js";
import {
  expiryArgument,
  guidArgument,
  iso,
  storageFailure,
  textArgument,
  timeArgument,
  usageError,
  whoami,
} from "./cli-arguments.js";
import { type CliIo, EXIT } from "./cli-io.js";
import { tablesFromEnv } from "./cli-storage.js";

const TIMEOUT_MS = 15_000;

function parse(argv: readonly string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\.$/, ""));
  }
}

/** The target the positionals (and --tenant) name: `user <tid> <oid>`, `app <id>`, `tenant <tid>`, `token <uti>`. */
function targetFrom(positionals: readonly string[], tenant: string | undefined): RevocationTarget {
  const [kind, a, b, ...extra] = positionals;
  const none = (args: unknown[]) => {
    if (args.some((arg) => arg !== undefined)) throw usageError(`too many arguments for '${kind}'`);
  };
  if (kind !== "app" && tenant !== undefined) throw usageError("--tenant is for 'app' only");
  switch (kind) {
    case "user":
      none(extra);
      return {
        kind,
        tenantId: guidArgument(a, "the tenant id"),
        objectId: guidArgument(b, "the user's object id"),
      };
    case "app": {
      none([b, ...extra]);
      const clientAppId = guidArgument(a, "the client application id");
      return tenant === undefined
        ? { kind, clientAppId }
        : { kind, clientAppId, tenantId: guidArgument(tenant, "--tenant") };
    }
    case "tenant":
      none([b, ...extra]);
      return { kind, tenantId: guidArgument(a, "the tenant id") };
    case "token":
      none([b, ...extra]);
      if (a === undefined) throw usageError("the token id (its 'uti' claim) is missing");
      if (!TOKEN_ID.test(a))
        throw usageError(`the token id '${a}' is not a 'uti' value (base64url, up to 64 characters)`);
      return { kind, tokenId: a };
    default:
      throw usageError(
        kind === undefined
          ? "say what to revoke: user, app, tenant or token"
          : `'${kind}' is not user, app, tenant or token`,
      );
  }
}

export async function revokeCommand(argv: readonly string[], io: CliIo, nowMs = Date.now()): Promise<number> {
  const { values, positionals } = parse(argv, {
    tenant: { type: "string" },
    reason: { type: "string" },
    "issued-before": { type: "string" },
    expires: { type: "string" },
  });
  const target = targetFrom(positionals, values.tenant as string | undefined);
  const reason = textArgument(values.reason as string | undefined, "--reason");
  const before = values["issued-before"] as string | undefined;
  if (before !== undefined && target.kind !== "user" && target.kind !== "app") {
    throw usageError("--issued-before is for 'user' and 'app' only");
  }
  const expires = values.expires as string | undefined;
  const entry: Revocation = {
    target,
    reason,
    addedBy: whoami(),
    addedAt: nowMs,
    ...(before === undefined
      ? {}
      : { issuedBefore: Math.floor(timeArgument(before, "--issued-before", nowMs) / 1000) }),
    ...(expires === undefined ? {} : { expiresAt: expiryArgument(expires, "--expires", nowMs) }),
  };
  const { tables, prefix } = tablesFromEnv(io.env);
  try {
    await putRevocation(revocationTableClient(tables, prefix), entry, AbortSignal.timeout(TIMEOUT_MS));
  } catch (error) {
    throw storageFailure("revocations", error);
  }
  const scope =
    entry.issuedBefore === undefined
      ? "every token"
      : `tokens issued before ${iso(entry.issuedBefore * 1000)}`;
  io.stdout.write(
    `Revoked ${scope} of ${describeTarget(target)}${entry.expiresAt ? ` until ${iso(entry.expiresAt)}` : ""}.\n`,
  );
  io.stdout.write(
    "Every instance refuses them from its next re-read (TOLLGATE_REVOCATIONS_REFRESH_SECONDS).\n",
  );
  return EXIT.ok;
}

export async function revocationsCommand(
  argv: readonly string[],
  io: CliIo,
  nowMs = Date.now(),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "list") {
    const { values, positionals } = parse(rest, { json: { type: "boolean" } });
    if (positionals.length > 0) throw usageError("'revocations list' takes no arguments");
    return listCommand(values.json === true, io, nowMs);
  }
  if (command === "remove") {
    const { values, positionals } = parse(rest, { tenant: { type: "string" } });
    const target = targetFrom(positionals, values.tenant as string | undefined);
    const { tables, prefix } = tablesFromEnv(io.env);
    let removed: boolean;
    try {
      removed = await deleteRevocation(
        revocationTableClient(tables, prefix),
        targetKey(target),
        AbortSignal.timeout(TIMEOUT_MS),
      );
    } catch (error) {
      throw storageFailure("revocations", error);
    }
    if (!removed) {
      io.stderr.write(`No revocation of ${describeTarget(target)} is stored; nothing was removed.\n`);
      return EXIT.no;
    }
    io.stdout.write(
      `Removed the revocation of ${describeTarget(target)}; instances accept its tokens again from their next re-read.\n`,
    );
    return EXIT.ok;
  }
  throw usageError(
    command === undefined
      ? "'revocations' needs a command: list or remove"
      : `unknown command 'revocations ${command}'`,
  );
}

async function listCommand(json: boolean, io: CliIo, nowMs: number): Promise<number> {
  const { tables, prefix } = tablesFromEnv(io.env);
  let rows: Awaited<ReturnType<typeof listRevocationRows>>;
  try {
    rows = await listRevocationRows(revocationTableClient(tables, prefix), AbortSignal.timeout(TIMEOUT_MS));
  } catch (error) {
    throw storageFailure("revocations", error);
  }
  if (json) {
    const shown = rows.map(({ key, entry }) =>
      entry === undefined
        ? { key, readable: false }
        : {
            key,
            target: entry.target,
            reason: entry.reason,
            addedBy: entry.addedBy,
            addedAt: iso(entry.addedAt),
            ...(entry.issuedBefore === undefined ? {} : { issuedBefore: iso(entry.issuedBefore * 1000) }),
            ...(entry.expiresAt === undefined
              ? {}
              : { expiresAt: iso(entry.expiresAt), expired: nowMs >= entry.expiresAt }),
          },
    );
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout.write("No revocations stored.\n");
    return EXIT.ok;
  }
  for (const { key, entry } of rows) {
    if (entry === undefined) {
      io.stdout.write(`${key}  (unreadable row: not written by tollgate; gateways ignore it)\n`);
      continue;
    }
    const scope =
      entry.issuedBefore === undefined ? "all tokens" : `issued before ${iso(entry.issuedBefore * 1000)}`;
    const expiry =
      entry.expiresAt === undefined
        ? ""
        : nowMs >= entry.expiresAt
          ? `, expired ${iso(entry.expiresAt)}`
          : `, until ${iso(entry.expiresAt)}`;
    io.stdout.write(
      `${describeTarget(entry.target)}  ${scope}${expiry}\n  reason: ${entry.reason}\n  added ${iso(entry.addedAt)} by ${entry.addedBy}\n`,
    );
  }
  return EXIT.ok;
}
