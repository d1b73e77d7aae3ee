// Refuses requests that reached tollgate without passing the front end (Front Door or API
// Management), where the front end's own protections (WAF, IP rules, quotas) did not apply.

import { createHash, timingSafeEqual } from "node:crypto";
import { TollgateError } from "../reasons.js";

/** The header Azure Front Door sets to its profile's id (the "Front Door ID", a GUID). */
export const FRONT_DOOR_ID_HEADER = "x-azure-fdid";

export interface GatewayBypassConfig {
  /** The Front Door profile id; requests must carry it in X-Azure-FDID. */
  frontDoorId?: string | undefined;
  /** A header the front end adds with a secret value (an APIM policy, a Front Door rule). */
  sharedHeader?: { name: string; value: string } | undefined;
}

// Comparing digests keeps the time taken independent of where the values differ and of the
// expected value's length, which timingSafeEqual on the raw values would reveal.
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when at least one check is configured and every configured check holds. */
export function passesGatewayBypass(headers: Headers, config: GatewayBypassConfig): boolean {
  if (config.frontDoorId === undefined && config.sharedHeader === undefined) return false;
  try {
    checkGatewayBypass(headers, config);
    return true;
  } catch {
    return false;
  }
}

/**
 * Passes when every configured check holds (and when none is configured); otherwise throws
 * `gateway_bypass_rejected`. The message never says what value was expected. A header sent
 * twice arrives joined with ", " and so never matches; an empty one never matches either, so a
 * value configured as "" fails closed.
 */
export function checkGatewayBypass(headers: Headers, config: GatewayBypassConfig): void {
  if (config.frontDoorId !== undefined) {
    const presented = headers.get(FRONT_DOOR_ID_HEADER);
    // The id is a GUID: its letters' case carries no meaning.
    if (!presented || !sameSecret(presented.toLowerCase(), config.frontDoorId.trim().toLowerCase())) {
      throw new TollgateError(
        "gateway_bypass_rejected",
        "The request did not come through the expected Front Door.",
      );
    }
  }
  if (config.sharedHeader !== undefined) {
    const presented = headers.get(config.sharedHeader.name);
    if (!presented || !sameSecret(presented, config.sharedHeader.value)) {
      throw new TollgateError(
        "gateway_bypass_rejected",
        "The request did not come through the expected front end.",
      );
    }
  }
}
