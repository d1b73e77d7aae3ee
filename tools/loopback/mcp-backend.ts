// A real MCP server on loopback, built with the official SDK's streamable-HTTP transport, for the
// sandbox and tests: stateful sessions, three tools (one anyone may call, one for admins, one that
// streams progress over SSE until released) and a record of every request that reached it.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export interface McpSeenRequest {
  method: string;
  path: string;
  /** Lower-case names, as received. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received (POSTs). */
  body: string;
}

export interface McpBackend {
  url: string;
  requests: McpSeenRequest[];
  /** How many progress notifications `stream_report` has sent, over all calls. */
  progressSent(): number;
  /** Lets every running `stream_report` call finish. */
  releaseStreams(): void;
  stop(): Promise<void>;
}

export const MCP_TOOLS = {
  lookup: "lookup_order",
  remove: "delete_order",
  stream: "stream_report",
} as const;

export interface McpBackendOptions {
  progressIntervalMs?: number;
  /**
   * No sessions: every POST is answered by a fresh server, so a single curl line can call a tool
   * without initialising first (the sandbox). Default: stateful sessions, as most servers run.
   */
  stateless?: boolean;
}

export async function startMcpBackend(options: McpBackendOptions = {}): Promise<McpBackend> {
  const intervalMs = options.progressIntervalMs ?? 200;
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const requests: McpSeenRequest[] = [];
  const sockets = new Set<Socket>();
  const waiting = new Set<() => void>();
  let progress = 0;

  const newServer = () => {
    const server = new McpServer({ name: "orders-mcp", version: "1.0.0" });
    server.registerTool(
      MCP_TOOLS.lookup,
      { description: "Look an order up", inputSchema: { id: z.string() } },
      async ({ id }) => ({ content: [{ type: "text", text: `order ${id}: 3 lines, shipped` }] }),
    );
    server.registerTool(
      MCP_TOOLS.remove,
      { description: "Delete an order (admins only)", inputSchema: { id: z.string() } },
      async ({ id }) => ({ content: [{ type: "text", text: `order ${id} deleted` }] }),
    );
    server.registerTool(
      MCP_TOOLS.stream,
      { description: "A long report: progress over SSE until released" },
      async (extra) => {
        const token = extra._meta?.progressToken;
        let released = false;
        const release = () => {
          released = true;
        };
        waiting.add(release);
        // Progress at a steady pace (an MCP server's keep-alive) until the test or user releases it.
        while (!released) {
          if (token !== undefined) {
            progress++;
            await extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress },
            });
          }
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
        waiting.delete(release);
        return { content: [{ type: "text", text: "report complete" }] };
      },
    );
    return server;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        text += chunk;
      });
      req.on("end", () => resolve(text));
      req.on("error", reject);
    });

  const http: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: { ...req.headers }, body });
      const parsed: unknown = body === "" ? undefined : JSON.parse(body);
      if (options.stateless === true) {
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.once("close", () => void transport.close());
        await newServer().connect(transport);
        await transport.handleRequest(req, res, parsed);
        return;
      }
      const sessionId = req.headers["mcp-session-id"];
      let transport = typeof sessionId === "string" ? transports.get(sessionId) : undefined;
      if (transport === undefined) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            if (transport) transports.set(id, transport);
          },
        });
        await newServer().connect(transport);
      }
      await transport.handleRequest(req, res, parsed);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("McpBackend: no TCP address");

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    progressSent: () => progress,
    releaseStreams: () => {
      for (const release of waiting) release();
    },
    stop: async () => {
      for (const release of waiting) release();
      await Promise.allSettled([...transports.values()].map((t) => t.close()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
