// Rate limits shared by every instance, on Table Storage, without a storage call per request.

export { type LimitPolicy, limitPolicySchema } from "./limit-policy.js";
export {
  type LimitOutcome,
  type LimitVerdict,
  RateLimiter,
  type RateLimiterOptions,
} from "./rate-limiter.js";
export { rateLimitHeaders } from "./ratelimit-headers.js";
export { CounterStorageError, WindowCounterTable } from "./window-counter-table.js";
export { secondsUntilReset, windowAt } from "./windows.js";
