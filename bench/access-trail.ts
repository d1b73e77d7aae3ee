// What the access trail costs on the request path: the same gateway (createTollgate, the code the
// Functions app runs) in this process, with TOLLGATE_ACCESS_SUMMARIES on and off, each handling
// the same requests (distinct callers, allowed and refused) to a real backend on loopback.
// Runs are interleaved and compared in one run; the ratio is what counts. Writes bench/ACCESS.md.
//
//   npm run bench:access

import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { loadSettings } from "../shared/config/settings.js";
import { policyTableClient } from "../shared/policy/policy-table.js";
import { pushPolicy } from "../shared/policy/push-policy.js";
import { createTableClientFactory, parseStorageTarget } from "../shared/storage/table-client.js";
import { createTollgate, type Tollgate } from "../shared/tollgate.js";
import { startAzurite } from "../tools/loopback/azurite.js";
import { startEchoBackend } from "../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../tools/loopback/entra-issuer.js";
import { describeMachine, formatLoad } from "./lib/machine.js";

const REQUESTS = Number(process.env.BENCH_ACCESS_REQUESTS ?? 20_000);
const ROUNDS = 5;
const CONCURRENCY = 16;
const POLICY = {
  version: 1,
  rules: [
    { id: "orders-read", methods: ["GET"], path: "/orders/**", require: { roles: { anyOf: ["reader"] } } },
    { id: "manage", methods: ["GET"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
  ],
};

async function run(tollgate: Tollgate, tokens: readonly string[]): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const response = await tollgate.handle(
          new Request(`http://tollgate.bench${i % 4 === 3 ? "/manage/1" : "/orders/1"}`, {
            headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
          }),
          { clientIp: "127.0.0.1", signal: new AbortController().signal },
        );
        await response.arrayBuffer();
      }
    }),
  );
  return REQUESTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  const [azurite, backend, issuer] = await Promise.all([
    startAzurite(),
    startEchoBackend(),
    EntraIssuer.start({ defaultAudience: "api://bench-access" }),
  ]);
  const machine = describeMachine();
  try {
    const base = {
      TOLLGATE_TENANTS: issuer.defaultTenant,
      TOLLGATE_AUDIENCES: "api://bench-access",
      TOLLGATE_AUTHORITY: issuer.authority,
      TOLLGATE_STORAGE: azurite.connectionString,
      TOLLGATE_BACKEND_URL: backend.url,
    };
    const tables = createTableClientFactory(parseStorageTarget(azurite.connectionString));
    await pushPolicy(policyTableClient(tables, "tollgate"), POLICY);
    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => issuer.mint({ oid: randomUUID(), roles: ["reader"] })),
    );
    const gateways = {
      off: await createTollgate(loadSettings({ ...base, TOLLGATE_ACCESS_SUMMARIES: "false" }), { tables }),
      on: await createTollgate(loadSettings({ ...base, TOLLGATE_ACCESS_SUMMARIES: "true" }), { tables }),
    };
    await Promise.all(Object.values(gateways).map((g) => g.start()));
    const rates: Record<"on" | "off", number[]> = { on: [], off: [] };
    // Warm-up round, then interleaved rounds so drift on a busy machine hits both alike.
    for (const g of Object.values(gateways)) await run(g, tokens);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
        rates[name].push(await run(gateways[name], tokens));
      }
    }
    await Promise.all(Object.values(gateways).map((g) => g.stop()));
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const on = median(rates.on);
    const off = median(rates.off);
    const report = [
      "# The access trail's cost on the request path",
      "",
      `Measured ${new Date().toISOString()} by \`npm run bench:access\`.`,
      "",
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}; Node ${machine.node}`,
      `- Load average at start: ${formatLoad(machine.loadAtStart)}; at end: ${formatLoad(loadavg())}`,
      `- The same gateway (createTollgate) in one process, ${REQUESTS} requests per run, ${CONCURRENCY} at a time, 200 distinct callers, one in four refused (403); ${ROUNDS} interleaved runs each, median shown.`,
      "",
      "| Access trail | req/s (median) | runs | vs off |",
      "|---|---:|---|---:|",
      `| off | ${Math.round(off).toLocaleString("en-US")} | ${rates.off.map((r) => Math.round(r)).join(", ")} | 1.00× |`,
      `| on | ${Math.round(on).toLocaleString("en-US")} | ${rates.on.map((r) => Math.round(r)).join(", ")} | ${(on / off).toFixed(3)}× |`,
      "",
    ].join("\n");
    writeFileSync(new URL("./ACCESS.md", import.meta.url), report);
    process.stdout.write(report);
  } finally {
    await Promise.allSettled([azurite.stop(), backend.stop(), issuer.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
