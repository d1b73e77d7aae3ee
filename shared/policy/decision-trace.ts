// What the gateway did for one request, step by step: the token checks it ran, the rules tried
// in order and the requirement tree of the one that applied. Filled in by the validator and by
// `authorize` only when asked for, so `tollgate explain` and the gateway's debug trace show the
// decision the gateway itself made. Never holds the token or any claim value.

import type { RequirementTrace } from "./evaluate.js";
import type { RuleTrace } from "./route-match.js";

export interface DecisionTrace {
  /** Token checks in the order they started; when the token was refused, the last one failed. */
  tokenChecks: string[];
  /** Each rule tried, in policy order, up to the one that matched. */
  rules: RuleTrace[];
  /** The applying rule's requirement tree (one root), empty when it has no requirement. */
  requirement: RequirementTrace[];
}

export function newDecisionTrace(): DecisionTrace {
  return { tokenChecks: [], rules: [], requirement: [] };
}
