// The README's reason tables and REASONS say the same: every reason code tollgate can answer
// with is documented, with its status, and the README names no code that does not exist. The
// outages it lists are exactly the reasons whose fault is tollgate's, recorded as `error`.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { outcomeOf, REASONS, type Reason } from "../../shared/reasons.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const codes = (text: string) => [...text.matchAll(/`([a-z][a-z_]+)`/g)].map((m) => m[1] as string);
const section = (heading: string) =>
  new RegExp(`^## ${heading}\\n([\\s\\S]*?)^## `, "m").exec(readme)?.[1] ?? "";
const tableRows = (text: string) =>
  text.split("\n").filter((line) => /^\| /.test(line) && !/^\|[-| ]+\|$/.test(line));

// "What tollgate checks in a token": | Check | Refused with | (all 401 unless the cell says).
const tokenRows = tableRows(section("What tollgate checks in a token")).slice(1);
const tokenReasons = tokenRows.flatMap((row) => codes(row.split(" | ")[1] ?? ""));
// "Responses": | Status | Reason | When |
const gatewayRows = tableRows(section("Responses"))
  .slice(1)
  .map((row) => row.split(" | "))
  .map(([status, reasons]) => ({
    status: Number((status ?? "").replace("| ", "")),
    reasons: codes(reasons ?? ""),
  }));
const documented = new Set([...tokenReasons, ...gatewayRows.flatMap((row) => row.reasons)]);
const all = Object.keys(REASONS) as Reason[];

describe("README reason tables", () => {
  it("document every reason in REASONS", () => {
    expect(all.filter((reason) => !documented.has(reason))).toEqual([]);
  });

  it("name no reason REASONS does not have", () => {
    expect([...documented].filter((code) => !(code in REASONS))).toEqual([]);
  });

  it("give each gateway reason the status tollgate answers with", () => {
    for (const row of gatewayRows) {
      for (const reason of row.reasons) expect(REASONS[reason as Reason]?.status, reason).toBe(row.status);
    }
  });

  it("list as outages exactly the reasons that are tollgate's fault, recorded as error", () => {
    const sentence = /The outages are[\s\S]*?\n\n/.exec(section("Responses"))?.[0] ?? "";
    const listed = codes(sentence).filter((code) => code in REASONS);
    const outages = all.filter((reason) => REASONS[reason].fault === "tollgate");
    expect(listed.sort()).toEqual(outages.sort());
    for (const reason of all)
      expect(outcomeOf(reason), reason).toBe(outages.includes(reason) ? "error" : "deny");
  });
});
