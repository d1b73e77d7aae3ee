// The real parts around a gateway, for the attack corpus and the fault suite: Azurite, the
// loopback Entra-shaped issuer, an echo backend, the role map pushed with the CLI, and local
// hosts (the gateway as its own process) started on demand.

import { get as httpGet } from "node:http";
import { generateAssertionKey } from "../../shared/forward/assertion-keys.js";
import { type AzuriteHandle, startAzurite } from "../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../tools/loopback/entra-issuer.js";
import { type LocalHost, startFunctionsPathHost, startLocalHost } from "./local-host.js";
import { pushWithCli } from "./push-with-cli.js";

export const AUDIENCE = "api://tollgate-test";

export type HostPath = "local host" | "functions path";

export interface Stack {
  azurite: AzuriteHandle;
  issuer: EntraIssuer;
  backend: EchoBackend;
  /** The settings every host of this stack starts from. */
  env: Record<string, string>;
  /** Pushes a policy document with the CLI, as an operator would; throws with the CLI's errors. */
  push(document: object): Promise<void>;
  /**
   * A host with the stack's settings plus `extra`, ready (keys and role map loaded): the local
   * host, or the deploy bundle on the Functions path (the real @azure/functions in between).
   */
  startHost(extra?: Record<string, string>, path?: HostPath): Promise<LocalHost>;
  stop(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const [azurite, issuer, backend] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: AUDIENCE }),
    startEchoBackend(),
  ]);
  const settings: Record<string, string> = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
    TOLLGATE_STORAGE_TIMEOUT_MS: "500",
    ...env,
  };
  const hosts: LocalHost[] = [];
  return {
    azurite,
    issuer,
    backend,
    env: settings,
    push: (document) => pushWithCli(settings, document),
    async startHost(extra = {}, path = "local host") {
      const start = path === "functions path" ? startFunctionsPathHost : startLocalHost;
      const host = await start({ ...settings, ...extra });
      hosts.push(host);
      await eventually(
        async () => (await statusOnFreshConnection(`${host.url}/.tollgate/ready`)) === 200,
        `the host on ${host.url} is ready\n${host.output()}`,
      );
      return host;
    },
    async stop() {
      await Promise.allSettled(hosts.map((host) => host.stop()));
      await Promise.allSettled([azurite.stop(), issuer.stop(), backend.stop()]);
    },
  };
}

/**
 * GET on a connection of its own, closed right after: a pooled keep-alive connection would stay
 * open on the gateway and spoil the socket counts the fault tests take.
 */
export function statusOnFreshConnection(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false, headers: { connection: "close" } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", () => resolve(0));
  });
}

/**
 * Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. The bound
 * only ends a wait that will never succeed: on a busy 2-core CI machine running every suite at
 * once, a gateway's first key fetch and snapshot write took longer than 15 s.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
