import { describe, expect, it } from "vitest";
import { traceIdFor } from "../../../shared/http/trace-id.js";

const none = new Headers();

describe("traceIdFor", () => {
  it("takes the caller's W3C trace id", () => {
    const id = "4bf92f3577b34da6a3ce929d0e0e4736";
    expect(traceIdFor(new Headers({ traceparent: `00-${id}-00f067aa0ba902b7-01` }))).toBe(id);
  });

  it("draws a fresh id for a missing, malformed or all-zero traceparent", () => {
    const zero = `00-${"0".repeat(32)}-00f067aa0ba902b7-01`;
    for (const headers of [
      none,
      new Headers({ traceparent: "garbage" }),
      new Headers({ traceparent: zero }),
    ]) {
      const id = traceIdFor(headers);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe("0".repeat(32));
    }
  });

  it("never repeats an id, across many refills of its random pool", () => {
    const ids = new Set(Array.from({ length: 2_000 }, () => traceIdFor(none)));
    expect(ids.size).toBe(2_000);
  });
});
