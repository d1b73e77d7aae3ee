import { describe, expect, it } from "vitest";
import { type McpMatch, mcpMatches, mcpMatchSchema } from "../../../shared/mcp/mcp-rule.js";
import { parseMcpMessage, readMcpCall } from "../../../shared/mcp/read-mcp-call.js";
import { TollgateError } from "../../../shared/reasons.js";

const call = (name: string) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name } });
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof TollgateError ? error.reason : String(error);
  }
  return "accepted";
};

describe("parseMcpMessage", () => {
  it("reads the method and the tool, prompt or resource it names", () => {
    const none = new Headers();
    expect(parseMcpMessage(call("lookup_order"), none)).toEqual({
      method: "tools/call",
      name: "lookup_order",
    });
    expect(
      parseMcpMessage(
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "orders://42" } }),
        none,
      ),
    ).toEqual({ method: "resources/read", name: "orders://42" });
    expect(
      parseMcpMessage(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), none),
    ).toEqual({
      method: "notifications/initialized",
    });
    // A response the client sends back to a server request has no method.
    expect(parseMcpMessage(JSON.stringify({ jsonrpc: "2.0", id: 9, result: {} }), none)).toEqual({});
  });

  it.each([
    ["not JSON", "{", "mcp_body_malformed"],
    ["a JSON string", '"tools/call"', "mcp_body_malformed"],
    ["JSON-RPC 1.0", JSON.stringify({ id: 1, method: "tools/call" }), "mcp_body_malformed"],
    ["a non-string method", JSON.stringify({ jsonrpc: "2.0", method: 7 }), "mcp_body_malformed"],
    [
      "a tools/call without params.name",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call" }),
      "mcp_body_malformed",
    ],
    ["a batch", `[${call("a")}]`, "mcp_batch_unsupported"],
  ])("refuses %s", (_what, text, reason) => {
    expect(reasonOf(() => parseMcpMessage(text, new Headers()))).toBe(reason);
  });

  it("checks Mcp-Method and Mcp-Name against the body, and requires them from revision 2026-07-28", () => {
    const h = (entries: Record<string, string>) => new Headers(entries);
    const body = call("delete_order");
    expect(
      reasonOf(() => parseMcpMessage(body, h({ "mcp-method": "tools/call", "mcp-name": "delete_order" }))),
    ).toBe("accepted");
    expect(reasonOf(() => parseMcpMessage(body, h({ "mcp-method": "tools/list" })))).toBe(
      "mcp_header_mismatch",
    );
    expect(reasonOf(() => parseMcpMessage(body, h({ "mcp-name": "lookup_order" })))).toBe(
      "mcp_header_mismatch",
    );
    // A name header on a method that takes none is a mismatch too (it could fool a header-only proxy).
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(reasonOf(() => parseMcpMessage(list, h({ "mcp-name": "delete_order" })))).toBe(
      "mcp_header_mismatch",
    );
    expect(reasonOf(() => parseMcpMessage(body, h({ "mcp-protocol-version": "2025-11-25" })))).toBe(
      "accepted",
    );
    expect(reasonOf(() => parseMcpMessage(body, h({ "mcp-protocol-version": "2026-07-28" })))).toBe(
      "mcp_header_mismatch",
    );
    expect(
      parseMcpMessage(
        body,
        h({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "delete_order" }),
      ),
    ).toEqual({ method: "tools/call", name: "delete_order", protocolVersion: "2026-07-28" });
  });
});

describe("readMcpCall", () => {
  const request = (
    body: string | ReadableStream<Uint8Array> | null,
    headers: Record<string, string> = {},
    method = "POST",
  ) =>
    new Request("http://tollgate.test/mcp", {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body === null ? {} : { body, duplex: "half" }),
    } as RequestInit);

  it("keeps the exact bytes it read, for the backend", async () => {
    const text = `{"jsonrpc":"2.0", "id":1,"method":"tools/call","params":{"name":"caf\u00e9"}}`;
    const read = await readMcpCall(request(text), 1024);
    expect(read.call).toEqual({ method: "tools/call", name: "café" });
    expect(Buffer.from(read.body ?? new Uint8Array()).toString("utf8")).toBe(text);
  });

  it("refuses a body over the limit, declared or streamed", async () => {
    const big = call("x".repeat(200));
    await expect(readMcpCall(request(big), 100)).rejects.toMatchObject({
      reason: "mcp_body_too_large",
      status: 413,
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("x".repeat(50)));
        controller.close();
      },
    });
    await expect(readMcpCall(request(stream), 100)).rejects.toMatchObject({ reason: "mcp_body_too_large" });
  });

  it("refuses a POST that is not application/json, and reads nothing from a GET", async () => {
    await expect(
      readMcpCall(request(call("a"), { "content-type": "text/plain" }), 1024),
    ).rejects.toMatchObject({
      reason: "mcp_body_malformed",
    });
    const get = await readMcpCall(request(null, { "mcp-protocol-version": "2025-06-18" }, "GET"), 1024);
    expect(get).toEqual({ call: { protocolVersion: "2025-06-18" } });
  });
});

describe("MCP rule matching", () => {
  const parse = (spec: unknown): McpMatch => mcpMatchSchema.parse(spec);

  it("matches a listed method, or a tools/call, resources/read or prompts/get of a listed name (with '*')", () => {
    const spec = parse({
      methods: ["tools/list"],
      tools: ["delete_*"],
      prompts: ["summary"],
      resources: ["orders://*"],
    });
    expect(mcpMatches(spec, { method: "tools/list" })).toBe(true);
    expect(mcpMatches(spec, { method: "tools/call", name: "delete_order" })).toBe(true);
    expect(mcpMatches(spec, { method: "tools/call", name: "lookup_order" })).toBe(false);
    expect(mcpMatches(spec, { method: "tools/call", name: "xdelete_order" })).toBe(false);
    expect(mcpMatches(spec, { method: "prompts/get", name: "summary" })).toBe(true);
    expect(mcpMatches(spec, { method: "resources/read", name: "orders://42" })).toBe(true);
    // The tool list names tools, not prompts: a prompt called like a tool does not match.
    expect(mcpMatches(spec, { method: "prompts/get", name: "delete_order" })).toBe(false);
    expect(mcpMatches(spec, {})).toBe(false);
    expect(mcpMatches(spec, undefined)).toBe(false);
    expect(mcpMatches(spec, "any")).toBe(true);
  });

  it("treats regular-expression characters in a name literally", () => {
    const spec = parse({ tools: ["a.b*"] });
    expect(mcpMatches(spec, { method: "tools/call", name: "a.b.c" })).toBe(true);
    expect(mcpMatches(spec, { method: "tools/call", name: "aXb" })).toBe(false);
  });

  it("an empty or misspelt spec is an error", () => {
    expect(mcpMatchSchema.safeParse({}).success).toBe(false);
    const typo = mcpMatchSchema.safeParse({ tool: ["x"] });
    expect(typo.success).toBe(false);
    expect(JSON.stringify(typo.error?.issues)).toContain("did you mean 'tools'?");
  });
});
