// Which front ends tollgate believes about the caller (TOLLGATE_TRUSTED_PROXIES): address ranges,
// and `front-end` for "the peer that passed the bypass defence". Blank trusts nobody.

import { isIP } from "node:net";
import { z } from "zod";
import { SettingsError, setting } from "./parse-settings.js";
import { ex } from "./setting-values.js";

export interface TrustedProxySettings {
  /** Believe the immediate peer when the request passed TOLLGATE_FRONT_DOOR_ID / TOLLGATE_GATEWAY_KEY. */
  frontEnd: boolean;
  /** CIDR ranges ("10.0.0.0/8", "2001:db8::/32"); a bare address is its own /32 or /128. */
  ranges: readonly string[];
}

export const FRONT_END = "front-end";

/** One range as written, or the problem with it. */
function cidr(item: string): string | { problem: string } {
  const [address = "", prefixText, extra] = item.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return { problem: `'${item}' is not an address range (CIDR) nor '${FRONT_END}'` };
  }
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return { problem: `'${item}' has no prefix length after '/'` };
  }
  if (prefix > bits) return { problem: `'${item}' has a prefix longer than ${bits} bits` };
  // Trusting every address would let any caller choose its own address and host.
  if (prefix === 0) return { problem: `'${item}' trusts every address; name the front end's ranges` };
  return `${address}/${prefix}`;
}

const trustedProxies = z.string().transform((raw, ctx): TrustedProxySettings => {
  const items = raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const ranges: string[] = [];
  let frontEnd = false;
  for (const item of items) {
    if (item.toLowerCase() === FRONT_END) {
      frontEnd = true;
      continue;
    }
    const range = cidr(item);
    if (typeof range === "string") ranges.push(range);
    else ctx.addIssue({ code: "custom", message: `${range.problem}. ${ex("TOLLGATE_TRUSTED_PROXIES")}` });
  }
  return { frontEnd, ranges };
});

export const NO_TRUSTED_PROXIES: TrustedProxySettings = { frontEnd: false, ranges: [] };

export const trustedProxySpec = {
  trustedProxies: setting("TOLLGATE_TRUSTED_PROXIES", () => trustedProxies.default(NO_TRUSTED_PROXIES)),
} as const;

/** `front-end` means "passed the bypass defence": without one configured, it would trust anyone. */
export function checkTrustedProxiesAgainstBypass(
  trusted: TrustedProxySettings,
  bypass: { frontDoorId: string | undefined; gatewayKey: string | undefined },
): void {
  if (trusted.frontEnd && bypass.frontDoorId === undefined && bypass.gatewayKey === undefined) {
    throw new SettingsError([
      "TOLLGATE_TRUSTED_PROXIES names 'front-end', which trusts the peer that passed the bypass defence, but neither TOLLGATE_FRONT_DOOR_ID nor TOLLGATE_GATEWAY_KEY is set, so every peer would pass: set one, or list the front end's address ranges. Example: TOLLGATE_TRUSTED_PROXIES=front-end with TOLLGATE_GATEWAY_KEY set",
    ]);
  }
}
