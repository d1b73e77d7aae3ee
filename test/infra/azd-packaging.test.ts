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
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stagedFiles } from "../../tools/package/build-artifact.js";
import { writeZip } from "../../tools/package/zip-writer.js";
import { type AzdPackageResult, runAzdPackage } from "./support/azd-sequence.js";
import { coreToolsIgnore, projectFiles } from "./support/ignore-files.js";
import { readJson, root } from "./support/infra-files.js";
import { productionNodeModules } from "./support/production-node-modules.js";

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

  it("zips the bundle, its manifest and host.json, nothing else: no node_modules", () => {
    const zipped = result.zipped;
    expect(zipped).toContain("host.json");
    expect(zipped).toContain("package.json");
    const bundle = projectFiles(join(dir, "dist/bundle"));
    expect(bundle).toContain("functions/gateway.js");
    for (const file of bundle) expect(zipped).toContain(`dist/bundle/${file}`);
    const outside = zipped.filter(
      (file) => !/^(host\.json|package\.json|dist\/bundle\/.+\.js(\.map)?)$/.test(file),
    );
    expect(outside).toEqual([]);
  });

  it("ships a manifest without scripts or dependencies of any kind, so nothing in Azure builds or installs", () => {
    const manifest = JSON.parse(readFileSync(join(result.packagePath, "package.json"), "utf8"));
    expect(manifest.main).toBe("dist/bundle/functions/*.js");
    expect(manifest.type).toBe("module");
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
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

  it("comes with a CycloneDX SBOM naming every package inside the bundle at its version and no other", () => {
    const version = readJson<{ version: string }>("package.json").version;
    const sbom = JSON.parse(readFileSync(join(dir, "artifact", `tollgate-${version}.cdx.json`), "utf8")) as {
      bomFormat: string;
      components: { name: string; version: string; group?: string }[];
    };
    expect(sbom.bomFormat).toBe("CycloneDX");
    const listed = new Set(
      sbom.components.map((c) => `${c.group ? `${c.group}/` : ""}${c.name}@${c.version}`),
    );
    // What the bundle holds, read independently of the metafile the SBOM came from: the sources
    // its shipped source maps name (relative to where it was built, the project's dist/bundle),
    // each in the package whose folder holds it. A package whose own maps point outside its
    // folder (to sources it does not ship) cannot be placed this way; every placed one must be listed.
    const inside = new Set<string>();
    const packageOf = (file: string): string | undefined => {
      for (let folder = dirname(file); !folder.endsWith("/node_modules"); folder = dirname(folder)) {
        if (!folder.includes("/node_modules/")) return undefined;
        const manifest = join(folder, "package.json");
        if (!existsSync(manifest)) continue;
        const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
        if (pkg.name !== undefined && pkg.version !== undefined) return `${pkg.name}@${pkg.version}`;
      }
      return undefined;
    };
    for (const map of result.zipped.filter((file) => file.endsWith(".js.map"))) {
      const { sources } = JSON.parse(readFileSync(join(result.packagePath, map), "utf8")) as {
        sources: string[];
      };
      for (const source of sources) {
        const id = packageOf(join(dir, dirname(map), source));
        if (id !== undefined) inside.add(id);
      }
    }
    expect(inside.size).toBeGreaterThan(20);
    expect([...inside].filter((id) => !listed.has(id))).toEqual([]);
    // Nothing else: every listed package is one the lockfile installed, at that version. (Not
    // only production ones: a package the app requires where present, as debug does
    // supports-color, is bundled from whatever the build machine has, and listed.)
    const lock = readJson<{ packages: Record<string, { version?: string }> }>("package-lock.json");
    const installed = new Set(
      Object.entries(lock.packages)
        .filter(([path]) => path.startsWith("node_modules/"))
        .map(([path, entry]) => `${path.slice(path.lastIndexOf("node_modules/") + 13)}@${entry.version}`),
    );
    expect([...listed].filter((id) => !installed.has(id))).toEqual([]);
    const names = [...listed].map((id) => id.slice(0, id.lastIndexOf("@")));
    // The request path, and the packages only a setting loads (their chunks ship all the same).
    for (const shipped of ["undici", "zod", "jose", "@azure/functions", "@azure/data-tables"])
      expect(names, shipped).toContain(shipped);
    for (const lazy of ["@azure/monitor-opentelemetry", "@azure/identity"])
      expect(names, lazy).toContain(lazy);
    for (const devOnly of ["typescript", "vitest", "azurite", "esbuild", "@azure/functions-core"])
      expect(names, devOnly).not.toContain(devOnly);
  });

  it("packs the CLI so it runs without a clone, on the production dependencies alone", () => {
    const version = readJson<{ version: string }>("package.json").version;
    const unpacked = mkdtempSync(join(tmpdir(), "tollgate-cli-"));
    sandboxes.push(unpacked);
    execFileSync("tar", ["xzf", join(dir, "artifact", `tollgate-${version}.tgz`), "-C", unpacked]);
    const cli = join(unpacked, "package");
    expect(existsSync(join(cli, "test"))).toBe(false);
    productionNodeModules(dir, cli);
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
