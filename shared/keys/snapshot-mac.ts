// A MAC over each stored key snapshot, keyed from the assertion signing keys the gateway holds.
// Anyone with Table Data Contributor on the account could otherwise plant a signing key in the
// snapshot and forge any caller; without the gateway's secret they cannot make a snapshot that
// is read back. Derived (HKDF) rather than a setting of its own: every deployment that signs
// assertions already holds a secret every instance and the timer share.

import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { parseAssertionKeys } from "../forward/assertion-keys.js";

export interface SnapshotMac {
  /** The MAC for the stored fields, with the first key. */
  sign(fields: readonly (string | number)[]): string;
  /** True when `mac` is the MAC of the fields under any of the keys (rotation). */
  verify(fields: readonly (string | number)[], mac: string): boolean;
}

const INFO = "tollgate key snapshot MAC v1";
const PREFIX = "v1.";

/** Undefined when there are no assertion keys: snapshots are then trusted as written. */
export function snapshotMacFromAssertionKeys(raw: string | undefined): SnapshotMac | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const secrets = parseAssertionKeys(raw).map((key) =>
    Buffer.from(hkdfSync("sha256", Buffer.from(key.privateJwk.d, "base64url"), "", INFO, 32)),
  );
  const [first] = secrets;
  if (first === undefined) return undefined;
  const macWith = (secret: Buffer, fields: readonly (string | number)[]) =>
    createHmac("sha256", secret).update(JSON.stringify(fields)).digest();
  return {
    sign: (fields) => PREFIX + macWith(first, fields).toString("base64url"),
    verify(fields, mac) {
      if (!mac.startsWith(PREFIX)) return false;
      const given = Buffer.from(mac.slice(PREFIX.length), "base64url");
      return secrets.some((secret) => {
        const expected = macWith(secret, fields);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}
