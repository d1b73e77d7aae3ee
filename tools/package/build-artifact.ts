// `npm run package`: the release artifact. Builds the app (tsc for the CLI, the esbuild bundle for
// the Functions app), stages the bundle (stage-app.ts), zips the staged folder reproducibly,
// writes its SHA-256 and a CycloneDX SBOM of the packages inside the bundle (sbom.ts), and packs
// the CLI as an npm tarball that installs without a clone.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { bundleApp } from "../bundle/bundle-app.js";
import { sbomOf } from "./sbom.js";
import { BUNDLE_FOLDER, stageApp } from "./stage-app.js";
import { writeZip, type ZipSource } from "./zip-writer.js";

export interface Artifact {
  /** The staged app: what `func azure functionapp publish` and azd upload. */
  appFolder: string;
  zip: string;
  checksum: string;
  sbom: string;
  cliTarball: string;
  sha256: string;
  entries: number;
  /** Bytes of the zip. */
  bytes: number;
  /** Packages inside the bundle (what the SBOM lists). */
  packages: number;
}

/** Where `npm run package` writes; azure.yaml's `dist:` names the staged folder inside it. */
export const ARTIFACT_FOLDER = "artifact";
export const STAGED_APP_FOLDER = `${ARTIFACT_FOLDER}/app`;

/** Files under a folder, relative and `/`-separated, the folder's .funcignore left out. */
export function stagedFiles(folder: string): ZipSource[] {
  const files: ZipSource[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push({ name: relative(folder, path).split(sep).join("/"), file: path });
    }
  };
  walk(folder);
  return files.filter((f) => f.name !== ".funcignore");
}

function npm(root: string, args: string[]): string {
  // npm_execpath is set when this runs as an npm script; the plain name works elsewhere.
  const npmCli = process.env.npm_execpath;
  return npmCli?.endsWith(".js")
    ? execFileSync(process.execPath, [npmCli, ...args], { cwd: root, encoding: "utf8" })
    : execFileSync("npm", args, { cwd: root, encoding: "utf8" });
}

export async function buildArtifact(root: string): Promise<Artifact> {
  const { name, version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  // The same bundle `npm run bundle` writes, built here so the SBOM comes from this build's metafile.
  const bundleDir = join(root, BUNDLE_FOLDER);
  rmSync(bundleDir, { recursive: true, force: true });
  const { packages } = await bundleApp(root, bundleDir);
  const out = join(root, ARTIFACT_FOLDER);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const appFolder = join(root, STAGED_APP_FOLDER);
  stageApp(root, appFolder);

  const zip = join(out, `${name}-${version}.zip`);
  const { entries, bytes } = writeZip(zip, stagedFiles(appFolder));
  const sha256 = createHash("sha256").update(readFileSync(zip)).digest("hex");
  const checksum = `${zip}.sha256`;
  // The format `sha256sum -c` reads.
  writeFileSync(checksum, `${sha256}  ${basename(zip)}\n`);

  const sbom = join(out, `${name}-${version}.cdx.json`);
  writeFileSync(sbom, `${JSON.stringify(sbomOf(root, packages), null, 2)}\n`);

  const packed = JSON.parse(npm(root, ["pack", "--json", "--pack-destination", out])) as {
    filename: string;
  }[];
  const cliTarball = join(out, packed[0]?.filename ?? `${name}-${version}.tgz`);
  return {
    appFolder,
    zip,
    checksum,
    sbom,
    cliTarball,
    sha256,
    entries,
    bytes,
    packages: packages.length,
  };
}
