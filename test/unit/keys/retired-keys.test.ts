// The removed-key grace: a key Entra stops publishing stays for at most the grace from the moment
// its removal was first seen, and comes back if Entra publishes it again.

import { describe, expect, it } from "vitest";
import { retireRemovedKeys } from "../../../shared/keys/retired-keys.js";
import type { ValidatedJwk } from "../../../shared/keys/types.js";

const key = (kid: string): ValidatedJwk => ({ kty: "RSA", kid, n: "n", e: "AQAB" });
const GRACE = 300_000;
const T0 = Date.UTC(2026, 2, 1, 9);

describe("retireRemovedKeys", () => {
  it("retires a key that disappears, with the time its removal was seen", () => {
    const result = retireRemovedKeys({ keys: [key("a"), key("b")], retired: [] }, [key("b")], T0, GRACE);
    expect(result).toEqual({ keys: [key("b")], retired: [{ key: key("a"), removedAt: T0 }] });
  });

  it("never extends the grace: later fetches keep the first removal time, and drop the key once it is over", () => {
    const first = retireRemovedKeys({ keys: [key("a"), key("b")], retired: [] }, [key("b")], T0, GRACE);
    const later = retireRemovedKeys(first, [key("b")], T0 + GRACE - 1, GRACE);
    expect(later.retired).toEqual([{ key: key("a"), removedAt: T0 }]);
    expect(retireRemovedKeys(later, [key("b")], T0 + GRACE, GRACE).retired).toEqual([]);
  });

  it("publishes a retired key again when Entra does", () => {
    const first = retireRemovedKeys({ keys: [key("a"), key("b")], retired: [] }, [key("b")], T0, GRACE);
    expect(retireRemovedKeys(first, [key("a"), key("b")], T0 + 1, GRACE)).toEqual({
      keys: [key("a"), key("b")],
      retired: [],
    });
  });

  it("drops removed keys at once with no grace, or when there was nothing before", () => {
    expect(retireRemovedKeys({ keys: [key("a")], retired: [] }, [key("b")], T0, 0).retired).toEqual([]);
    expect(retireRemovedKeys(undefined, [key("b")], T0, GRACE).retired).toEqual([]);
  });
});
