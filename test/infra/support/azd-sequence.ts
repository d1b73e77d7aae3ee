// What `azd package` / `azd up` does with a `language: js`, `host: function` service, step for
// step, run for real in a sandbox copy of the project. azd itself cannot run here (it needs a
// subscription to deploy); its order comes from its source (Azure/azure-dev, cli/azd/pkg/project):
//
// - service_manager.go: each step runs inside its hook pair (pre<step> ... post<step>);
//   restore, then build, then package, then deploy.
// - framework_service_node.go: restore is `npm install` (skipped when node_modules is current, as
//   in the sandbox, which starts installed); build is `npm run build`; package runs
//   `npm run build` AGAIN, then takes `<project>/<dist>` as the folder to zip.
// - project_utils.go (createDeployableZip): reads `.funcignore` from that folder with gitignore
//   rules; with no such file, a JavaScript app's node_modules is left out; `.azure`, the ignore
//   file and local.settings.json are always left out. All of this is inside the package step, so
//   the zip exists before postpackage runs.
//
// Every command gets npm_config_offline=true (nothing in the sandbox reaches the registry) and a
// PATH without the test runner's node_modules/.bin.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { gitIgnore } from "./ignore-files.js";

interface Hook {
  shell?: string;
  run: string;
}
interface Service {
  project: string;
  language: string;
  host: string;
  dist?: string;
  hooks?: Record<string, Hook | { posix?: Hook }>;
}

export interface StepResult {
  step: string;
  command: string;
  status: number | null;
  output: string;
}

export interface AzdPackageResult {
  steps: StepResult[];
  /** The step that failed, if one did; azd stops there. */
  failed: StepResult | undefined;
  /** The folder azd zips (`<project>/<dist>`). */
  packagePath: string;
  /** The files azd's zip would hold, relative to packagePath, sorted. */
  zipped: string[];
}

function hookOf(service: Service, name: string): Hook | undefined {
  const hook = service.hooks?.[name];
  if (!hook) return undefined;
  return "run" in hook ? hook : hook.posix;
}

/** azd's zip selection for a Functions app (createDeployableZip). */
export function azdZipSelection(packagePath: string, language: string): string[] {
  const ignoreFile = join(packagePath, ".funcignore");
  const ignorer = existsSync(ignoreFile) ? gitIgnore(readFileSync(ignoreFile, "utf8")) : undefined;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(packagePath, path).split(sep).join("/");
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(path).isDirectory());
      if (isDir && entry.name === ".azure") continue;
      if (!isDir && (entry.name === ".funcignore" || entry.name === "local.settings.json")) continue;
      // gitIgnore checks a file's every parent directory too, so directories need no test here.
      if (ignorer) {
        if (!isDir && ignorer.ignores(rel)) continue;
      } else if (isDir && entry.name === "node_modules" && /^(js|ts)$/.test(language)) continue;
      if (isDir) walk(path);
      else files.push(rel);
    }
  };
  walk(packagePath);
  return files.sort();
}

/** Runs azd's restore/build/package sequence for the single service of azure.yaml in `project`. */
export function runAzdPackage(project: string): AzdPackageResult {
  const azure = parseYaml(readFileSync(join(project, "azure.yaml"), "utf8")) as {
    services: Record<string, Service>;
  };
  const [, service] = Object.entries(azure.services)[0] ?? [];
  if (!service) throw new Error("azure.yaml has no service");
  if (service.language !== "js" && service.language !== "ts")
    throw new Error("only js/ts services are modelled");
  if (service.host !== "function") throw new Error("only host: function is modelled");
  const cwd = join(project, service.project);
  const packagePath = service.dist ? join(cwd, service.dist) : cwd;
  const steps: StepResult[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  for (const name of Object.keys(env)) if (name.startsWith("TOLLGATE_")) delete env[name];
  // The test runner's PATH carries this repository's node_modules/.bin (tsc among them); a user's
  // shell does not, and a tool found there would hide a hook that removed it from the sandbox.
  env.PATH = (env.PATH ?? "")
    .split(":")
    .filter((entry) => !entry.includes("node_modules"))
    .join(":");

  const run = (step: string, command: string): boolean => {
    const result = spawnSync("sh", ["-c", command], { cwd, env, encoding: "utf8", timeout: 240_000 });
    steps.push({ step, command, status: result.status, output: `${result.stdout}${result.stderr}` });
    return result.status === 0;
  };
  const hook = (name: string) => {
    const h = hookOf(service, name);
    return h ? run(name, h.run) : true;
  };
  const finish = (zipped: string[] = []): AzdPackageResult => ({
    steps,
    failed: steps.find((s) => s.status !== 0),
    packagePath,
    zipped,
  });

  // restore: node_modules is already installed from the same lockfile, so azd skips npm install.
  if (!hook("prerestore") || !hook("postrestore")) return finish();
  if (!hook("prebuild") || !run("build", "npm run build") || !hook("postbuild")) return finish();
  if (!hook("prepackage") || !run("package", "npm run build")) return finish();
  if (!existsSync(packagePath) || readdirSync(packagePath).length === 0) {
    steps.push({
      step: "package",
      command: "zip",
      status: 1,
      output: `package source '${packagePath}' is empty`,
    });
    return finish();
  }
  const zipped = azdZipSelection(packagePath, service.language);
  hook("postpackage");
  return finish(zipped);
}
