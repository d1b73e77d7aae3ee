// Entra's tokenLifetimePolicy as Microsoft Graph returns it: `definition` is an array of JSON
// strings, one of which holds {"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"8:00:00"}}
// with durations written "[d.]hh:mm:ss".

import { printable } from "../printable.js";

export interface TokenLifetimePolicy {
  id: string;
  displayName: string;
  isOrganizationDefault: boolean;
  /** AccessTokenLifetime in seconds; undefined when the policy leaves it at Entra's default. */
  accessTokenLifetimeSeconds: number | undefined;
  /** AccessTokenLifetime as written, for findings. */
  accessTokenLifetime: string | undefined;
}

const DURATION = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

/** Seconds in a "[d.]hh:mm:ss" duration; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value.trim());
  if (match === null) return undefined;
  const [, days = "0", hours = "0", minutes = "0", seconds = "0"] = match;
  if (Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

function lifetimeIn(definition: unknown): string | undefined {
  if (!Array.isArray(definition)) return undefined;
  for (const entry of definition) {
    if (typeof entry !== "string") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(entry);
    } catch {
      continue;
    }
    const policy = (parsed as { TokenLifetimePolicy?: { AccessTokenLifetime?: unknown } } | null)
      ?.TokenLifetimePolicy;
    if (typeof policy?.AccessTokenLifetime === "string") return policy.AccessTokenLifetime;
  }
  return undefined;
}

/** The policy, or undefined when the item is not a tokenLifetimePolicy at all (no id). */
export function parseTokenLifetimePolicy(item: unknown): TokenLifetimePolicy | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const { id, displayName, isOrganizationDefault, definition } = item as Record<string, unknown>;
  if (typeof id !== "string" || id === "") return undefined;
  const raw = lifetimeIn(definition);
  return {
    id: printable(id, 80),
    displayName: typeof displayName === "string" ? printable(displayName, 120) : "(unnamed)",
    isOrganizationDefault: isOrganizationDefault === true,
    accessTokenLifetimeSeconds: raw === undefined ? undefined : parseDuration(raw),
    accessTokenLifetime: raw === undefined ? undefined : printable(raw, 40),
  };
}
