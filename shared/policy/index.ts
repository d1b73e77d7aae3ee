// The role map: the policy document, route matching, requirement evaluation, the decision for a
// request, and the Table-backed store every instance reads it from.

export { authorize, type Decision } from "./authorize.js";
export { canonicalJson } from "./canonical-json.js";
export { evaluateRequirement, type RequirementResult } from "./evaluate.js";
export { methodOverrideParameter } from "./method-override.js";
export {
  MAX_POLICY_CHARS,
  type ParsePolicyResult,
  type PolicyFormat,
  parsePolicy,
  validatePolicyDocument,
} from "./parse-policy.js";
export { compilePathPattern, type PathPattern, type PathSegment } from "./path-pattern.js";
export type {
  Backend,
  DefaultRule,
  NameSet,
  NameSetDocument,
  Policy,
  PolicyDocument,
  PolicyRule,
  Requirement,
  RequirementDocument,
} from "./policy-schema.js";
export {
  type LoadedPolicy,
  PolicyStore,
  type PolicyStoreOptions,
  type RefreshOutcome,
} from "./policy-store.js";
export type { PolicyStoreEvent, PolicyStoreEventListener } from "./policy-store-events.js";
export { PolicyContentError, type PolicyPointer, policyTableClient } from "./policy-table.js";
export { policyWarnings } from "./policy-warnings.js";
export {
  PolicyConflictError,
  PolicyValidationError,
  type PushPolicyOptions,
  type PushPolicyResult,
  pushPolicy,
} from "./push-policy.js";
export { readCurrentPolicy, type StoredPolicy } from "./read-current-policy.js";
export { type RequestPathResult, splitRequestPath } from "./request-path.js";
export { matchRule, type RouteMatch, type RouteRequest } from "./route-match.js";
export { anyTenantWarnings } from "./tenant-warnings.js";
