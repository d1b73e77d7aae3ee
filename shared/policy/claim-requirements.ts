// Requirements on any claim of the token, and on the caller's object id, as users bring them from
// APIM's required-claims and Easy Auth's allowed identities: exact string equality, or membership
// when the claim is an array of strings. Never a pattern: the claim values are the caller's.

import { z } from "zod";
import type { Principal } from "../token/principal.js";

/** `claims: { amr: { allOf: [mfa] }, wids: { anyOf: [...] } }`: every named claim must hold. */
export type ClaimRequirements = Readonly<
  Record<string, { anyOf?: readonly string[]; allOf?: readonly string[] }>
>;

const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const claimValue = z
  .string()
  .min(1, "must not be empty")
  .regex(/^\P{Cc}+$/u, "must not contain control characters");
const valueList = z.array(claimValue).min(1, "must list at least one entry");

export const claimRequirementsSchema = z
  .record(
    z.string().regex(CLAIM_NAME, "is not a claim name (letters, digits, '_', '.', ':' and '-', up to 64)"),
    z
      .strictObject({ anyOf: valueList.optional(), allOf: valueList.optional() })
      .refine(
        (set) => set.anyOf !== undefined || set.allOf !== undefined,
        "needs 'anyOf' or 'allOf' (or both)",
      ),
  )
  .refine((claims) => Object.keys(claims).length > 0, "must name at least one claim");

export const objectIdsSchema = z
  .array(
    z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        "must be an object id (a GUID)",
      )
      .transform((id) => id.toLowerCase()),
  )
  .min(1, "must list at least one entry");

/** What the token's claim holds, as strings: a string is one value, an array of strings many. */
function held(value: unknown): readonly string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  return [];
}

/** The first claim that does not hold, or undefined when all do. */
export function unmetClaim(requirements: ClaimRequirements, principal: Principal): string | undefined {
  const claims = principal.claims ?? {};
  for (const [name, set] of Object.entries(requirements)) {
    const values = Object.hasOwn(claims, name) ? held(claims[name]) : [];
    if (set.anyOf && !set.anyOf.some((want) => values.includes(want))) return name;
    if (set.allOf && !set.allOf.every((want) => values.includes(want))) return name;
  }
  return undefined;
}
