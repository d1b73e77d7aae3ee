import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REASONS } from "../../shared/reasons.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("reason codes", () => {
  it("every one is documented in the README", () => {
    for (const reason of Object.keys(REASONS)) expect(readme, reason).toContain(`\`${reason}\``);
  });
});
