// Argument checks shared by the revocation and tenant commands: each names the argument that was
// wrong and what a right one looks like, before anything is written.

import { hostname, userInfo } from "node:os";
import { guid } from "../../shared/config/parsers.js";
import { CliError, EXIT } from "./cli-io.js";

export function usageError(problem: string): CliError {
  return new CliError(`Usage error: ${problem}.`, EXIT.usage);
}

export function guidArgument(value: string | undefined, what: string): string {
  if (value === undefined) throw usageError(`${what} is missing`);
  if (!guid.test(value.trim())) {
    throw usageError(`${what} '${value}' is not a GUID (for example 72f988bf-86f1-41af-91ab-2d7cd011db47)`);
  }
  return value.trim().toLowerCase();
}

/** A moment: `now` or an ISO 8601 date-time with a zone (`2026-12-01T20:00:00Z`). ms since the epoch. */
export function timeArgument(value: string, what: string, nowMs: number): number {
  if (value === "now") return nowMs;
  const ms = /(?:Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw usageError(
      `${what} '${value}' is not 'now' or an ISO 8601 time with a zone (2026-12-01T20:00:00Z)`,
    );
  }
  return ms;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A future moment: a duration from now (`90m`, `12h`, `7d`) or an ISO 8601 time. */
export function expiryArgument(value: string, what: string, nowMs: number): number {
  const duration = /^(\d{1,5})([mhd])$/.exec(value);
  const ms = duration
    ? nowMs + Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]
    : /(?:Z|[+-]\d{2}:\d{2})$/i.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw usageError(`${what} '${value}' is not a duration (90m, 12h, 7d) or an ISO 8601 time with a zone`);
  }
  if (ms <= nowMs) throw usageError(`${what} '${value}' is not in the future`);
  return ms;
}

export function textArgument(value: string | undefined, what: string): string {
  const text = value?.trim() ?? "";
  if (text === "") throw usageError(`${what} is required (say why, for the audit trail)`);
  if (text.length > 500) throw usageError(`${what} is longer than 500 characters`);
  if (/\p{Cc}/u.test(text)) throw usageError(`${what} must not contain control characters`);
  return text;
}

/** Who ran the command, recorded with what it wrote. */
export function whoami(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return "unknown";
  }
}

export function storageFailure(table: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const timedOut = error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(
    timedOut
      ? `The ${table} table did not answer in time.`
      : `The ${table} table could not be used: ${message}`,
    EXIT.storage,
  );
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
