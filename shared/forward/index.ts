// Forwarding to the backend: header hygiene, the signed identity assertion, the bypass defence
// and the streaming forwarder.

export {
  type AssertionKey,
  AssertionKeyError,
  generateAssertionKey,
  type PublishedJwk,
  parseAssertionKeys,
} from "./assertion-keys.js";
export { BackendPools, sharedBackendPools } from "./backend-pools.js";
export { type BackendTarget, parseBackendUrl, pathAndQuery } from "./backend-target.js";
export { checkGatewayBypass, FRONT_DOOR_ID_HEADER, type GatewayBypassConfig } from "./bypass-defence.js";
export {
  type ForwardOptions,
  type ForwardTarget,
  type ForwardTimeouts,
  forwardRequest,
} from "./forward-request.js";
export {
  buildUpstreamHeaders,
  cleanResponseHeaders,
  IDENTITY_HEADER_PREFIX,
  IDENTITY_HEADERS,
  type IdentityClaims,
  type UpstreamHeaderOptions,
} from "./header-hygiene.js";
export { headerSafe, headerSafeList } from "./header-value.js";
export {
  ASSERTION_TYPE,
  AssertionSigner,
  type AssertionSignerOptions,
  type AssertionSubject,
  type PublicJwks,
} from "./identity-assertion.js";
