import { describe, expect, it } from "vitest";
import { ambiguousKey } from "../../../shared/mcp/json-duplicate-keys.js";

describe("ambiguousKey", () => {
  it("finds a key repeated in one object, escaped or not, at any depth", () => {
    expect(ambiguousKey('{"a":1,"a":2}')).toBe("a");
    expect(ambiguousKey('{"name":"x","\\u006eame":"y"}')).toBe("name");
    expect(ambiguousKey('{"p":{"q":[{"r":1,"r":2}]}}')).toBe("r");
    // Escaped quotes and backslashes inside strings do not end them early.
    expect(ambiguousKey(JSON.stringify({ 'a"b': "x\\", c: 1 }).replace('"c"', '"a\\"b"'))).toBe('a"b');
    expect(ambiguousKey('{"v":"ends with \\\\","v2":"\\"","v":3}')).toBe("v");
  });

  it("finds keys differing only in case in the message and its direct members", () => {
    expect(ambiguousKey('{"method":"a","Method":"b"}')).toBe("Method");
    expect(ambiguousKey('{"params":{"name":"a","NAME":"b"}}')).toBe("NAME");
  });

  it("lets tool arguments differ in case, and the same key in sibling objects", () => {
    expect(ambiguousKey('{"params":{"arguments":{"id":1,"ID":2}}}')).toBeUndefined();
    expect(ambiguousKey('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(ambiguousKey('{"a":{"a":{"a":1}},"b":"\\"a\\":"}')).toBeUndefined();
  });
});
