// `npm start`: the sandbox. Azurite in memory, a loopback Entra-shaped issuer, an echo backend
// and the gateway, with the demo role map pushed through the CLI, then curl lines that show what
// tollgate does. Ctrl-C stops everything.

import { fileURLToPath } from "node:url";
import { loadSettings } from "../../shared/config/settings.js";
import { generateAssertionKey } from "../../shared/forward/assertion-keys.js";
import { createTollgate } from "../../shared/tollgate.js";
import { runCli } from "../cli/run-cli.js";
import { createNodeServer } from "../local-host/node-http-adapter.js";
import { startAzurite } from "../loopback/azurite.js";
import { startEchoBackend } from "../loopback/echo-backend.js";
import { EntraIssuer } from "../loopback/entra-issuer.js";
import { freePort } from "../loopback/ports.js";
import { printable, sandboxScript } from "./curl-lines.js";

const DEMO_AUDIENCE = "api://tollgate-demo";

async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("tollgate sandbox: starting Azurite, the Entra-shaped issuer, the echo backend and the gateway…");

  const [azurite, issuer, backend, port] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: DEMO_AUDIENCE }),
    startEchoBackend(),
    freePort(),
  ]);
  const env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: DEMO_AUDIENCE,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "5",
  };

  const policyFile = fileURLToPath(new URL("./demo-policy.yaml", import.meta.url));
  const pushed = await runCli(["policy", "push", policyFile], {
    env,
    stdout: { write: () => true },
    stderr: process.stderr,
  });
  if (pushed !== 0) throw new Error("the demo policy could not be pushed");

  const tollgate = await createTollgate(loadSettings(env), { log: (line) => say(`  [tollgate] ${line}`) });
  await tollgate.start();
  const server = createNodeServer(tollgate.handle);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const gateway = `http://127.0.0.1:${port}`;

  say("");
  say(`gateway   ${gateway}   (role map: ${policyFile})`);
  say(`issuer    ${issuer.authority}   tenant ${issuer.defaultTenant}`);
  say(`backend   ${backend.url}   (echoes what reaches it, identity headers included)`);
  say("");
  for (const line of printable(await sandboxScript(gateway, issuer))) say(line);
  say("");
  say("Ctrl-C stops everything.");

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("\nstopping…");
    server.close();
    server.closeAllConnections();
    await tollgate.stop();
    await Promise.allSettled([backend.stop(), issuer.stop(), azurite.stop()]);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error("the sandbox failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
