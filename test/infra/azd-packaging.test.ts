// The first deploy, as azd and Core Tools run it: azure.yaml's hooks in azd's order (restore,
// build, prepackage, build again, zip of `dist` less its .funcignore, postpackage) run for real
// in a sandbox copy of the project, then the files each tool would upload. The hooks 0.1.0
// shipped (prune before package) must fail here as `azd up` failed; the repository's must pass.
// Core Tools and azd cannot run here (they deploy): support/azd-sequence.ts and
// support/ignore-files.ts reproduce their sequence and file selection from their source.

import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stagedFiles } from "../../tools/package/build-artifact.js";
import { productionPackages } from "../../tools/package/production-packages.js";
import { writeZip } from "../../tools/package/zip-writer.js";
import { type AzdPackageResult, runAzdPackage } from "./support/azd-sequence.js";
import { coreToolsIgnore, projectFiles } from "./support/ignore-files.js";
import { readJson, root } from "./support/infra-files.js";

const standIn = fileURLToPath(new URL("../support/functions-host-standin.mjs", import.meta.url));
const sandboxes: string[] = [];

/** A copy of the project (what git would check out, plus uncommitted files) with node_modules hard-linked. */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-azd-"));
  sandboxes.push(dir);
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  // Hard links: a hook that prunes or reinstalls replaces the sandbox's links, never the files.
  execFileSync("cp", ["-al", join(root, "node_modules"), join(dir, "node_modules")]);
  return dir;
}

afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
}, 180_000);

function register(appRoot: string) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TOLLGATE_")),
  );
  const run = spawnSync(process.execPath, [standIn, appRoot], {
    env: {
      ...env,
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      TOLLGATE_AUDIENCES: "api://tollgate-demo",
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}").registrations as unknown[];
}

const PRUNE_HOOKS_OF_0_1_0 = `
    hooks:
      prepackage:
        shell: sh
        run: npm prune --omit=dev
      postpackage:
        shell: sh
        run: npm ci --no-audit --no-fund
`;

describe("azd up with the hooks 0.1.0 shipped", () => {
  // Sandbox with the old hooks: the prune runs in a hard-linked copy, never in this checkout.
  it("fails in the package step's second build: the prune took tsc away", () => {
    const dir = sandbox();
    const azure = readFileSync(join(dir, "azure.yaml"), "utf8");
    const services = azure.slice(0, azure.indexOf("    dist:"));
    writeFileSync(join(dir, "azure.yaml"), `${services}${PRUNE_HOOKS_OF_0_1_0}`);
    const result = runAzdPackage(dir);
    expect(result.steps.map((s) => s.step)).toEqual(["build", "prepackage", "package"]);
    expect(result.failed?.step).toBe("package");
    expect(result.failed?.output).toMatch(/tsc: (command )?not found/);
  }, 240_000);
});

describe("azd up with the repository's azure.yaml", () => {
  let result: AzdPackageResult;
  let dir: string;
  beforeAll(() => {
    dir = sandbox();
    result = runAzdPackage(dir);
  }, 300_000);

  it("runs build, the prepackage hook (npm run package) and the second build without a failure", () => {
    expect(result.failed, result.failed?.output).toBeUndefined();
    expect(result.steps.map((s) => `${s.step}: ${s.command}`)).toEqual([
      "build: npm run build",
      "prepackage: npm run package",
      "package: npm run build",
    ]);
    expect(result.packagePath).toBe(join(dir, "artifact/app"));
  });

  it("zips the app, its manifest, host.json and the production packages, nothing else", () => {
    const zipped = result.zipped;
    expect(zipped).toContain("host.json");
    expect(zipped).toContain("package.json");
    const built = projectFiles(join(dir, "dist/functions")).filter((f) => f.endsWith(".js"));
    expect(built.length).toBeGreaterThan(0);
    for (const file of built) expect(zipped).toContain(`dist/functions/${file}`);
    const production = productionPackages(dir).map((p) => p.path);
    for (const dependency of Object.keys(readJson<{ dependencies: object }>("package.json").dependencies)) {
      expect(zipped, dependency).toContain(`node_modules/${dependency}/package.json`);
    }
    const outside = zipped.filter(
      (file) =>
        !/^(host\.json|package\.json|dist\/(functions|shared)\/.+\.js(\.map)?)$/.test(file) &&
        !production.some((path) => file.startsWith(`${path}/`)),
    );
    expect(outside).toEqual([]);
    for (const devOnly of ["typescript", "vitest", "node", "azurite", "@biomejs/biome", "tsx"]) {
      expect(
        zipped.some((file) => file.startsWith(`node_modules/${devOnly}/`)),
        devOnly,
      ).toBe(false);
    }
  });

  it("ships a manifest without scripts or devDependencies, so nothing in Azure tries to build", () => {
    const manifest = JSON.parse(readFileSync(join(result.packagePath, "package.json"), "utf8"));
    expect(manifest.main).toBe("dist/functions/*.js");
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.dependencies).toEqual(readJson<{ dependencies: object }>("package.json").dependencies);
  });

  it("is what func azure functionapp publish uploads when run in the staged folder", () => {
    const funcignore = readFileSync(join(result.packagePath, ".funcignore"), "utf8");
    const coreTools = coreToolsIgnore(funcignore);
    const uploaded = projectFiles(result.packagePath).filter((file) => !coreTools.ignores(file));
    expect(uploaded).toEqual(result.zipped);
  });

  it("is the release zip, entry for entry, with a checksum sha256sum accepts", () => {
    const artifact = join(dir, "artifact");
    const version = readJson<{ version: string }>("package.json").version;
    const zip = join(artifact, `tollgate-${version}.zip`);
    const entries = execFileSync("zipinfo", ["-1", zip], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
      .split("\n")
      .filter((line) => line !== "");
    expect(entries.sort()).toEqual(result.zipped);
    const check = spawnSync("sha256sum", ["-c", `tollgate-${version}.zip.sha256`], {
      cwd: artifact,
      encoding: "utf8",
    });
    expect(check.status, check.stderr).toBe(0);
    expect(spawnSync("unzip", ["-tq", zip], { encoding: "utf8" }).status).toBe(0);
  });

  it("loads on its own, with only its own node_modules, and registers every function", () => {
    const fromPackage = register(result.packagePath);
    expect(fromPackage.length).toBeGreaterThan(0);
    expect(fromPackage).toEqual(register(dir));
  });

  it("comes with a CycloneDX SBOM naming every shipped package at its version and no development one", () => {
    const version = readJson<{ version: string }>("package.json").version;
    const sbom = JSON.parse(readFileSync(join(dir, "artifact", `tollgate-${version}.cdx.json`), "utf8")) as {
      bomFormat: string;
      components: { name: string; version: string; group?: string }[];
    };
    expect(sbom.bomFormat).toBe("CycloneDX");
    const listed = new Set(
      sbom.components.map((c) => `${c.group ? `${c.group}/` : ""}${c.name}@${c.version}`),
    );
    // Every package the zip holds: a package.json right under node_modules/<name> (or @scope/name).
    const shipped = result.zipped
      .filter((file) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(file))
      .map(
        (file) =>
          JSON.parse(readFileSync(join(result.packagePath, file), "utf8")) as {
            name?: string;
            version?: string;
          },
      )
      .filter((p) => p.name !== undefined && p.version !== undefined);
    expect(shipped.length).toBeGreaterThan(0);
    const missing = shipped.map((p) => `${p.name}@${p.version}`).filter((id) => !listed.has(id));
    expect(missing).toEqual([]);
    for (const devOnly of ["typescript", "vitest", "azurite"]) {
      expect(
        [...listed].some((id) => id.startsWith(`${devOnly}@`)),
        devOnly,
      ).toBe(false);
    }
  });

  it("packs the CLI so it runs without a clone, on the production dependencies alone", () => {
    const version = readJson<{ version: string }>("package.json").version;
    const unpacked = mkdtempSync(join(tmpdir(), "tollgate-cli-"));
    sandboxes.push(unpacked);
    execFileSync("tar", ["xzf", join(dir, "artifact", `tollgate-${version}.tgz`), "-C", unpacked]);
    const cli = join(unpacked, "package");
    expect(existsSync(join(cli, "test"))).toBe(false);
    symlinkSync(join(result.packagePath, "node_modules"), join(cli, "node_modules"), "dir");
    const bin = readJson<{ bin: { tollgate: string } }>("package.json").bin.tollgate;
    const run = spawnSync(
      process.execPath,
      [join(cli, bin), "policy", "validate", join(root, "tools/sandbox/demo-policy.yaml")],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/valid/i);
  });

  it("zips reproducibly: the same files give the same bytes whatever their timestamps", () => {
    const sources = stagedFiles(join(result.packagePath, "dist"));
    const out = mkdtempSync(join(tmpdir(), "tollgate-zip-"));
    sandboxes.push(out);
    writeZip(join(out, "a.zip"), sources);
    const later = new Date(Date.now() + 86_400_000);
    for (const source of sources) utimesSync(source.file, later, later);
    writeZip(join(out, "b.zip"), sources);
    expect(readFileSync(join(out, "a.zip")).equals(readFileSync(join(out, "b.zip")))).toBe(true);
  });
});
