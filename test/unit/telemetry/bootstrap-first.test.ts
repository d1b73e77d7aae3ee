// Telemetry starts before anything else loads: every entry file imports its bootstrap module as
// its first import (ESM evaluates imports in order), so a new function file cannot forget it.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url);
const firstImport = (file: string) =>
  /^import\s[^;]*?["']([^"']+)["'];?$/m.exec(readFileSync(new URL(file, root), "utf8"))?.[1];

describe("the telemetry bootstrap", () => {
  const functionFiles = readdirSync(new URL("functions/", root))
    .filter((name) => name.endsWith(".ts") && name !== "telemetry-bootstrap.ts")
    .map((name) => `functions/${name}`);

  it.each(functionFiles)("is the first import of %s", (file) => {
    expect(firstImport(file)).toBe("./telemetry-bootstrap.js");
  });

  it("is the first import of the local host", () => {
    expect(firstImport("tools/local-host/main.ts")).toBe("./telemetry-bootstrap.js");
  });
});
