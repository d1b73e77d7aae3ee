// A decision trace as lines an operator reads: the same words in `tollgate explain` and in the
// gateway's debug log, so what one shows can be checked against the other.

import type { DecisionTrace } from "./decision-trace.js";
import type { RequirementTrace } from "./evaluate.js";

const SKIPPED = {
  method: "the method is not one it lists",
  host: "the host is not the one it names",
  mcp: "the MCP call is not one it names",
  path: "the path does not match its pattern",
} as const;

export function ruleLines(trace: DecisionTrace): string[] {
  return trace.rules.map((rule) =>
    rule.matched
      ? `rule '${rule.ruleId}': matched`
      : `rule '${rule.ruleId}': skipped, ${SKIPPED[rule.skipped ?? "path"]}`,
  );
}

/** The requirement tree, indented two spaces a level, each node marked met or not. */
export function requirementLines(nodes: readonly RequirementTrace[], depth = 0): string[] {
  return nodes.flatMap((node) => [
    `${"  ".repeat(depth)}${node.met ? "met    " : "not met"} ${node.node}${node.met || node.needs === undefined ? "" : `: needs ${node.needs}`}`,
    ...requirementLines(node.children ?? [], depth + 1),
  ]);
}

/** One line for the log: JSON, so a log query can take it apart. */
export function traceLogLine(
  traceId: string,
  summary: Record<string, unknown>,
  trace: DecisionTrace,
): string {
  return `decision trace ${traceId} ${JSON.stringify({ ...summary, ...trace })}`;
}
