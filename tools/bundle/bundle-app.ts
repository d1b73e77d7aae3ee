// The deployable Functions app as a bundle: every file in functions/ an entry (the files
// package.json `main` names), everything they import compiled into shared chunks, with source
// maps. One file to read and compile instead of hundreds to resolve, stat and compile: most of a
// cold start was module loading (see bench/RESULTS.md).

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { bundledPackages } from "./bundled-packages.js";
import { slimPackages } from "./slim-packages.js";

/**
 * Left out: the worker's own module, which the Functions host provides. The packages tollgate
 * loads only when a setting asks for them (telemetry's distro, managed identity) are imported
 * dynamically, so they land in chunks of their own that an instance reads only when configured.
 */
export const EXTERNAL = ["@azure/functions-core"];

/**
 * CommonJS packages in an ES module bundle still call require() (for Node's own modules); the
 * bundle gives them one made for its own location, so they resolve as they would unbundled.
 */
const REQUIRE_SHIM =
  'import { createRequire as __tollgateCreateRequire } from "node:module"; const require = __tollgateCreateRequire(import.meta.url);';

export interface BundleResult {
  entries: string[];
  /** Output file → bytes, for the report. */
  outputs: Record<string, number>;
  /** Every package with code in the bundle, as package-lock.json names it (`node_modules/...`). */
  packages: string[];
}

export async function bundleApp(root: string, outdir: string, entries?: string[]): Promise<BundleResult> {
  const entryPoints =
    entries ??
    readdirSync(join(root, "functions"))
      .filter((name) => name.endsWith(".ts"))
      .sort()
      .map((name) => join(root, "functions", name));
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    outbase: root,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    sourcemap: "linked",
    // Whitespace and syntax only: names stay, so stack traces and profiles stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    plugins: [slimPackages(join(root, "shared"))],
    metafile: true,
    logLevel: "warning",
  });
  const metafile = result.metafile as Metafile;
  return {
    entries: entryPoints,
    outputs: Object.fromEntries(
      Object.entries(metafile.outputs)
        .filter(([file]) => file.endsWith(".js"))
        .map(([file, output]) => [file, output.bytes]),
    ),
    packages: bundledPackages(metafile),
  };
}
