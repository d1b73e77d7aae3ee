// `tollgate audit`: lists the token-lifetime findings the timer function stored, most severe
// first, each with what was seen, why it matters, the fix, and when it was first and last seen.

import { compareFindings, type Finding } from "../../shared/audit/finding.js";
import { createFindingsTable } from "../../shared/audit/findings-table.js";
import { CliError, type CliIo, EXIT } from "./cli-io.js";
import { tablesFromEnv } from "./cli-storage.js";

/** Long enough for a slow link to a real account; the CLI is not on any request path. */
const STORAGE_TIMEOUT_MS = 15_000;

export interface AuditOptions {
  json: boolean;
  /** Resolved findings too. */
  all: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function asText(finding: Finding): string {
  const status = finding.resolvedAt === undefined ? "" : ` (resolved ${iso(finding.resolvedAt)})`;
  return [
    `${finding.severity.toUpperCase()}  ${finding.code}  ${finding.subject}${status}`,
    `  seen:  ${finding.seen}`,
    `  why:   ${finding.why}`,
    `  fix:   ${finding.fix}`,
    `  first seen ${iso(finding.firstSeen)}, last seen ${iso(finding.lastSeen)}  [${finding.source}/${finding.id}]`,
  ].join("\n");
}

/** Exit 0 when nothing is open, 1 when findings are open (so scripts can gate on it), 3 on storage trouble. */
export async function auditCommand(options: AuditOptions, io: CliIo): Promise<number> {
  const { tables, prefix } = tablesFromEnv(io.env);
  let findings: Finding[];
  try {
    findings = await createFindingsTable({
      tables,
      tablePrefix: prefix,
      storageTimeoutMs: STORAGE_TIMEOUT_MS,
    }).list();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(`The findings table could not be read: ${message}`, EXIT.storage);
  }
  const open = findings.filter((finding) => finding.resolvedAt === undefined);
  const shown = (options.all ? findings : open).sort(compareFindings);

  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        shown.map((f) => ({
          ...f,
          firstSeen: iso(f.firstSeen),
          lastSeen: iso(f.lastSeen),
          ...(f.resolvedAt === undefined ? {} : { resolvedAt: iso(f.resolvedAt) }),
        })),
        null,
        2,
      )}\n`,
    );
  } else if (shown.length === 0) {
    io.stdout.write(
      findings.length === 0
        ? "No findings stored yet: the timer function writes them on each run.\n"
        : "No open findings.\n",
    );
  } else {
    io.stdout.write(`${shown.map(asText).join("\n\n")}\n`);
    io.stdout.write(
      `\n${open.length} open finding(s)${options.all ? `, ${findings.length - open.length} resolved` : ""}.\n`,
    );
  }
  return open.length === 0 ? EXIT.ok : EXIT.no;
}
