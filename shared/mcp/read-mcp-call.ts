// Reads the one JSON-RPC message an MCP client POSTs, so MCP rules can match its method and tool
// name. Bounded (a size setting), strict about what an MCP message is, and the bytes read are the
// bytes the backend gets: the body is sent on unchanged.

import type { IncomingRequest } from "../http/request-handler.js";
import { TollgateError } from "../reasons.js";
import { ambiguousKey } from "./json-duplicate-keys.js";
import type { McpCall } from "./mcp-rule.js";

export const MCP_METHOD_HEADER = "mcp-method";
export const MCP_NAME_HEADER = "mcp-name";
export const MCP_PROTOCOL_VERSION_HEADER = "mcp-protocol-version";

/** The revision that mirrors the method and name into `Mcp-Method`/`Mcp-Name`, and requires them. */
export const HEADER_MIRRORING_REVISION = "2026-07-28";

export interface McpRead {
  call: McpCall;
  /** Undefined when the request had no body to read (GET for the SSE stream, DELETE). */
  body?: Uint8Array;
}

const NAMED_BY: Readonly<Record<string, "name" | "uri">> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
};

function malformed(message: string): TollgateError {
  return new TollgateError("mcp_body_malformed", message);
}

async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): TollgateError {
  return new TollgateError(
    "mcp_body_too_large",
    `An MCP message on this route may be at most ${maxBytes} bytes (TOLLGATE_MCP_MAX_BODY_BYTES).`,
  );
}

/** The message's method and name, checked against the `Mcp-Method`/`Mcp-Name` headers. */
export function parseMcpMessage(text: string, headers: Headers): McpCall {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw malformed("The body is not JSON; MCP clients POST one JSON-RPC 2.0 message.");
  }
  const ambiguous = ambiguousKey(text);
  if (ambiguous !== undefined) {
    throw malformed(
      `The message has the key '${ambiguous.slice(0, 40)}' twice (or twice in different case); parsers disagree on which counts.`,
    );
  }
  if (Array.isArray(message)) {
    throw new TollgateError(
      "mcp_batch_unsupported",
      "The body is a JSON-RPC batch; MCP (since revision 2025-06-18) POSTs one message per request.",
    );
  }
  if (
    typeof message !== "object" ||
    message === null ||
    (message as { jsonrpc?: unknown }).jsonrpc !== "2.0"
  ) {
    throw malformed('The body is not a JSON-RPC 2.0 message (an object with "jsonrpc": "2.0").');
  }
  const { method, params } = message as { method?: unknown; params?: unknown };
  const call: McpCall = {};
  const protocolVersion = headers.get(MCP_PROTOCOL_VERSION_HEADER)?.trim();
  if (protocolVersion) call.protocolVersion = protocolVersion;
  if (method !== undefined) {
    if (typeof method !== "string" || method === "")
      throw malformed("The message's 'method' is not a string.");
    call.method = method;
    const field = NAMED_BY[method];
    if (field !== undefined) {
      const value =
        typeof params === "object" && params !== null
          ? (params as Record<string, unknown>)[field]
          : undefined;
      if (typeof value !== "string" || value === "") {
        throw malformed(`A '${method}' message needs a string 'params.${field}'.`);
      }
      call.name = value;
    }
  }
  checkMirroredHeaders(call, headers);
  return call;
}

function checkMirroredHeaders(call: McpCall, headers: Headers): void {
  const methodHeader = headers.get(MCP_METHOD_HEADER);
  const nameHeader = headers.get(MCP_NAME_HEADER);
  const mirrors = call.protocolVersion !== undefined && call.protocolVersion >= HEADER_MIRRORING_REVISION;
  if (call.method !== undefined) {
    if (methodHeader === null && mirrors) {
      throw new TollgateError(
        "mcp_header_mismatch",
        `Protocol revision ${call.protocolVersion} sends the method in Mcp-Method as well; it is missing.`,
      );
    }
    if (methodHeader !== null && methodHeader.trim() !== call.method) {
      throw new TollgateError("mcp_header_mismatch", "Mcp-Method does not name the body's method.");
    }
  } else if (methodHeader !== null) {
    throw new TollgateError("mcp_header_mismatch", "Mcp-Method is set, but the body is not a request.");
  }
  if (call.name !== undefined) {
    if (nameHeader === null && mirrors) {
      throw new TollgateError(
        "mcp_header_mismatch",
        `Protocol revision ${call.protocolVersion} sends the name in Mcp-Name as well; it is missing.`,
      );
    }
    if (nameHeader !== null && nameHeader.trim() !== call.name) {
      throw new TollgateError(
        "mcp_header_mismatch",
        "Mcp-Name does not name the body's tool, prompt or resource.",
      );
    }
  } else if (nameHeader !== null) {
    throw new TollgateError("mcp_header_mismatch", "Mcp-Name is set, but the body's method takes no name.");
  }
}

/**
 * Reads the JSON-RPC message of a POST on a route with MCP rules. Other methods (GET opens the
 * server's SSE stream, DELETE ends a session) carry no message: their call is empty, so only
 * rules without `mcp` match them.
 */
export async function readMcpCall(request: IncomingRequest, maxBytes: number): Promise<McpRead> {
  if (request.method !== "POST") {
    const protocolVersion = request.headers.get(MCP_PROTOCOL_VERSION_HEADER)?.trim();
    return { call: protocolVersion ? { protocolVersion } : {} };
  }
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw malformed("MCP messages are POSTed with Content-Type: application/json.");
  }
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes)
    throw tooLarge(maxBytes);
  const body = request.body === null ? new Uint8Array(0) : await readBounded(request.body, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw malformed("The body is not UTF-8 text.");
  }
  return { call: parseMcpMessage(text, request.headers), body };
}
