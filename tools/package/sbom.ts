// A CycloneDX 1.5 SBOM of exactly what the artifact ships: the app is one esbuild bundle with no
// node_modules beside it, so one component per package whose code is inside the bundle (esbuild's
// metafile says which: tools/bundle/bundled-packages.ts), with its licence and the lockfile's
// integrity hash. Packages a dependency declares but the app never imports are not in the bundle
// and not listed. No timestamp or serial number: the same artifact gives the same SBOM.

import { readFileSync } from "node:fs";
import { join } from "node:path";

interface Component {
  type: "library";
  "bom-ref": string;
  group?: string;
  name: string;
  version: string;
  purl: string;
  licenses?: { expression: string }[];
  hashes?: { alg: "SHA-512"; content: string }[];
}

export interface Sbom {
  bomFormat: "CycloneDX";
  specVersion: "1.5";
  version: 1;
  metadata: {
    component: { type: "application"; "bom-ref": string; name: string; version: string; purl: string };
  };
  components: Component[];
}

function purlOf(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, "%40")}@${version}`;
}

/** `packages`: lockfile paths (`node_modules/a`, `node_modules/a/node_modules/b`) of what the bundle holds. */
export function sbomOf(root: string, packages: readonly string[]): Sbom {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { integrity?: string }>;
  };
  const components = new Map<string, Component>();
  for (const path of packages) {
    const file = join(root, path, "package.json");
    const pkg = JSON.parse(readFileSync(file, "utf8")) as {
      name: string;
      version: string;
      license?: unknown;
    };
    const ref = `${pkg.name}@${pkg.version}`;
    if (components.has(ref)) continue;
    const slash = pkg.name.startsWith("@") ? pkg.name.indexOf("/") : -1;
    const component: Component = {
      type: "library",
      "bom-ref": ref,
      ...(slash > 0 ? { group: pkg.name.slice(0, slash) } : {}),
      name: slash > 0 ? pkg.name.slice(slash + 1) : pkg.name,
      version: pkg.version,
      purl: purlOf(pkg.name, pkg.version),
    };
    if (typeof pkg.license === "string") component.licenses = [{ expression: pkg.license }];
    const integrity = lock.packages[path]?.integrity;
    if (integrity?.startsWith("sha512-")) {
      component.hashes = [
        { alg: "SHA-512", content: Buffer.from(integrity.slice(7), "base64").toString("hex") },
      ];
    }
    components.set(ref, component);
  }
  const ref = `${manifest.name}@${manifest.version}`;
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    version: 1,
    metadata: {
      component: {
        type: "application",
        "bom-ref": ref,
        name: manifest.name,
        version: manifest.version,
        purl: purlOf(manifest.name, manifest.version),
      },
    },
    components: [...components.values()].sort((a, b) => (a["bom-ref"] < b["bom-ref"] ? -1 : 1)),
  };
}
