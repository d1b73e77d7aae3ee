// The packages whose code is inside a bundle, read from esbuild's metafile: every input under a
// node_modules folder names its package by the folder it sits in
// (`node_modules/a`, `node_modules/@s/b`, or nested `node_modules/a/node_modules/b`, the
// lockfile's own spelling). The deploy artifact ships no node_modules, so this is what its SBOM lists.

import type { Metafile } from "esbuild";

const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;

export function bundledPackages(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const input of Object.keys(output.inputs)) {
      const match = PACKAGE_DIR.exec(input.replaceAll("\\", "/"));
      if (match?.[1]) packages.add(match[1].slice(match[1].indexOf("node_modules/")));
    }
  }
  return [...packages].sort();
}
