// The duplicate-key scan every stored policy goes through: JSON.parse would keep the last of two
// equal keys silently, so the scan must find each repeat, and only repeats within one object.

import { describe, expect, it } from "vitest";
import { jsonDuplicateKeys } from "../../../shared/policy/json-duplicate-keys.js";

describe("jsonDuplicateKeys", () => {
  it("finds a key repeated in one object, with its line and column", () => {
    expect(jsonDuplicateKeys('{\n  "a": 1,\n  "b": {"c": 2},\n  "a": 3\n}')).toEqual([
      { key: "a", line: 4, column: 3 },
    ]);
  });

  it("compares keys after unescaping, and finds repeats at any depth", () => {
    expect(jsonDuplicateKeys('{"rules": [{"path": "/a", "p\\u0061th": "/b"}]}')).toEqual([
      { key: "path", line: 1, column: 27 },
    ]);
  });

  it("does not count equal keys in different objects, or values that look like keys", () => {
    const text =
      '{"a": {"k": 1}, "b": {"k": "a"}, "c": ["a", "a"], "d": "x\\"y", "e": {"\\"": 1, "\\\\": 2}}';
    expect(JSON.parse(text)).toBeTruthy();
    expect(jsonDuplicateKeys(text)).toEqual([]);
  });

  it("reports every repeat, not only the first", () => {
    expect(jsonDuplicateKeys('{"a":1,"a":2,"a":3}').map((d) => d.column)).toEqual([8, 14]);
  });

  it("ends on text cut off inside a string instead of scanning past its end", () => {
    expect(jsonDuplicateKeys('{"a": 1, "a')).toEqual([]);
  });
});
