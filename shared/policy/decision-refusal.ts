// The refusal a role-map decision turns into, so the gateway and `tollgate explain` answer a
// refused request with the same reason, status and challenge.

import { TollgateError } from "../reasons.js";
import type { Decision } from "./authorize.js";

/** The error the gateway answers with, or undefined when the decision lets the request on. */
export function refusalOf(decision: Decision): TollgateError | undefined {
  if (decision.outcome === "invalid_path") return new TollgateError("path_invalid", decision.message);
  if (decision.outcome === "deny") {
    return new TollgateError(decision.reason ?? "insufficient_scope", decision.message, {
      ...(decision.requiredScope ? { requiredScope: decision.requiredScope } : {}),
    });
  }
  return undefined;
}
