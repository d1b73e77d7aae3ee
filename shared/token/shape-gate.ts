// The shape gate: checks a token's form before any cryptography, so malformed or hostile input
// is refused cheaply and only a canonical token string is ever used as a key or logged about.

import { TollgateError } from "../reasons.js";

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** One decoder for every token: building one per call costs more than the decoding. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

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

/**
 * True when an object anywhere in `text` names a member twice. JSON.parse silently keeps the
 * last one, while other parsers keep the first or refuse (RFC 7515 §5.2 says refuse): a token
 * must not mean one thing here and another to a backend it is forwarded to. `text` is JSON that
 * JSON.parse accepted, so a single pass over strings and brackets suffices; it is as long as the
 * token, which the size check bounds.
 */
function hasDuplicateMember(text: string): boolean {
  // One entry per open object (its member names) or array (undefined).
  const open: Array<Set<string> | undefined> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const names = open.at(-1);
      if (expectName && names !== undefined) {
        const raw = text.slice(i + 1, end);
        // "\u0061" and "a" are the same name.
        const name = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (names.has(name)) return true;
        names.add(name);
      }
      expectName = false;
      i = end;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectName = true;
    } else if (c === 0x5b) {
      open.push(undefined);
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      expectName = false;
    } else if (c === 0x2c) {
      expectName = open.at(-1) !== undefined;
    }
  }
  return false;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, what);
  let text: string;
  let value: unknown;
  try {
    text = UTF8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new TollgateError("token_malformed", `The token's ${what} is not valid UTF-8 JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TollgateError("token_malformed", `The token's ${what} is not a JSON object.`);
  }
  if (hasDuplicateMember(text)) {
    throw new TollgateError("token_malformed", `The token's ${what} names a member more than once.`);
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
