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
 * so the hash is computed once per caller and policy, not on every request. Not for keys with
 * the address in them, which would grow one principal's entry with every address it used.
 */
const memo = new WeakMap<Principal, Map<string, string>>();

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

/** `principal` is undefined on a public rule; `clientIp` is the caller's address (caller-view.ts). */
export function limitKey(
  policyName: string,
  policy: LimitPolicy,
  principal: Principal | undefined,
  ruleId: string,
  clientIp = "",
): string {
  const parts = policy.key.map((part) => keyPart(part, principal, clientIp));
  if (policy.perRoute) parts.push(`rule=${ruleId}`);
  const digestOf = () => {
    const digest = createHash("sha256").update(parts.join("&")).digest("base64url").slice(0, 27);
    // Partition by key, not by window: each caller's counters spread across partitions.
    return `${policyName}~${digest}`;
  };
  if (principal === undefined || policy.key.includes("clientIp")) return digestOf();
  const material = `${policyName}\n${parts.join("&")}`;
  let keys = memo.get(principal);
  if (keys === undefined) {
    keys = new Map();
    memo.set(principal, keys);
  }
  let key = keys.get(material);
  if (key === undefined) {
    key = digestOf();
    keys.set(material, key);
  }
  return key;
}
