// A rate-limit policy as the policy document states it: how many requests per window, counted
// per which verified claims, enforced how, and what to do when storage cannot be reached.

import { z } from "zod";

/** Claims a limit may be keyed by: only verified ones, never raw headers. */
export const LIMIT_KEY_CLAIMS = ["tenant", "clientApp", "objectId"] as const;

/**
 * What a count may be kept per: the verified claims, or the caller's address (its peer's, or the
 * one a trusted front end reported: http/caller-view.ts), the only key a public rule's callers have.
 */
export const LIMIT_KEY_PARTS = [...LIMIT_KEY_CLAIMS, "clientIp"] as const;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const MAX_WINDOW_SECONDS = 31 * 86_400;

/** "30s", "5m", "1h", "1d" or a whole number of seconds. */
const windowSeconds = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const match =
    typeof raw === "number" ? [String(raw), String(raw), "s"] : /^(\d+)\s*([smhd])$/.exec(raw.trim());
  const value = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_WINDOW_SECONDS) {
    ctx.addIssue({
      code: "custom",
      message: `'${raw}' is not a window from 1s to 31d; write it like 30s, 5m, 1h or 1d`,
    });
    return z.NEVER;
  }
  return value;
});

export const limitPolicySchema = z
  .object({
    requests: z
      .number({ error: "must be a whole number of requests" })
      .int("must be a whole number of requests")
      .min(1, "must be at least 1")
      .max(1_000_000_000, "must be at most 1000000000"),
    window: windowSeconds,
    /**
     * Which verified claims (or `clientIp`) the count is kept per; `[]` is one budget shared by every caller. The
     * default includes the object id: keyed on the client app alone, one user of a shared client
     * (a pre-authorised public client such as the Azure CLI) could spend everybody's budget.
     */
    key: z
      .array(z.enum(LIMIT_KEY_PARTS, { error: `must be one of ${LIMIT_KEY_PARTS.join(", ")}` }))
      .default(["tenant", "clientApp", "objectId"]),
    /** Count each rule (route) separately instead of one budget across every rule using the policy. */
    perRoute: z.boolean({ error: "must be true or false" }).default(false),
    /** strict: never over the limit across instances. approximate: decide locally, sync periodically. */
    mode: z.enum(["strict", "approximate"], { error: "must be 'strict' or 'approximate'" }).default("strict"),
    /**
     * Strict mode: sub-counters the budget is split over, each in its own partition, so a hot key
     * shared by hundreds of instances stays under Table Storage's per-partition rate.
     */
    shards: z
      .number({ error: "must be a whole number of sub-counters" })
      .int("must be a whole number of sub-counters")
      .min(1, "must be at least 1")
      .max(64, "must be at most 64")
      .default(1),
    /** Counted and reported, never enforced. */
    reportOnly: z.boolean({ error: "must be true or false" }).default(false),
    /** What to do when storage cannot be reached: admit (open) or refuse (closed). */
    onStorageError: z.enum(["open", "closed"], { error: "must be 'open' or 'closed'" }).optional(),
  })
  .strict()
  .transform((policy) => ({
    ...policy,
    key: [...new Set(policy.key)],
    onStorageError: policy.onStorageError ?? (policy.mode === "strict" ? "closed" : "open"),
  }));

export type LimitPolicy = z.output<typeof limitPolicySchema>;
