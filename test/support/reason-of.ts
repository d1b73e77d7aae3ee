// The reason code a check refuses with, or "accepted": how unit tests of the token rules say
// what a check decided, so each row reads as input → reason.

import { expect } from "vitest";
import { TollgateError } from "../../shared/reasons.js";

export function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return (error as TollgateError).reason;
  }
  return "accepted";
}

/** The same for a promise: the reason it rejects with, or "accepted" when it resolves. */
export async function reasonOfAsync(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return error.reason;
  }
}
