import { describe, expect, it } from "vitest";
import { messageOf, printable } from "../../shared/printable.js";

describe("printable and messageOf", () => {
  it("keep untrusted text to short printable ASCII, for messages and log lines", () => {
    expect(printable("kid\u0000\n\u202e")).toBe("kid???");
    expect(printable("x".repeat(70))).toBe(`${"x".repeat(64)}...`);
  });

  it("give an error's message, or what was thrown, at most 300 characters", () => {
    expect(messageOf(new Error("storage said\r\nno"))).toBe("storage said??no");
    expect(messageOf("plain")).toBe("plain");
    expect(messageOf(new Error("y".repeat(400)))).toHaveLength(303);
  });
});
