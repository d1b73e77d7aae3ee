// What a cold instance compiles before its first answer: every file the deploy bundle's entries
// (package.json `main`) import statically, followed chunk by chunk, with the sources their
// source maps name. Code only a setting or a later event needs must stay out of that set, in
// chunks of its own that are read when asked for (tools/bundle/slim-packages.ts, the dynamic
// imports in shared/telemetry, shared/storage and functions/timer.ts). The bundle is the one the
// test global setup builds (test/support/build.ts).

import { globSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readJson, root } from "./support/infra-files.js";

const STATIC_IMPORT = /(?:^|[;}\s])import\s*(?:[^"'();]*?from\s*)?"(\.{1,2}\/[^"]+\.js)"/g;

/** Files (relative to the root) reachable from the entries by static imports. */
function staticClosure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(root, file), "utf8");
    for (const match of code.matchAll(STATIC_IMPORT)) {
      visit(relative(root, resolve(root, dirname(file), match[1] as string)));
    }
  };
  for (const entry of entries) visit(entry);
  return seen;
}

/** Every source file the source maps of `files` name, relative to the root. */
function sourcesOf(files: Iterable<string>): string[] {
  const sources: string[] = [];
  for (const file of files) {
    const map = JSON.parse(readFileSync(join(root, `${file}.map`), "utf8")) as { sources: string[] };
    for (const source of map.sources) sources.push(relative(root, resolve(root, dirname(file), source)));
  }
  return sources;
}

describe("the deploy bundle at start", () => {
  const main = readJson<{ main: string }>("package.json").main;
  const entries = globSync(main, { cwd: root });
  const closure = staticClosure(entries);
  const atStart = sourcesOf(closure);
  const everything = sourcesOf(globSync("dist/bundle/**/*.js", { cwd: root }));

  it("follows the entries' imports into shared chunks, and the sources are tollgate's", () => {
    expect(entries).toContain("dist/bundle/functions/gateway.js");
    expect([...closure].some((file) => /^dist\/bundle\/chunk-/.test(file))).toBe(true);
    expect(atStart).toContain("shared/tollgate.ts");
    expect(atStart).toContain("functions/gateway.ts");
  });

  it("holds no telemetry distro, no @azure/identity and no timer job: each is read only when used", () => {
    for (const lazy of [
      "node_modules/@azure/monitor-opentelemetry/",
      "node_modules/@azure/monitor-opentelemetry-exporter/",
      "node_modules/@azure/identity/",
      "node_modules/@azure/msal-node/",
      "shared/timer-job.ts",
      "shared/audit/run-audit.ts",
    ]) {
      expect(
        atStart.filter((source) => source.startsWith(lazy)),
        lazy,
      ).toEqual([]);
      // ...and each is in the bundle all the same, in a chunk of its own.
      expect(
        everything.some((source) => source.startsWith(lazy)),
        lazy,
      ).toBe(true);
    }
  });

  it("reads the stored policy (JSON) without the YAML parser the CLI's files need", () => {
    expect(atStart).toContain("shared/policy/parse-policy-json.ts");
    expect(atStart.filter((source) => source.startsWith("node_modules/yaml/"))).toEqual([]);
    expect(atStart).not.toContain("shared/policy/parse-policy.ts");
  });

  it("takes undici's connection pool without the rest of its index, and zod with English only", () => {
    expect(atStart).toContain("node_modules/undici/lib/dispatcher/pool.js");
    expect(atStart).toContain("node_modules/undici/lib/api/api-request.js");
    for (const unused of [
      "node_modules/undici/index.js",
      "node_modules/undici/lib/web/websocket/websocket.js",
      "node_modules/undici/lib/mock/mock-agent.js",
      "node_modules/undici/lib/cache/sqlite-cache-store.js",
      "node_modules/zod/v4/locales/index.js",
      "node_modules/zod/v4/locales/fr.js",
    ]) {
      expect(atStart, unused).not.toContain(unused);
    }
    expect(atStart).toContain("node_modules/zod/v4/locales/en.js");
  });
});
