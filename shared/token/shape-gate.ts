// The shape gate: checks a token's form before any cryptography, so malformed or hostile input
// is refused cheaply and only a canonical token string is ever used as a key or logged about.

import { TollgateError } from "../reasons.js";

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface SplitToken {
  /** The token exactly as received; canonical once it has passed the gate. */
  compact: string;
  header: Record<string, unknown>;
  payloadSegment: string;
  /** Whether the signature segment is empty (an unsigned token, if the header says alg none). */
  unsigned: boolean;
}

/**
 * Decodes one base64url segment and insists on the one canonical spelling of its bytes, so no
 * two strings decode to the same token (padding, stray bits and whitespace all fail here).
 */
function decodeSegment(segment: string, what: string): Buffer {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw new TollgateError("token_malformed", `The token's ${what} is not unpadded base64url.`);
  }
  const bytes = Buffer.from(segment, "base64url");
  if (bytes.toString("base64url") !== segment) {
    throw new TollgateError("token_malformed", `The token's ${what} is not canonical base64url.`);
  }
  return bytes;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, what);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new TollgateError("token_malformed", `The token's ${what} is not valid UTF-8 JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TollgateError("token_malformed", `The token's ${what} is not a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/**
 * Size, parts, and the protected header. The payload is decoded separately, after the header
 * rules, so that a header asking for an unencoded payload is refused for that reason.
 */
export function shapeGate(token: string, maxTokenBytes: number): SplitToken {
  // Length first: nothing below runs on an oversized string.
  if (token.length > maxTokenBytes) {
    throw new TollgateError("token_too_large", `The token is longer than ${maxTokenBytes} bytes.`);
  }
  const segments = token.split(".");
  if (segments.length === 5) {
    throw new TollgateError(
      "token_encrypted",
      "Encrypted tokens (JWE) are not accepted; send a signed access token.",
    );
  }
  if (segments.length !== 3) {
    throw new TollgateError("token_malformed", "A token has three dot-separated parts.");
  }
  const [headerSegment = "", payloadSegment = "", signatureSegment = ""] = segments;
  const header = decodeJsonObject(headerSegment, "header");
  decodeSegment(signatureSegment, "signature");
  return { compact: token, header, payloadSegment, unsigned: signatureSegment === "" };
}

export function decodePayload(split: SplitToken): Record<string, unknown> {
  return decodeJsonObject(split.payloadSegment, "payload");
}
