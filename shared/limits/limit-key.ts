// The counter a request is charged to: the policy, the verified claims (or the caller's address)
// it is keyed by, and the rule when counted per route. Hashed, so any value is a safe Table
// PartitionKey.

import { createHash } from "node:crypto";
import type { Principal } from "../token/principal.js";
import type { LIMIT_KEY_CLAIMS, LimitPolicy } from "./limit-policy.js";

const CLAIM_VALUE = {
  tenant: (p: Principal) => p.tenantId,
  clientApp: (p: Principal) => p.clientAppId,
  objectId: (p: Principal) => p.objectId,
} as const;

type Claim = (typeof LIMIT_KEY_CLAIMS)[number];

/**
 * Keys per principal: the token cache hands back the same Principal object for a repeat caller,
 * so the hash is computed once per caller, policy and rule, not on every request. Not for keys
 * with the address in them, which would grow one principal's entry with every address it used.
 * The inner key names the policy object as well as its name, so a reloaded role map (new policy
 * objects, perhaps keyed by other claims) never reuses a key computed for the old one.
 */
const memo = new WeakMap<Principal, WeakMap<LimitPolicy, Map<string, string>>>();

function keyPart(
  part: LimitPolicy["key"][number],
  principal: Principal | undefined,
  clientIp: string,
): string {
  if (part === "clientIp") return `clientIp=${clientIp}`;
  // The policy validator refuses claim keys on public rules; a caller without claims never gets here.
  if (principal === undefined) throw new Error(`rate-limit key '${part}' needs a verified caller`);
  return `${part}=${CLAIM_VALUE[part as Claim](principal)}`;
}

function digestOf(
  policyName: string,
  policy: LimitPolicy,
  principal: Principal | undefined,
  ruleId: string,
  clientIp: string,
): string {
  const parts = policy.key.map((part) => keyPart(part, principal, clientIp));
  if (policy.perRoute) parts.push(`rule=${ruleId}`);
  const digest = createHash("sha256").update(parts.join("&")).digest("base64url").slice(0, 27);
  // Partition by key, not by window: each caller's counters spread across partitions.
  return `${policyName}~${digest}`;
}

/** `principal` is undefined on a public rule; `clientIp` is the caller's address (caller-view.ts). */
export function limitKey(
  policyName: string,
  policy: LimitPolicy,
  principal: Principal | undefined,
  ruleId: string,
  clientIp = "",
): string {
  if (principal === undefined || policy.key.includes("clientIp"))
    return digestOf(policyName, policy, principal, ruleId, clientIp);
  let byPolicy = memo.get(principal);
  if (byPolicy === undefined) {
    byPolicy = new WeakMap();
    memo.set(principal, byPolicy);
  }
  let keys = byPolicy.get(policy);
  if (keys === undefined) {
    keys = new Map();
    byPolicy.set(policy, keys);
  }
  const within = policy.perRoute ? `${policyName}\n${ruleId}` : policyName;
  let key = keys.get(within);
  if (key === undefined) {
    key = digestOf(policyName, policy, principal, ruleId, clientIp);
    keys.set(within, key);
  }
  return key;
}
