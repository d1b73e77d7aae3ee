// The gateway in this process, built by the same composition root as every entry point, with the
// test's clock and table factory: tests move time and count storage calls while real tokens,
// Table Storage (Azurite) and a real backend do the rest.

import type { Clock } from "../../shared/clock.js";
import { loadSettings, type Settings } from "../../shared/config/settings.js";
import type { KeyStoreEvent } from "../../shared/keys/key-store-events.js";
import { policyTableClient } from "../../shared/policy/policy-table.js";
import { pushPolicy } from "../../shared/policy/push-policy.js";
import type { TableClientFactory } from "../../shared/storage/table-client.js";
import { createTollgate, type Tollgate, type TollgateOptions } from "../../shared/tollgate.js";

/** Every caller with a valid token may pass: these tests are about tokens and keys, not roles. */
export const OPEN_POLICY = { version: 1, rules: [{ id: "all", methods: ["*"], path: "/**" }] };

export interface InProcessTollgate {
  tollgate: Tollgate;
  settings: Settings;
  keyEvents: KeyStoreEvent[];
  /** GET `path` with the token as a bearer token. */
  call(path: string, token?: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startInProcessTollgate(
  env: Record<string, string>,
  options: { clock: Clock; tables: TableClientFactory; policy?: unknown } & Pick<
    TollgateOptions,
    "onDecision" | "onLifetimeEvent" | "onAccessEvent" | "telemetry"
  >,
): Promise<InProcessTollgate> {
  const settings = loadSettings(env);
  await pushPolicy(policyTableClient(options.tables, settings.tablePrefix), options.policy ?? OPEN_POLICY, {
    clock: options.clock,
  });
  const keyEvents: KeyStoreEvent[] = [];
  const { clock, tables, policy: _, ...rest } = options;
  const tollgate = await createTollgate(settings, {
    clock,
    tables,
    ...rest,
    onKeyEvent: (event) => keyEvents.push(event),
  });
  await tollgate.start();
  return {
    tollgate,
    settings,
    keyEvents,
    call: (path, token) =>
      tollgate.handle(
        new Request(`http://tollgate.test${path}`, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        }),
        { clientIp: "127.0.0.1", signal: new AbortController().signal },
      ),
    stop: () => tollgate.stop(),
  };
}

/** Waits (in real time, for background I/O to finish, never to cross an expiry) until `check` holds. */
export async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
