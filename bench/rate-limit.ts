// Rate-limit benchmark: decisions per second and Table Storage calls per decision against Azurite,
// for tollgate's strict and approximate limiters and, as the peer, the naive design a gateway
// would otherwise use (one ETag-guarded read-modify-write per request). Four limiter instances
// share one counter, as four gateway instances would. Writes bench/RATE-LIMIT.md.
//
//   npm run bench:ratelimit [-- --quick]

import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { TableClient } from "@azure/data-tables";
import { systemClock } from "../shared/clock.js";
import { limitPolicySchema } from "../shared/limits/limit-policy.js";
import { RateLimiter } from "../shared/limits/rate-limiter.js";
import { WindowCounterTable } from "../shared/limits/window-counter-table.js";
import { createTableClientFactory, parseStorageTarget } from "../shared/storage/table-client.js";
import { startAzurite } from "../tools/loopback/azurite.js";
import { principal } from "../tools/loopback/principal.js";

const quick = process.argv.includes("--quick");
const DECISIONS = quick ? 2_000 : 20_000;
const NAIVE_DECISIONS = quick ? 200 : 500;
const CONCURRENCY = 64;
const INSTANCES = 4;

const caller = principal({ kind: "app", audience: "api://bench" });

const METHODS = new Set(["getEntity", "createEntity", "updateEntity", "deleteEntity", "createTable"]);
function counted(client: TableClient, counter: { calls: number }): TableClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || !METHODS.has(String(property))) return value;
      return (...args: unknown[]) => {
        counter.calls++;
        return value.apply(target, args);
      };
    },
  });
}

interface Row {
  design: string;
  decisions: number;
  admitted: number;
  seconds: number;
  storageCalls: number;
}

async function drive(
  total: number,
  decide: (i: number) => Promise<boolean>,
): Promise<{ admitted: number; seconds: number }> {
  let next = 0;
  let admitted = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        if (await decide(i)) admitted++;
      }
    }),
  );
  return { admitted, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main(): Promise<void> {
  // Azurite's process is unref'd (tests must not hang on it): hold the event loop open ourselves.
  const keepAlive = setInterval(() => {}, 60_000);
  const azurite = await startAzurite();
  const factory = createTableClientFactory(parseStorageTarget(azurite.connectionString), { maxRetries: 0 });
  const rows: Row[] = [];
  try {
    for (const mode of ["strict", "approximate"] as const) {
      const counter = { calls: 0 };
      const table = `bench${mode}`;
      const limiters = Array.from(
        { length: INSTANCES },
        () =>
          new RateLimiter({
            counters: new WindowCounterTable({
              client: counted(factory(table), counter),
              storageTimeoutMs: 5000,
            }),
            clock: systemClock,
          }),
      );
      // Under the limit: the steady state a well-sized limit spends its life in.
      const policy = limitPolicySchema.parse({
        requests: 10_000_000,
        window: "1h",
        key: ["clientApp"],
        mode,
      });
      const run = await drive(DECISIONS, async (i) => {
        const verdict = await limiters[i % INSTANCES]?.check(mode, policy, caller, "r");
        return verdict?.outcome === "allow";
      });
      await Promise.all(limiters.map((l) => l.flush()));
      for (const l of limiters) l.stop();
      rows.push({ design: `tollgate ${mode}`, decisions: DECISIONS, storageCalls: counter.calls, ...run });
    }

    // The peer: every decision reads the counter and writes it back with If-Match.
    const counter = { calls: 0 };
    const client = counted(factory("benchnaive"), counter);
    await client.createTable();
    counter.calls = 0;
    const run = await drive(NAIVE_DECISIONS, async () => {
      for (;;) {
        try {
          const entity = await client.getEntity<{ count: number }>("k", "w").catch(() => undefined);
          if (entity === undefined) {
            await client.createEntity({ partitionKey: "k", rowKey: "w", count: 1 });
          } else {
            await client.updateEntity(
              { partitionKey: "k", rowKey: "w", count: entity.count + 1 },
              "Replace",
              {
                etag: entity.etag,
              },
            );
          }
          return true;
        } catch {
          // 409 or 412: another writer won; read again.
        }
      }
    });
    rows.push({
      design: "naive: one read-modify-write per request",
      decisions: NAIVE_DECISIONS,
      storageCalls: counter.calls,
      ...run,
    });
  } finally {
    await azurite.stop();
    clearInterval(keepAlive);
  }

  const naive = rows.at(-1) as Row;
  const naiveRate = naive.decisions / naive.seconds;
  const table = [
    "| Design | Decisions | Decisions/s | vs naive | Storage calls per decision |",
    "|---|---:|---:|---:|---:|",
    ...rows.map((row) => {
      const rate = row.decisions / row.seconds;
      return `| ${row.design} | ${row.decisions} | ${Math.round(rate)} | ${(rate / naiveRate).toFixed(1)}× | ${(row.storageCalls / row.decisions).toFixed(4)} |`;
    }),
  ].join("\n");
  const report = [
    "# Rate-limit benchmark",
    "",
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Azurite in memory on loopback.`,
    `${INSTANCES} limiter instances share one counter (one limit key), ${CONCURRENCY} concurrent callers,`,
    "under the limit. Storage calls are counted by a wrapper around the Table client.",
    quick ? "\n_Quick run (smoke check): small counts, numbers are rough._" : "",
    "",
    table,
    "",
    "Strict mode leases a block of permits (an eighth of what is left) with one ETag-guarded update",
    "and spends it locally; approximate mode decides locally and syncs counts about once a second.",
    "The naive design pays a read and a write per request and serialises every caller on one entity.",
    "",
  ].join("\n");
  console.log(report);
  writeFileSync(fileURLToPath(new URL("./RATE-LIMIT.md", import.meta.url)), report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
