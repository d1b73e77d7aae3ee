import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTING_DOCS } from "../../../shared/config/setting-docs.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("README settings table", () => {
  const rows = new Map(
    [...readme.matchAll(/^\| *`(TOLLGATE_[A-Z_]+)` *\| *(.+?) *\| *(.+?) *\|$/gm)].map((m) => [m[1], m[2]]),
  );

  it("lists every setting the schema knows, with its default", () => {
    for (const [name, doc] of Object.entries(SETTING_DOCS)) {
      expect(rows.has(name), `${name} is missing from the README table`).toBe(true);
      const shown = rows.get(name);
      expect(shown).toBe(doc.default === undefined ? "**required**" : `\`${doc.default}\``);
    }
  });

  it("lists no setting the schema does not know", () => {
    for (const name of rows.keys()) expect(Object.keys(SETTING_DOCS)).toContain(name);
  });
});
