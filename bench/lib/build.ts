// Compiles the processes the benchmark starts (the local host and bench/servers) to JavaScript
// first, as the Functions app is deployed, so they run without a TypeScript loader in them: its
// module hooks would be in the cold start and its wrapper in the memory and the profile.

import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleApp } from "../../tools/bundle/bundle-app.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Under node_modules, so the compiled files resolve packages exactly as the sources do; one
 * folder per run, so two runs at once (a test and a person) do not pull files from each other.
 */
export const BUILD_DIR = join(ROOT, "node_modules", ".cache", "tollgate-bench", String(process.pid));

/** Emits without type-checking (typecheck is its own step), so work in progress elsewhere cannot stop the benchmark. */
export function buildServers(): void {
  removeBuild();
  try {
    execFileSync(
      process.execPath,
      [
        join(ROOT, "node_modules", "typescript", "bin", "tsc"),
        "-p",
        join(ROOT, "bench", "tsconfig.servers.json"),
        "--outDir",
        BUILD_DIR,
        "--noCheck",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`compiling the servers failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

/**
 * The deploy artifact (`npm run bundle`): the Functions app's files bundled, and the local host
 * bundled the same way, into BUILD_DIR/bundle. Run after buildServers.
 */
export async function buildBundle(): Promise<void> {
  const functions = readdirSync(join(ROOT, "functions"))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(ROOT, "functions", name));
  await bundleApp(ROOT, join(BUILD_DIR, "bundle"), [
    ...functions,
    join(ROOT, "tools", "local-host", "main.ts"),
    join(ROOT, "bench", "servers", "functions-forwarder.ts"),
    join(ROOT, "bench", "servers", "functions-forward-layer.ts"),
  ]);
}

/** The entry for spawnServer/compiled of a source file's bundled output: `functions/gateway.ts` → bundle/functions/gateway.ts. */
export function bundled(entry: string): string {
  return join("bundle", entry);
}

export function removeBuild(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true });
}

/** The compiled file of a source entry: `tools/local-host/main.ts` → BUILD_DIR/tools/local-host/main.js. */
export function compiled(entry: string): string {
  return join(BUILD_DIR, entry.replace(/\.ts$/, ".js"));
}
