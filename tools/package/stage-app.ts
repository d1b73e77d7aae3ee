// Stages the Functions app exactly as it ships: host.json, a run-time package.json, the built
// app (dist/functions, dist/shared) and the production packages, copied (never pruned) from the
// project's node_modules. Both `func azure functionapp publish` (run inside the staged folder) and
// azd (azure.yaml `dist:`) upload this folder; the zip is the same files.

import {
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { productionPackages } from "./production-packages.js";

/** What the Functions host loads; everything else in the project stays behind. */
const APP_FOLDERS = ["dist/functions", "dist/shared"];

// Inside the staged folder everything ships. The file must exist all the same: without one, azd
// leaves node_modules out of a JavaScript app's zip. Both azd and Core Tools leave the file itself out.
const STAGED_FUNCIGNORE = `# Staged by npm run package: every file in this folder is part of the app.
`;

interface ProjectManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  type?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** The manifest the host reads, without scripts or devDependencies: nothing in Azure builds. */
export function runtimeManifest(manifest: ProjectManifest): ProjectManifest {
  const { name, version, description, license, type, main, engines, dependencies } = manifest;
  return { name, version, description, license, type, main, engines, dependencies };
}

/** A hard link where the file system allows one (30,000 files: a link is much cheaper), else a copy. */
function copyFile(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch {
    cpSync(source, target);
  }
}

/** Copies a folder's files; `skipTop` names entries left out at its top level only. */
function copyTree(from: string, to: string, skipTop: readonly string[] = []): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (skipTop.includes(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) copyFile(source, target);
    // Symlinks (node_modules/.bin) are left out: the host runs no package binaries.
  }
}

export function stageApp(root: string, target: string): { packages: number } {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as ProjectManifest;
  writeFileSync(join(target, "package.json"), `${JSON.stringify(runtimeManifest(manifest), null, 2)}\n`);
  cpSync(join(root, "host.json"), join(target, "host.json"));
  writeFileSync(join(target, ".funcignore"), STAGED_FUNCIGNORE);

  for (const folder of APP_FOLDERS) {
    const source = join(root, folder);
    if (!existsSync(source)) throw new Error(`${folder} is missing: run npm run build first`);
    copyTree(source, join(target, folder));
  }

  let packages = 0;
  for (const pkg of productionPackages(root)) {
    const source = join(root, pkg.path);
    if (!existsSync(source)) {
      if (pkg.optional) continue;
      throw new Error(`${pkg.path} is in package-lock.json but not installed: run npm ci first`);
    }
    mkdirSync(dirname(join(target, pkg.path)), { recursive: true });
    // Nested node_modules are packages of their own in the lockfile, copied (or not) on their turn.
    copyTree(source, join(target, pkg.path), ["node_modules"]);
    packages++;
  }
  return { packages };
}
