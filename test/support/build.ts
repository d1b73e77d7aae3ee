// Vitest global setup: builds the deployable app once before the tests that load `dist/`.
// It starts from an empty dist/, so the package test sees what this build writes, not what an
// older build (one that still compiled test code, say) left behind.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  rmSync(new URL("../../dist", import.meta.url), { recursive: true, force: true });
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
