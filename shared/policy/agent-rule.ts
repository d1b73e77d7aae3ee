// A rule's stance on Entra Agent ID callers (tokens with `xms_act_fct`/`xms_sub_fct` facets): let
// them in like anyone (`allow`, the default), keep them out (`deny`), or admit nobody else (`only`).

import { z } from "zod";
import { TollgateError } from "../reasons.js";
import type { Principal } from "../token/principal.js";

export type AgentStance = "allow" | "deny" | "only";

export const agentsSchema = z.enum(["allow", "deny", "only"], {
  error: "must be 'allow', 'deny' or 'only'",
});

/** Checked after the token, before the rule's requirement; the parent app plays no part. */
export function checkAgentStance(stance: AgentStance | undefined, principal: Principal): void {
  const agent = principal.agent === true;
  if (stance === "deny" && agent) {
    throw new TollgateError(
      "agent_not_allowed",
      "This route does not accept agent identities (Entra Agent ID).",
    );
  }
  if (stance === "only" && !agent) {
    throw new TollgateError("agent_required", "This route accepts only agent identities (Entra Agent ID).");
  }
}
