// MCP inspection micro-benchmark: what reading an MCP message costs on a route with MCP rules,
// against JSON.parse of the same text (the floor any inspection stands on), for a typical
// tools/call and a 64 KiB one, and the extra route match MCP rules take. Ratios, in one run.
//
//   npx tsx bench/mcp-inspection.ts [seconds per case, default 1]

import { writeFileSync } from "node:fs";
import { parseMcpMessage, readMcpCall } from "../shared/mcp/read-mcp-call.js";
import { parsePolicy } from "../shared/policy/parse-policy.js";
import { takesMcpRules } from "../shared/policy/resource-gate.js";
import { matchRule } from "../shared/policy/route-match.js";

async function rate(seconds: number, work: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 2000; i++) await work(i);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let j = 0; j < 100; j++) await work(count++);
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

const message = (pad: number) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: {
      name: "lookup_order",
      arguments: { id: "42", note: "x".repeat(pad) },
      _meta: { progressToken: "p1" },
    },
  });

const policyText = (withMcp: boolean) =>
  JSON.stringify({
    version: 1,
    rules: [
      ...(withMcp
        ? [
            {
              id: "admin-tools",
              methods: ["POST"],
              path: "/mcp",
              mcp: { tools: ["delete_*"] },
              require: { roles: { anyOf: ["admin"] } },
            },
          ]
        : []),
      { id: "mcp", methods: ["POST"], path: "/mcp" },
      { id: "orders", methods: ["GET"], path: "/orders/**" },
    ],
  });

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 1);
  const headers = new Headers({ "content-type": "application/json", "mcp-protocol-version": "2025-11-25" });
  const rows: Array<{ name: string; perSecond: number; floor?: number }> = [];
  for (const [label, text] of [
    ["tools/call, ~200 B", message(0)],
    ["tools/call, 64 KiB", message(64 * 1024)],
  ] as const) {
    const bytes = new TextEncoder().encode(text);
    const floor = await rate(seconds, () => JSON.parse(text));
    rows.push({ name: `JSON.parse alone (${label})`, perSecond: floor });
    rows.push({
      name: `parseMcpMessage (${label})`,
      perSecond: await rate(seconds, () => parseMcpMessage(text, headers)),
      floor,
    });
    rows.push({
      name: `readMcpCall from a Request (${label})`,
      perSecond: await rate(seconds, () =>
        readMcpCall(
          new Request("http://tollgate.test/mcp", { method: "POST", headers, body: bytes }),
          1024 * 1024,
        ),
      ),
      floor,
    });
  }
  const plain = parsePolicy(policyText(false));
  const mcp = parsePolicy(policyText(true));
  if (!plain.ok || !mcp.ok) throw new Error("bench policies do not parse");
  const route = { method: "POST", path: "/mcp", host: "tollgate.test" };
  const match = await rate(seconds, () => matchRule(plain.policy, route));
  rows.push({ name: "route match, role map without MCP rules", perSecond: match });
  rows.push({
    name: "route match + MCP check, role map without MCP rules",
    perSecond: await rate(
      seconds,
      () => takesMcpRules(plain.policy, route) || matchRule(plain.policy, route),
    ),
    floor: match,
  });
  rows.push({
    name: "route match + MCP check, role map with MCP rules",
    perSecond: await rate(
      seconds,
      () =>
        takesMcpRules(mcp.policy, route) &&
        matchRule(mcp.policy, { ...route, mcp: { method: "tools/call", name: "lookup_order" } }),
    ),
    floor: match,
  });

  const lines = [
    "# MCP inspection micro-benchmark",
    "",
    `Node ${process.version}, ${seconds} s per case, one run (\`npx tsx bench/mcp-inspection.ts\`). The ratio is`,
    "to the floor above it (JSON.parse of the same text, or the plain route match).",
    "",
    "| Case | per second | ratio to floor |",
    "|---|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${r.floor ? (r.perSecond / r.floor).toFixed(2) : "1.00"} |`,
    ),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  writeFileSync(new URL("./MCP-INSPECTION.md", import.meta.url), `${lines.join("\n")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
