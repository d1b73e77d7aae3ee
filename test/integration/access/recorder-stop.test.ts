// The access recorder at shutdown, against Azurite: decisions recorded while a timed flush is
// being written are in the table after stop(), not only those the running write held. The write
// is held at a gate the test opens, so the overlap is made, not hoped for.

import { afterAll, beforeAll, expect, it } from "vitest";
import { AccessRecorder } from "../../../shared/access/access-recorder.js";
import { type AccessTable, createAccessTable } from "../../../shared/access/access-table.js";
import { callerIdFor } from "../../../shared/access/caller-id.js";
import { ManualClock } from "../../../shared/clock.js";
import { createTableClientFactory, parseStorageTarget } from "../../../shared/storage/table-client.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { principal } from "../../../tools/loopback/principal.js";

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

it("writes the decisions recorded during a flush in progress when it stops", async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 12, 0, 10));
  const table = createAccessTable({
    tables: createTableClientFactory(parseStorageTarget(azurite.connectionString)),
    tablePrefix: `stop${Date.now().toString(36)}`,
    storageTimeoutMs: 10_000,
  });
  // The real table, its first write held until the test opens the gate.
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let writes = 0;
  let firstWriteStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    firstWriteStarted = resolve;
  });
  const gated: Pick<AccessTable, "write"> = {
    async write(rows) {
      if (writes++ === 0) {
        firstWriteStarted();
        await gate;
      }
      return table.write(rows);
    },
  };
  const recorder = new AccessRecorder({
    table: gated,
    clock,
    callerId: callerIdFor(undefined),
    refusalsPerCallerMinute: 5,
  });
  const caller = principal();
  const decision = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    outcome: "allow",
    status: 200,
    ruleId: "orders-read",
    principal: caller,
  } as const;

  recorder.record(decision);
  const timed = recorder.flush(); // the minute's flush, as the timer starts it
  await started;
  // While that write is under way, two more decisions come in; then the instance shuts down.
  recorder.record(decision);
  recorder.record(decision);
  const stopped = recorder.stop();
  open();
  await Promise.all([timed, stopped]);

  const { summaries } = await table.read({ sinceMs: clock.now() - 86_400_000 });
  const mine = summaries.filter((row) => row.ruleId === "orders-read");
  expect(mine.map((row) => row.count)).toEqual([3]);
});
