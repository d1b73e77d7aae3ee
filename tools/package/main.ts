// `npm run package`: a thin adapter from the process to buildArtifact.

import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildArtifact } from "./build-artifact.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
try {
  const artifact = await buildArtifact(root);
  const show = (path: string) => relative(root, path);
  process.stdout.write(
    [
      `app (staged)  ${show(artifact.appFolder)}`,
      `zip           ${show(artifact.zip)} (${artifact.entries} files, ${(artifact.bytes / 1024 / 1024).toFixed(1)} MiB)`,
      `sha256        ${artifact.sha256}  ${show(artifact.checksum)}`,
      `sbom          ${show(artifact.sbom)} (${artifact.packages} packages inside the bundle)`,
      `cli           ${show(artifact.cliTarball)} (npm install -g ${show(artifact.cliTarball)})`,
      "",
    ].join("\n"),
  );
} catch (error) {
  process.stderr.write(`npm run package: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
