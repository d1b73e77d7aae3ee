// The access trail: exact per-minute summaries of who called what, and refusals one by one.

export { type AccessDecision, AccessRecorder, type AccessRecorderEvent } from "./access-recorder.js";
export { type AccessReview, type AccessReviewLine, buildAccessReview } from "./access-review.js";
export { type AccessRefusal, type AccessSummary, ANONYMOUS, NO_TENANT } from "./access-rows.js";
export { type AccessTable, createAccessTable } from "./access-table.js";
export { callerIdFor, HASHED_PREFIX } from "./caller-id.js";
