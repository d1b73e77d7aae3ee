// Stages the Functions app exactly as it ships: host.json, a run-time package.json and the deploy
// bundle (dist/bundle: functions/*.js, the chunks they share, their source maps). No
// node_modules: every package the app runs is compiled into the bundle (tools/bundle), and the
// one module left out, @azure/functions-core, is the worker's own. Both `func azure functionapp
// publish` (run inside the staged folder) and azd (azure.yaml `dist:`) upload this folder; the
// zip is the same files.

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the Functions host loads (package.json `main` names its functions/*.js). */
export const BUNDLE_FOLDER = "dist/bundle";

// Inside the staged folder everything ships; Core Tools and azd read this file there and leave
// the file itself out.
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

/**
 * The manifest the host reads: no scripts or devDependencies (nothing in Azure builds), and no
 * dependencies either, since they are inside the bundle: a remote build finds nothing to install.
 */
export function runtimeManifest(manifest: ProjectManifest): Omit<ProjectManifest, "dependencies"> {
  const { name, version, description, license, type, main, engines } = manifest;
  return { name, version, description, license, type, main, engines };
}

export function stageApp(root: string, target: string): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as ProjectManifest;
  if (!manifest.main.startsWith(`${BUNDLE_FOLDER}/`))
    throw new Error(`package.json main (${manifest.main}) is not the bundle in ${BUNDLE_FOLDER}/`);
  writeFileSync(join(target, "package.json"), `${JSON.stringify(runtimeManifest(manifest), null, 2)}\n`);
  cpSync(join(root, "host.json"), join(target, "host.json"));
  writeFileSync(join(target, ".funcignore"), STAGED_FUNCIGNORE);
  const bundle = join(root, BUNDLE_FOLDER);
  if (!existsSync(bundle)) throw new Error(`${BUNDLE_FOLDER} is missing: run npm run bundle first`);
  cpSync(bundle, join(target, BUNDLE_FOLDER), { recursive: true });
}
