// The tables tollgate uses. Every table name in the code comes from here, so infra can create
// exactly these and a test can check it does.

export const TABLE_SUFFIXES = {
  /** Last-known-good Entra signing keys, one entity per key source. */
  keys: "Keys",
  /** The role map: immutable policy versions (chunked) and the pointer to the current one. */
  policy: "Policy",
  /** Token lifetimes the gateway observed, aggregated per hour, client app and instance. */
  lifetimes: "Lifetimes",
  /** The token-lifetime audit's findings, one entity per finding. */
  findings: "Findings",
  /** Rate-limit windows: one entity per limit key and window, partitioned by key. */
  limits: "Limits",
  /** The access trail: exact per-minute decision counts per caller, and individual refusals. */
  access: "Access",
  /** A shadow candidate policy (laid out as the policy table) and its difference counts. */
  shadow: "Shadow",
  /** Revoked users, client apps, tenants and tokens; every instance mirrors it in memory. */
  revocations: "Revocations",
  /** Onboarded tenants and their state (active or suspended), for multi-tenant APIs. */
  tenants: "Tenants",
} as const;

export type TableKind = keyof typeof TABLE_SUFFIXES;

/** Table names are `${prefix}${suffix}`: alphanumeric, starting with a letter, 3-63 characters. */
export function tableName(prefix: string, kind: TableKind): string {
  return `${prefix}${TABLE_SUFFIXES[kind]}`;
}

export function allTableNames(prefix: string): string[] {
  return (Object.keys(TABLE_SUFFIXES) as TableKind[]).map((kind) => tableName(prefix, kind));
}
