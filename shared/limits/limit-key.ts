// The counter a request is charged to: the policy, the verified claims it is keyed by, and the
// rule when counted per route. Hashed, so any claim value is a safe Table PartitionKey.

import { createHash } from "node:crypto";
import type { Principal } from "../token/principal.js";
import type { LimitPolicy } from "./limit-policy.js";

const CLAIM_VALUE = {
  tenant: (p: Principal) => p.tenantId,
  clientApp: (p: Principal) => p.clientAppId,
  objectId: (p: Principal) => p.objectId,
} as const;

export function limitKey(
  policyName: string,
  policy: LimitPolicy,
  principal: Principal,
  ruleId: string,
): string {
  const parts = policy.key.map((claim) => `${claim}=${CLAIM_VALUE[claim](principal)}`);
  if (policy.perRoute) parts.push(`rule=${ruleId}`);
  const digest = createHash("sha256").update(parts.join("&")).digest("base64url").slice(0, 27);
  // Partition by key, not by window: each caller's counters spread across partitions.
  return `${policyName}~${digest}`;
}
