// Two packages whose shape keeps a bundler from leaving out code the app never runs, given a
// smaller entry in the bundle. Together they were about 40% of the code the app compiled at start
// (undici 716 KiB, zod's locales 290 KiB of the 2.2 MiB the Functions app loads), for a cold
// start that is mostly compiling and evaluating modules (bench/RESULTS.md, Cold start).

import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

const UNDICI_POOL = fileURLToPath(new URL("./undici-pool.mjs", import.meta.url));
const ZOD_LOCALES = fileURLToPath(new URL("./zod-locales.mjs", import.meta.url));

/**
 * `undici` imported by tollgate's own code (shared/) resolves to undici-pool.mjs; the locales
 * index zod imports for `z.locales` resolves to zod-locales.mjs. Other importers (the benchmark's
 * bare forwarders, any package) get the packages as published.
 */
export function slimPackages(sharedDir: string): Plugin {
  return {
    name: "tollgate-slim-packages",
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) =>
        args.importer.startsWith(sharedDir) ? { path: UNDICI_POOL } : undefined,
      );
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: ZOD_LOCALES } : undefined,
      );
    },
  };
}
