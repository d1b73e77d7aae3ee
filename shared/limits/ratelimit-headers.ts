// The IETF RateLimit and RateLimit-Policy header fields (draft-ietf-httpapi-ratelimit-headers),
// as structured fields: `RateLimit-Policy: "per-app";q=100;w=60` and `RateLimit: "per-app";r=7;t=42`.

export interface RateLimitState {
  policy: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const name = JSON.stringify(state.policy);
  return {
    "ratelimit-policy": `${name};q=${state.limit};w=${state.windowSeconds}`,
    ratelimit: `${name};r=${Math.max(0, Math.floor(state.remaining))};t=${state.resetSeconds}`,
  };
}
