// The packages the app needs at run time, read from package-lock.json: every installed package
// npm would keep after `npm prune --omit=dev`, so the artifact can be staged from an ordinary
// `npm ci` without pruning (and breaking) the developer's own node_modules.

import { readFileSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  optional?: boolean;
  version?: string;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

export interface ProductionPackage {
  /** The lockfile path, `node_modules/a` or `node_modules/a/node_modules/b`. */
  path: string;
  /** Platform-specific optional packages may be absent; anything else missing is an error. */
  optional: boolean;
}

/** Every production package in the lockfile, in path order. */
export function productionPackages(root: string): ProductionPackage[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lockfile;
  if (lock.lockfileVersion < 2)
    throw new Error("package-lock.json is older than lockfileVersion 2: run npm install with npm 7 or later");
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && entry.dev !== true && entry.link !== true)
    .map(([path, entry]) => ({ path, optional: entry.optional === true }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
