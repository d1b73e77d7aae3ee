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

/**
 * Keys per principal: the token cache hands back the same Principal object for a repeat caller,
 * so the hash is computed once per caller and policy, not on every request.
 */
const memo = new WeakMap<Principal, Map<string, string>>();

export function limitKey(
  policyName: string,
  policy: LimitPolicy,
  principal: Principal,
  ruleId: string,
): string {
  const parts = policy.key.map((claim) => `${claim}=${CLAIM_VALUE[claim](principal)}`);
  if (policy.perRoute) parts.push(`rule=${ruleId}`);
  const material = `${policyName}\n${parts.join("&")}`;
  let keys = memo.get(principal);
  if (keys === undefined) {
    keys = new Map();
    memo.set(principal, keys);
  }
  let key = keys.get(material);
  if (key === undefined) {
    const digest = createHash("sha256").update(parts.join("&")).digest("base64url").slice(0, 27);
    // Partition by key, not by window: each caller's counters spread across partitions.
    key = `${policyName}~${digest}`;
    keys.set(material, key);
  }
  return key;
}
