// `tollgate access`: the access review from the trail every gateway instance writes — who reached
// what, through which client app, how often, first and last seen, and refusals by reason.

import { type AccessReview, buildAccessReview } from "../../shared/access/access-review.js";
import { ANONYMOUS, NO_TENANT } from "../../shared/access/access-rows.js";
import { createAccessTable } from "../../shared/access/access-table.js";
import { callerIdFor, HASHED_PREFIX } from "../../shared/access/caller-id.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { tablesFromEnv } from "./cli-storage.js";

/** Long enough for a slow link to a real account; the CLI is not on any request path. */
const STORAGE_TIMEOUT_MS = 15_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessOptions {
  tenant?: string | undefined;
  caller?: string | undefined;
  clientApp?: string | undefined;
  rule?: string | undefined;
  since?: string | undefined;
  json: boolean;
  csv: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function usage(problem: string): CliError {
  return new CliError(`Usage error: ${problem}.`, EXIT.usage);
}

/** `30d`, `12h`, `90m`, or an ISO date/time; the default is 30 days. */
export function parseSince(value: string | undefined, now: number): number {
  if (value === undefined) return now - 30 * 86_400_000;
  const relative = /^(\d{1,5})([dhm])$/.exec(value.trim());
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as "d" | "h" | "m"];
    return now - Number(relative[1]) * unit;
  }
  const at = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(at)) return at;
  throw usage(`--since '${value}' is neither a duration (30d, 12h, 90m) nor an ISO date (2026-11-01)`);
}

function checkId(flag: string, value: string | undefined, extra: readonly string[] = []): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().toLowerCase();
  if (GUID.test(trimmed) || extra.includes(trimmed)) return trimmed;
  throw usage(`${flag} '${value}' is not a GUID${extra.length > 0 ? ` (or ${extra.join(", ")})` : ""}`);
}

function resolveCaller(value: string | undefined, hashKey: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // A pseudonym from an earlier review is taken as it is.
  if (value.startsWith(HASHED_PREFIX) && /^h-[A-Za-z0-9_-]{22}$/.test(value)) return value;
  const id = checkId("--caller", value, [ANONYMOUS]);
  if (id === undefined || id === ANONYMOUS) return id;
  return callerIdFor(hashKey)(id);
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function reasons(byReason: Record<string, number>): string {
  return Object.entries(byReason)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, count]) => `${reason}=${count}`)
    .join(" ");
}

function asText(review: AccessReview, sinceMs: number): string {
  if (review.lines.length === 0) return `No access recorded since ${iso(sinceMs)}.\n`;
  const out: string[] = [`Access since ${iso(sinceMs)}: ${review.lines.length} line(s)`, ""];
  for (const line of review.lines) {
    out.push(
      `${line.tenantId}  ${line.callerId}  app ${line.clientAppId || "-"} (${line.kind})  rule ${line.ruleId || "-"}`,
      `  allowed ${line.allowed}, refused ${line.refused}, errors ${line.errors}${line.abandoned > 0 ? `, abandoned ${line.abandoned}` : ""}; first ${iso(line.firstSeen)}, last ${iso(line.lastSeen)}`,
    );
    if (line.refused > 0) out.push(`  refused by reason: ${reasons(line.refusedByReason)}`);
    if (line.refusalsNotListed > 0)
      out.push(`  refusals counted but not listed (per-minute bound): ${line.refusalsNotListed}`);
  }
  if (review.refusals.length > 0) {
    out.push("", `Refusals (${review.refusals.length}, oldest first):`);
    for (const r of review.refusals)
      out.push(
        `  ${iso(r.at)}  ${r.status} ${r.reason}  ${r.callerId}  rule ${r.ruleId || "-"}  trace ${r.traceId}`,
      );
  }
  return `${out.join("\n")}\n`;
}

function asCsv(review: AccessReview): string {
  const header =
    "tenantId,callerId,clientAppId,kind,ruleId,allowed,refused,errors,firstSeen,lastSeen,refusedByReason,refusalsNotListed,abandoned";
  const rows = review.lines.map((l) =>
    [
      l.tenantId,
      l.callerId,
      l.clientAppId,
      l.kind,
      l.ruleId,
      l.allowed,
      l.refused,
      l.errors,
      iso(l.firstSeen),
      iso(l.lastSeen),
      reasons(l.refusedByReason),
      l.refusalsNotListed,
      l.abandoned,
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[header, ...rows].join("\n")}\n`;
}

/** Exit 0 with the review (also when it is empty), 2 on a bad argument, 3 on storage trouble. */
export async function accessCommand(options: AccessOptions, io: CliIo, now = Date.now()): Promise<number> {
  if (options.json && options.csv) throw usage("--json and --csv exclude each other");
  const sinceMs = parseSince(options.since, now);
  const tenantId = checkId("--tenant", options.tenant, [NO_TENANT]);
  const hashKey = io.env.TOLLGATE_ACCESS_HASH_KEY?.trim() || undefined;
  const callerId = resolveCaller(options.caller, hashKey);
  const clientAppId = checkId("--client-app", options.clientApp);
  if (options.rule !== undefined && options.rule.trim() === "") throw usage("--rule needs a rule id");
  const { tables, prefix } = tablesFromEnv(io.env);

  let review: AccessReview;
  try {
    const rows = await createAccessTable({
      tables,
      tablePrefix: prefix,
      storageTimeoutMs: STORAGE_TIMEOUT_MS,
    }).read({
      sinceMs,
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(callerId === undefined ? {} : { callerId }),
    });
    review = buildAccessReview(rows, {
      sinceMs,
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(callerId === undefined ? {} : { callerId }),
      ...(clientAppId === undefined ? {} : { clientAppId }),
      ...(options.rule === undefined ? {} : { ruleId: options.rule }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`The access table could not be read: ${message}`, EXIT.storage);
  }

  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          since: iso(sinceMs),
          lines: review.lines.map((l) => ({ ...l, firstSeen: iso(l.firstSeen), lastSeen: iso(l.lastSeen) })),
          refusals: review.refusals.map((r) => ({ ...r, at: iso(r.at) })),
        },
        null,
        2,
      )}\n`,
    );
  } else if (options.csv) {
    io.stdout.write(asCsv(review));
  } else {
    io.stdout.write(asText(review, sinceMs));
  }
  return EXIT.ok;
}
