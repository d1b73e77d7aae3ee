// Vitest global setup: builds the deployable app once before the tests that load `dist/`: tsc's
// output, and the deploy bundle (`npm run bundle`) the Functions-path tests run. It starts from an
// empty dist/, so the package test sees what this build writes, not what an older build (one that
// still compiled test code, say) left behind.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleApp } from "../../tools/bundle/bundle-app.js";

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  rmSync(new URL("../../dist", import.meta.url), { recursive: true, force: true });
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  await bundleApp(root, join(root, "dist", "bundle"));
}
