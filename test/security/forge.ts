// Token surgery for the attack corpus: signing exact header and payload text (so JSON the
// issuer's helpers would tidy up, such as duplicate keys or 1e400, goes out byte for byte),
// unsigned tokens, bit flips, and the worst-case reading of a path a backend might route on.

import { webcrypto } from "node:crypto";
import type { EntraIssuer } from "../../tools/loopback/entra-issuer.js";

export const b64 = (value: string | Uint8Array): string =>
  Buffer.from(typeof value === "string" ? Buffer.from(value, "utf8") : value).toString("base64url");

export type TokenPart = "header" | "payload" | "signature";
const PART_INDEX: Record<TokenPart, number> = { header: 0, payload: 1, signature: 2 };

export function partOf(token: string, part: TokenPart): string {
  return token.split(".")[PART_INDEX[part]] ?? "";
}

/** The decoded JSON of a token's header or payload. */
export function decoded(token: string, part: "header" | "payload"): Record<string, unknown> {
  return JSON.parse(Buffer.from(partOf(token, part), "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Signs exactly `headerText` and `payloadText` with the issuer's key `kid` (RS256 or ES256 keys). */
export async function signText(
  issuer: EntraIssuer,
  kid: string,
  headerText: string,
  payloadText: string,
): Promise<string> {
  const key = issuer.privateKey(kid);
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  const algorithm =
    key.algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : { name: key.algorithm.name };
  const signature = await webcrypto.subtle.sign(algorithm, key, Buffer.from(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

/** A token with the given header and payload and no signature at all. */
export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.`;
}

/** Replaces one part of a token. */
export function withPart(token: string, part: TokenPart, value: string): string {
  const parts = token.split(".");
  parts[PART_INDEX[part]] = value;
  return parts.join(".");
}

/**
 * Flips the lowest bit of one decoded byte of a part: the byte at `index`, or for JSON parts the
 * first byte of `inside` (so the JSON stays valid and only the signature can object).
 */
export function flipBit(token: string, part: TokenPart, where: number | string): string {
  const bytes = Buffer.from(partOf(token, part), "base64url");
  const index = typeof where === "number" ? where : bytes.indexOf(where);
  if (index < 0 || index >= bytes.length) throw new Error(`flipBit: nothing to flip at ${String(where)}`);
  bytes[index] = (bytes[index] ?? 0) ^ 1;
  return withPart(token, part, bytes.toString("base64url"));
}

/**
 * The path as the most lenient backend could route it: query dropped, `;params` dropped, `%2e`,
 * `%2f`, `%5c` (also double-encoded) decoded, `\` read as `/`, `//` collapsed, dot segments
 * resolved, case folded. If this reading of what reached the backend is under a prefix, some
 * backend would serve that prefix.
 */
export function worstCaseRoute(pathAndQuery: string): string {
  let path = pathAndQuery.split("?")[0] ?? "";
  for (let i = 0; i < 3; i++) path = path.replace(/%25/gi, "%");
  path = path
    .replace(/%2e/gi, ".")
    .replace(/%2f/gi, "/")
    .replace(/%5c/gi, "/")
    .replace(/\\/g, "/")
    .toLowerCase();
  const out: string[] = [];
  for (const raw of path.split("/")) {
    const segment = raw.split(";")[0] ?? "";
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}
