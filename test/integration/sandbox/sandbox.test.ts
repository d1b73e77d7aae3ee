// `npm start` as a newcomer runs it: start the sandbox, run every printed curl line in a shell,
// check each gets the status its comment promises, then Ctrl-C and check nothing is left running.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);
let sandbox: ChildProcess;
let output = "";

function waitFor(text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sandbox did not print '${text}':\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    sandbox.stdout?.on("data", check);
    sandbox.stderr?.on("data", check);
    check();
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  sandbox = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "tools/sandbox/main.ts"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  sandbox.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  sandbox.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  await waitFor("Ctrl-C stops everything.", 45_000);
}, 60_000);

afterAll(() => {
  if (sandbox.exitCode === null) sandbox.kill("SIGKILL");
});

describe("the sandbox", () => {
  it("prints curl lines that each do what they say", async () => {
    const lines = output.split("\n");
    const exports = lines.filter((line) => line.startsWith("export "));
    expect(exports.map((line) => line.split("=")[0])).toEqual([
      "export READER",
      "export ADMIN",
      "export EXPIRED",
      "export MCP_USER",
      "export MCP_ADMIN",
    ]);
    const calls: Array<{ status: number; command: string }> = [];
    lines.forEach((line, index) => {
      const promise = /→ (\d{3})$/.exec(line);
      const next = lines[index + 1] ?? "";
      if (line.startsWith("# ") && promise && (next.startsWith("curl ") || next.startsWith("for "))) {
        calls.push({ status: Number(promise[1]), command: next });
      }
    });
    expect(calls.map((call) => call.status)).toEqual([200, 403, 200, 401, 429, 401, 200, 200, 403, 200]);

    for (const call of calls) {
      const script = [...exports, call.command].join("\n");
      const { stdout } = await run("bash", ["-c", script], { cwd: root });
      if (call.command.startsWith("for ")) {
        // A loop prints one status per call: all but the last admitted, the last refused.
        expect(stdout.trim().split("\n")).toEqual(["200", "200", "200", String(call.status)]);
        continue;
      }
      const statusLine = stdout.split("\r\n")[0] ?? "";
      expect(statusLine, call.command).toMatch(new RegExp(`^HTTP/1\\.1 ${call.status} `));
      if (call.command.includes("/.well-known/oauth-protected-resource/")) {
        expect(stdout).toMatch(/"resource":"http:\/\/127\.0\.0\.1:\d+\/mcp"/);
        continue;
      }
      if (call.command.includes("/mcp ")) {
        // The MCP server answers over SSE; a refusal names the scope and the metadata to ask again.
        if (call.status === 200) expect(stdout).toMatch(/content-type: text\/event-stream[\s\S]*order 42/i);
        if (call.status === 403)
          expect(stdout).toMatch(/www-authenticate: Bearer .*insufficient_scope.*resource_metadata=/i);
        continue;
      }
      if (call.status === 200) {
        // The echo backend shows what reached it: the identity tollgate attached, and no token.
        expect(stdout).toContain('"x-tollgate-object-id"');
        expect(stdout).toContain('"x-tollgate-assertion"');
        expect(stdout).not.toContain('"authorization"');
      }
      if (call.status === 403) {
        expect(stdout).toMatch(/www-authenticate: Bearer .*error="insufficient_scope".*scope="[^"]*admin/i);
      }
      if (call.status === 401) expect(stdout.toLowerCase()).toContain("www-authenticate: bearer");
    }
  });

  it("stops everything on Ctrl-C", async () => {
    const ports = [...output.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    const azuritePort = Number(/TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? 0);
    const exited = new Promise<number | null>((resolve) => sandbox.once("exit", resolve));
    sandbox.kill("SIGINT");
    expect(await exited).toBe(0);
    for (const port of new Set([...ports, ...(azuritePort ? [azuritePort] : [])])) {
      expect(await portOpen(port), `port ${port} still open`).toBe(false);
    }
  });
});
