// `tollgate explain` beside the attack corpus: for each row the CLI can express (one bearer
// token, the request line's method and target, tollgate itself answering), explain run as an
// operator runs it must name the status and reason the gateway answered with.

import { outcomeOf, REASONS, type Reason } from "../../shared/reasons.js";
import { runCli } from "../../tools/cli/run-cli.js";
import type { RawRequest } from "./raw-http.js";

export interface ExplainVerdict {
  /** `allow` when explain says the request would be forwarded. */
  outcome: string;
  status?: number;
  reason?: string | null;
}

/** The CLI arguments for this request, or undefined when explain cannot express it. */
export function explainArgs(request: RawRequest): string[] | undefined {
  const headers = request.headers ?? [];
  const authorization = headers.filter(([name]) => name.toLowerCase() === "authorization");
  if (authorization.length !== 1 || headers.some(([name]) => name.toLowerCase() === "host")) return undefined;
  const value = authorization[0]?.[1] ?? "";
  if (!value.startsWith("Bearer ")) return undefined;
  return [
    "explain",
    "--json",
    "--method",
    request.method ?? "GET",
    "--path",
    request.target,
    "--token",
    value.slice(7),
  ];
}

export async function runExplain(
  args: string[],
  env: Record<string, string>,
): Promise<{ verdict: ExplainVerdict; code: number; output: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  if (stdout === "") throw new Error(`explain printed nothing (exit ${code}): ${stderr}`);
  const parsed = JSON.parse(stdout) as { outcome: string; status?: number; reason?: string };
  return {
    verdict:
      parsed.outcome === "allow"
        ? { outcome: "allow" }
        : { outcome: parsed.outcome, status: parsed.status as number, reason: parsed.reason ?? null },
    code,
    output: stdout + stderr,
  };
}

/** The gateway's answer in the same terms. */
export function gatewayVerdict(status: number, reason: string | null): ExplainVerdict {
  if (status < 300) return { outcome: "allow" };
  // As the gateway records it: an outage is an error, a caller's fault a denial.
  const outcome = reason !== null && reason in REASONS ? outcomeOf(reason as Reason) : "deny";
  return { outcome, status, reason };
}
