import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "../../tools/cli/line-diff.js";

/** Applies an edit script to `a`; it must give back `b`. */
function apply(ops: ReturnType<typeof diffLines>): { a: string[]; b: string[] } {
  return {
    a: ops.filter((op) => op.kind !== "+").map((op) => op.line),
    b: ops.filter((op) => op.kind !== "-").map((op) => op.line),
  };
}

describe("diffLines (the CLI's policy diff)", () => {
  it.each([
    [[], []],
    [[], ["a", "b"]],
    [["a", "b"], []],
    [
      ["a", "b", "c"],
      ["a", "b", "c"],
    ],
    [
      ["a", "b", "c", "a", "b", "b", "a"],
      ["c", "b", "a", "b", "a", "c"],
    ],
    [
      ["x", "a", "y"],
      ["a", "z", "a"],
    ],
  ])("turns %j into %j with a shortest script", (a, b) => {
    const ops = diffLines(a, b);
    expect(apply(ops)).toEqual({ a, b });
    const edits = ops.filter((op) => op.kind !== " ").length;
    // The classic example (Myers' paper) needs exactly 5 edits.
    if (a.length === 7) expect(edits).toBe(5);
  });

  it("prints hunks with context and line numbers, merging nearby changes", () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const b = [...a];
    b[1] = "line two";
    b.splice(15, 1);
    expect(unifiedDiff(a, b, { from: "stored", to: "file" })).toBe(
      [
        "--- stored",
        "+++ file",
        "@@ -1,5 +1,5 @@",
        " line 1",
        "-line 2",
        "+line two",
        " line 3",
        " line 4",
        " line 5",
        "@@ -13,7 +13,6 @@",
        " line 13",
        " line 14",
        " line 15",
        "-line 16",
        " line 17",
        " line 18",
        " line 19",
        "",
      ].join("\n"),
    );
    expect(unifiedDiff(a, a, { from: "x", to: "y" })).toBe("");
  });
});
