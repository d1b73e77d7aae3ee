// Starts every target in front of one echo backend, each its own process, and checks before
// anything is measured that each answers an allowed request and that the gateways refuse.

import { WORKER_NODE_ARGUMENTS } from "../../tools/loopback/functions-path/worker-node-arguments.js";
import { bundled, compiled } from "../lib/build.js";
import { checkAllowed, checkRefusals } from "../lib/checks.js";
import { type ChildServer, startServer } from "../lib/child-server.js";
import { FUNCTIONS_HOST, LOCAL_HOST, LOCAL_HOST_NODE_ARGUMENTS, TOLLGATE_FUNCTIONS } from "../lib/context.js";
import { AUDIENCE, type Fixture, LIMIT, ROLE } from "../lib/fixture.js";
import { TARGETS, type TargetId } from "../lib/results.js";

export async function startTargets(
  fixture: Fixture,
  mainPrefix: string,
  path: (i: number) => string,
  started: (server: ChildServer) => void,
): Promise<Record<TargetId, ChildServer>> {
  const echo = await startServer("echo backend", { entry: "bench/servers/echo.ts", env: {} });
  started(echo);
  const { issuer } = fixture;
  const launch = async (name: string, options: Parameters<typeof startServer>[1]) => {
    const server = await startServer(name, options);
    started(server);
    return server;
  };
  const functionsApp = (files: string[], env: Record<string, string>) => ({
    entry: FUNCTIONS_HOST,
    env: { ...env, FUNCTIONS_APP: files.map((file) => compiled(file)).join(",") },
    // As deployed: infra/ gives the worker these flags.
    nodeArgs: WORKER_NODE_ARGUMENTS,
  });
  const floorApp = (stream: boolean) =>
    functionsApp([bundled("bench/servers/functions-forwarder.ts")], {
      BENCH_BACKEND_URL: echo.url,
      BENCH_STREAM: String(stream),
    });
  const [
    tollgate,
    peer,
    undici,
    forwardLayer,
    adapterLayer,
    functionsTollgate,
    functionsFloor,
    functionsForwardLayer,
    functionsBuffered,
    functionsTollgateBuffered,
  ] = await Promise.all([
    // The inspector only listens (loopback) until the soak asks it for heap sizes.
    launch("tollgate", {
      entry: LOCAL_HOST,
      env: fixture.tollgateEnv(mainPrefix, echo.url),
      nodeArgs: ["--inspect=127.0.0.1:0", ...LOCAL_HOST_NODE_ARGUMENTS],
    }),
    launch("fastify peer", {
      entry: "bench/servers/fastify-peer.ts",
      env: {
        BENCH_BACKEND_URL: echo.url,
        BENCH_ISSUER: issuer.issuerV2(issuer.defaultTenant),
        BENCH_AUDIENCE: AUDIENCE,
        BENCH_TENANT: issuer.defaultTenant,
        BENCH_ROLE: ROLE,
        BENCH_LIMIT: String(LIMIT),
      },
    }),
    launch("undici forwarder", {
      entry: "bench/servers/undici-forwarder.ts",
      env: { BENCH_BACKEND_URL: echo.url },
    }),
    launch("tollgate forward layer", {
      entry: "bench/servers/tollgate-layers.ts",
      env: { BENCH_LAYER: "forward", BENCH_BACKEND_URL: echo.url },
    }),
    launch("tollgate adapter layer", {
      entry: "bench/servers/tollgate-layers.ts",
      env: { BENCH_LAYER: "adapter", BENCH_BACKEND_URL: echo.url },
    }),
    // The same settings and tables as the local host's tollgate: the same checks, one more path.
    launch(
      "tollgate (functions path)",
      // The deploy artifact: the bundle, as `npm run bundle` writes it.
      functionsApp(TOLLGATE_FUNCTIONS.map(bundled), fixture.tollgateEnv(mainPrefix, echo.url)),
    ),
    launch("functions forwarder", floorApp(true)),
    launch(
      "tollgate's Functions adapter + forwardRequest",
      functionsApp([bundled("bench/servers/functions-forward-layer.ts")], { BENCH_BACKEND_URL: echo.url }),
    ),
    launch("functions forwarder, buffered", floorApp(false)),
    // Buffered: tsc's output, so bench/servers/buffered-mode.ts reaches the app's own library.
    launch(
      "tollgate (functions path), buffered",
      functionsApp(
        [...TOLLGATE_FUNCTIONS, "bench/servers/buffered-mode.ts"],
        fixture.tollgateEnv(mainPrefix, echo.url),
      ),
    ),
  ]);
  const servers: Record<TargetId, ChildServer> = {
    direct: echo,
    tollgate,
    peer,
    undici,
    forwardLayer,
    adapterLayer,
    functionsTollgate,
    functionsFloor,
    functionsForwardLayer,
    functionsBuffered,
    functionsTollgateBuffered,
  };
  const token = fixture.tokens[0] as string;
  for (const [id, server] of Object.entries(servers) as [TargetId, ChildServer][]) {
    await checkAllowed(TARGETS[id], `${server.url}${path(1)}`, token, server);
  }
  await checkRefusals(TARGETS.tollgate, `${tollgate.url}${path(1)}`, issuer, ROLE);
  await checkRefusals(TARGETS.functionsTollgate, `${functionsTollgate.url}${path(1)}`, issuer, ROLE);
  await checkRefusals(
    TARGETS.functionsTollgateBuffered,
    `${functionsTollgateBuffered.url}${path(1)}`,
    issuer,
    ROLE,
  );
  await checkRefusals(TARGETS.peer, `${peer.url}${path(1)}`, issuer, ROLE);
  return servers;
}
