// Refusals as RFC 9457 problem documents, with the reason code and the trace id an operator
// needs to find the request in Application Insights.

import { REASONS, type Reason, type TollgateError } from "../reasons.js";
import { bearerChallenge, type ChallengeExtras } from "./www-authenticate.js";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  reason: Reason;
  traceId: string;
}

export function problemResponse(
  error: TollgateError,
  traceId: string,
  headers: Record<string, string> = {},
  challengeExtras?: ChallengeExtras,
): Response {
  const body: ProblemBody = {
    type: `urn:tollgate:reason:${error.reason}`,
    title: REASONS[error.reason].title,
    status: error.status,
    detail: error.message,
    reason: error.reason,
    traceId,
  };
  const out = new Headers({ ...error.headers, ...headers });
  out.set("content-type", "application/problem+json");
  out.set("cache-control", "no-store");
  const challenge = bearerChallenge(error, "tollgate", challengeExtras);
  if (challenge) out.set("www-authenticate", challenge);
  if (error.retryAfterSeconds !== undefined) {
    out.set("retry-after", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  return new Response(JSON.stringify(body), { status: error.status, headers: out });
}
