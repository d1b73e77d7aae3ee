// Vitest global setup: builds the deployable app once before the tests that load `dist/`: tsc's
// output, and the deploy bundle (`npm run bundle`) the Functions-path tests run.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleApp } from "../../tools/bundle/bundle-app.js";

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  await bundleApp(root, join(root, "dist", "bundle"));
}
