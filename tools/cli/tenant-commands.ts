// `tollgate tenants add|suspend|resume|list`: the onboarded tenants of a multi-tenant API, read by
// every instance when TOLLGATE_TENANTS_TABLE=true.

import { parseArgs } from "node:util";
import type { TenantRecord, TenantState } from "../../shared/tenants/tenant.js";
import { listTenants, putTenant, readTenant, tenantTableClient } from "../../shared/tenants/tenant-table.js";
import { guidArgument, iso, storageFailure, textArgument, usageError, whoami } from "./cli-arguments.js";
import { type CliIo, EXIT } from "./cli-io.js";
import { tablesFromEnv } from "./cli-storage.js";

const TIMEOUT_MS = 15_000;

export async function tenantsCommand(
  argv: readonly string[],
  io: CliIo,
  nowMs = Date.now(),
): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, id, ...extra] = positionals;
  if (command === "list") {
    if (id !== undefined) throw usageError("'tenants list' takes no arguments");
    if (values.note !== undefined) throw usageError("--note is for add, suspend and resume");
    return list(values.json === true, io);
  }
  if (command !== "add" && command !== "suspend" && command !== "resume") {
    throw usageError(
      command === undefined
        ? "'tenants' needs a command: add, suspend, resume or list"
        : `unknown command 'tenants ${command}'`,
    );
  }
  if (values.json) throw usageError("--json is for 'tenants list'");
  if (extra.length > 0) throw usageError(`too many arguments for 'tenants ${command}'`);
  const tenantId = guidArgument(id, "the tenant id");
  // A suspension must say why: the next operator reads it in `tenants list`.
  const note =
    command === "suspend" || values.note !== undefined ? textArgument(values.note, "--note") : undefined;

  const client = tenantTableClient(...tableArgs(io));
  try {
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    const existing = await readTenant(client, tenantId, signal);
    if (command === "resume" && existing === undefined) {
      io.stderr.write(
        `Tenant ${tenantId} is not in the tenants table; add it with 'tollgate tenants add ${tenantId}'.\n`,
      );
      return EXIT.no;
    }
    const state: TenantState = command === "suspend" ? "suspended" : "active";
    const record: TenantRecord = {
      tenantId,
      state,
      note: note ?? existing?.note ?? "",
      createdAt: existing?.createdAt ?? nowMs,
      updatedAt: nowMs,
      updatedBy: whoami(),
    };
    await putTenant(client, record, signal);
    const verb =
      command === "add" ? (existing ? "Updated" : "Added") : command === "suspend" ? "Suspended" : "Resumed";
    io.stdout.write(`${verb} tenant ${tenantId} (${state}).\n`);
    io.stdout.write(
      "Every instance reading the table applies it from its next re-read (TOLLGATE_TENANTS_REFRESH_SECONDS).\n",
    );
    return EXIT.ok;
  } catch (error) {
    throw storageFailure("tenants", error);
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { note: { type: "string" }, json: { type: "boolean" } },
    });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\.$/, ""));
  }
}

function tableArgs(io: CliIo): [ReturnType<typeof tablesFromEnv>["tables"], string] {
  const { tables, prefix } = tablesFromEnv(io.env);
  return [tables, prefix];
}

async function list(json: boolean, io: CliIo): Promise<number> {
  let records: TenantRecord[];
  try {
    records = await listTenants(tenantTableClient(...tableArgs(io)), AbortSignal.timeout(TIMEOUT_MS));
  } catch (error) {
    throw storageFailure("tenants", error);
  }
  if (json) {
    const shown = records.map((r) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) }));
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT.ok;
  }
  if (records.length === 0) {
    io.stdout.write("No tenants stored.\n");
    return EXIT.ok;
  }
  for (const r of records) {
    io.stdout.write(
      `${r.tenantId}  ${r.state}${r.note ? `  ${r.note}` : ""}\n  added ${iso(r.createdAt)}, updated ${iso(r.updatedAt)} by ${r.updatedBy}\n`,
    );
  }
  return EXIT.ok;
}
