#!/usr/bin/env node
// `npm run bundle`: writes the bundled Functions app to dist/bundle/ (or --outdir DIR), with
// dist/bundle/functions/<name>.js for each functions/<name>.ts and shared chunks beside them.

import { rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleApp } from "./bundle-app.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: "string" } }, strict: true });
const outdir = resolve(values.outdir ?? resolve(root, "dist", "bundle"));
rmSync(outdir, { recursive: true, force: true });
const { outputs } = await bundleApp(root, outdir);
for (const [file, bytes] of Object.entries(outputs)) {
  console.log(
    `${relative(root, resolve(root, file)).padEnd(48)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB`,
  );
}
