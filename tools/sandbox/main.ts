// `npm start`: the sandbox. Azurite in memory, a loopback Entra-shaped issuer, an echo backend
// and the gateway, with the demo role map (or yours: `npm start -- --policy my.yaml`) pushed
// through the CLI, then curl lines that show what tollgate does. Ctrl-C stops everything.

import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { loadSettings } from "../../shared/config/settings.js";
import { generateAssertionKey } from "../../shared/forward/assertion-keys.js";
import type { RequestHandler } from "../../shared/http/request-handler.js";
import { createTollgate } from "../../shared/tollgate.js";
import { runCli } from "../cli/run-cli.js";
import { createNodeServer } from "../local-host/node-http-adapter.js";
import { startAzurite } from "../loopback/azurite.js";
import { startEchoBackend } from "../loopback/echo-backend.js";
import { EntraIssuer } from "../loopback/entra-issuer.js";
import { startMcpBackend } from "../loopback/mcp-backend.js";
import { listenOnFreePort } from "../loopback/ports.js";
import { printable, sandboxScript } from "./curl-lines.js";

const DEMO_AUDIENCE = "api://tollgate-demo";
/** The MCP server's API registration: v2 tokens carry its client id as `aud`. */
const MCP_API = randomUUID();

/** demo-policy.yaml with the MCP resource and rules (demo-mcp-policy.yaml) filled in and merged. */
function demoPolicy(values: Record<string, string>): string {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(name, import.meta.url)), "utf8");
  const base = parse(read("./demo-policy.yaml")) as { rules: unknown[] } & Record<string, unknown>;
  const mcpText = read("./demo-mcp-policy.yaml").replace(
    /\{\{([a-z-]+)\}\}/g,
    (_, key: string) => values[key] ?? "",
  );
  const mcp = parse(mcpText) as { rules: unknown[]; backends: object; resources: object };
  const file = join(tmpdir(), `tollgate-sandbox-policy-${process.pid}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...base,
      backends: mcp.backends,
      resources: mcp.resources,
      rules: [...mcp.rules, ...base.rules],
    }),
  );
  return file;
}

async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("tollgate sandbox: starting Azurite, the Entra-shaped issuer, the echo backend and the gateway…");

  // The gateway's port is held from the start: the demo role map names the gateway's URL, so the
  // port must be known before tollgate exists, and a port only probed free could be taken (by any
  // outgoing connection's local port, too) in the seconds Azurite and tollgate take to start.
  // Until tollgate is up, the listener answers 503.
  let handle: RequestHandler = async () =>
    new Response("The sandbox is still starting.\n", { status: 503, headers: { "retry-after": "1" } });
  const server = createNodeServer((request, context) => handle(request, context));
  const [azurite, issuer, backend, mcpBackend, port] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: DEMO_AUDIENCE }),
    startEchoBackend(),
    startMcpBackend({ stateless: true }),
    listenOnFreePort(server),
  ]);
  const gateway = `http://127.0.0.1:${port}`;
  const env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: `${DEMO_AUDIENCE},${MCP_API}`,
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "5",
  };

  const { values } = parseArgs({ options: { policy: { type: "string" } }, allowPositionals: false });
  // npm runs scripts from the project root; a relative path means the folder npm was started in.
  const ownPolicy = values.policy ? resolve(process.env.INIT_CWD ?? process.cwd(), values.policy) : undefined;
  const policyFile =
    ownPolicy ??
    demoPolicy({
      gateway,
      "mcp-backend": mcpBackend.url,
      "mcp-api": MCP_API,
      issuer: issuer.issuerV2(issuer.defaultTenant),
    });
  const pushed = await runCli(["policy", "push", policyFile], {
    env,
    stdout: { write: () => true },
    stderr: process.stderr,
  });
  if (pushed !== 0) throw new Error(`the role map ${policyFile} could not be pushed (see above)`);

  const tollgate = await createTollgate(loadSettings(env), { log: (line) => say(`  [tollgate] ${line}`) });
  await tollgate.start();
  handle = tollgate.handle;

  say("");
  say(`gateway   ${gateway}   (role map: ${policyFile})`);
  say(`issuer    ${issuer.authority}   tenant ${issuer.defaultTenant}`);
  say(`backend   ${backend.url}   (echoes what reaches it, identity headers included)`);
  say(`mcp       ${mcpBackend.url}   (an MCP server, behind ${gateway}/mcp)`);
  say("");
  if (ownPolicy !== undefined)
    say("(the curl lines below were written for the demo role map; yours may answer differently)");
  for (const line of printable(await sandboxScript(gateway, issuer, MCP_API))) say(line);
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
    await Promise.allSettled([backend.stop(), mcpBackend.stop(), issuer.stop(), azurite.stop()]);
    // The demo's role map is a file the sandbox wrote; yours stays where it is.
    if (ownPolicy === undefined) rmSync(policyFile, { force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error("the sandbox failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
