// A node_modules holding only the production packages of package-lock.json (what `npm install
// --omit=dev` of the CLI tarball would give), hard-linked from the project's own: the CLI test
// runs the packed CLI on it. The deploy artifact ships no node_modules; this is the CLI's side.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

interface Lockfile {
  packages: Record<string, { dev?: boolean; link?: boolean }>;
}

export function productionNodeModules(root: string, target: string): void {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lockfile;
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Top-level packages only: a package's own nested node_modules comes along with it.
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || entry.dev === true || entry.link === true) continue;
    const source = join(root, path);
    if (!existsSync(source)) continue; // an optional package for another platform
    const destination = join(target, path);
    mkdirSync(dirname(destination), { recursive: true });
    execFileSync("cp", ["-al", source, destination]);
  }
}
