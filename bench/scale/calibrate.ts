// What Azurite answers on this machine, for the report's calibration section: point reads and
// ETag-guarded replaces of one counter entity, one at a time, through the real SDK client built
// by tollgate's own factory. Azurite runs on loopback, so this is the floor (no network hop, no
// replication), not Azure; the model's default profile says so beside it.

import { createTableClientFactory, parseStorageTarget } from "../../shared/storage/table-client.js";
import { startAzurite } from "../../tools/loopback/azurite.js";

export interface AzuriteLatency {
  readP50: number;
  readP99: number;
  writeP50: number;
  writeP99: number;
  samples: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export async function measureAzurite(samples = 400): Promise<AzuriteLatency> {
  // The Azurite handle's timers and child are unref'd (tests hold the process open); hold it here.
  const keepAlive = setInterval(() => {}, 1000);
  const azurite = await startAzurite();
  try {
    const client = createTableClientFactory(parseStorageTarget(azurite.connectionString))("calibration");
    await client.createTable();
    const created = await client.createEntity({ partitionKey: "k", rowKey: "r", count: 0 });
    let etag = created.etag ?? "*";
    const reads: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < samples; i++) {
      let started = performance.now();
      await client.getEntity("k", "r");
      reads.push(performance.now() - started);
      started = performance.now();
      const updated = await client.updateEntity({ partitionKey: "k", rowKey: "r", count: i + 1 }, "Replace", {
        etag,
      });
      writes.push(performance.now() - started);
      etag = updated.etag ?? "*";
    }
    // The first few warm the connection and the JIT.
    const trim = (values: number[]) => values.slice(Math.min(20, values.length >> 2)).sort((a, b) => a - b);
    const r = trim(reads);
    const w = trim(writes);
    return {
      readP50: quantile(r, 0.5),
      readP99: quantile(r, 0.99),
      writeP50: quantile(w, 0.5),
      writeP99: quantile(w, 0.99),
      samples,
    };
  } finally {
    await azurite.stop();
    clearInterval(keepAlive);
  }
}
