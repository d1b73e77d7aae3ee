// What each setting means, its default and an example of a right value. Error messages quote the
// example; a test checks the README table lists every setting named here.

export interface SettingDoc {
  /** Shown in the README's Default column; undefined means required. */
  default: string | undefined;
  example: string;
  description: string;
}

export const SETTING_DOCS = {
  TOLLGATE_TENANTS: {
    default: undefined,
    example: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    description:
      "Tenant ids (GUIDs, comma-separated) whose tokens are accepted. `*` accepts any organisation's tenant (multi-tenant APIs) and must be said explicitly; personal Microsoft accounts only with `*,9188040d-6c67-4c5b-b112-36a304b66dad` (the consumer tenant listed).",
  },
  TOLLGATE_AUDIENCES: {
    default: undefined,
    example: "api://tollgate-demo,11111111-2222-3333-4444-555555555555",
    description: "Accepted `aud` values: the API's application (client) id and/or its Application ID URI.",
  },
  TOLLGATE_AUTHORITY: {
    default: "https://login.microsoftonline.com",
    example: "https://login.microsoftonline.us",
    description: "Entra authority host (national clouds). `http://` is allowed only on loopback.",
  },
  TOLLGATE_TOKEN_VERSIONS: {
    default: "2",
    example: "1,2",
    description:
      "Access-token versions accepted: `1` (`sts.windows.net` issuer), `2` (`…/v2.0` issuer) or both.",
  },
  TOLLGATE_ALGORITHMS: {
    default: "RS256",
    example: "RS256",
    description: "Signature algorithms accepted. Asymmetric only; `none` and HMAC can never be allowed.",
  },
  TOLLGATE_CLOCK_SKEW_SECONDS: {
    default: "60",
    example: "60",
    description: "Clock skew tolerated on `exp`, `nbf` and `iat`.",
  },
  TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS: {
    default: "(none)",
    example: "5400",
    description: "If set, tokens whose `exp - iat` is longer are rejected (`token_lifetime_exceeds_policy`).",
  },
  TOLLGATE_MAX_TOKEN_BYTES: {
    default: "16384",
    example: "16384",
    description: "Largest token accepted, in bytes, checked before any decoding.",
  },
  TOLLGATE_CLIENT_APPS: {
    default: "(any)",
    example: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    description: "If set, only these client application ids (`azp`/`appid`) may call.",
  },
  TOLLGATE_PRINCIPAL_KIND: {
    default: "any",
    example: "user",
    description: "Require user tokens (`user`), app-only tokens (`app`) or accept both (`any`).",
  },
  TOLLGATE_TOKEN_CACHE_SIZE: {
    default: "10000",
    example: "10000",
    description:
      "Verified tokens remembered per instance (until each expires), so a repeat caller costs a lookup instead of an RSA verification. `0` turns it off.",
  },
  TOLLGATE_STORAGE: {
    default: "AzureWebJobsStorage",
    example: "https://mystorage.table.core.windows.net",
    description:
      "Table Storage: a connection string (Azurite or account key) or a table endpoint URL, signed in with the credential `TOLLGATE_MANAGED_IDENTITY` names.",
  },
  TOLLGATE_TABLE_PREFIX: {
    default: "tollgate",
    example: "tollgate",
    description: "Prefix of every table tollgate creates (for example `tollgateKeys`).",
  },
  TOLLGATE_STORAGE_TIMEOUT_MS: {
    default: "2000",
    example: "2000",
    description: "Longest a single Table Storage call may take before tollgate carries on without it.",
  },
  TOLLGATE_KEYS_FETCH_TIMEOUT_MS: {
    default: "5000",
    example: "5000",
    description: "Timeout for fetching Entra discovery documents and JWKS.",
  },
  TOLLGATE_KEYS_REFRESH_SECONDS: {
    default: "3600",
    example: "3600",
    description: "Signing keys older than this are refreshed in the background (requests never wait for it).",
  },
  TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: {
    default: "60",
    example: "60",
    description:
      "An unknown `kid` triggers at most one refetch per key source in this period, shared by all waiting requests.",
  },
  TOLLGATE_KEYS_MAX_STALENESS_SECONDS: {
    default: "259200",
    example: "259200",
    description:
      "If Entra cannot be reached, stored keys keep working this long after they were fetched; after it the answer is 503 `keys_unavailable`.",
  },
  TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: {
    default: "300",
    example: "300",
    description:
      "A signing key that disappears from Entra's JWKS still verifies tokens for at most this long after the removal is seen, then never again (an emergency rotation takes effect). `0` drops it at once.",
  },
  TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS: {
    default: "60",
    example: "60",
    description:
      "How often each instance re-reads the signing-key snapshot the timer function writes (in the background); a rotation or a removed key reaches every instance within this, without a restart.",
  },
  TOLLGATE_TIMER_SCHEDULE: {
    default: "0 */15 * * * *",
    example: "0 */5 * * * *",
    description:
      "NCRONTAB schedule of the timer function that refreshes the signing-key snapshot and runs the token-lifetime audit (also at start when run locally under Core Tools).",
  },
  TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS: {
    default: "5400",
    example: "3600",
    description:
      "Access tokens of clients without CAE that live longer than this (`exp - iat`, with 5 minutes' allowance for back-dated `iat`) are flagged by the audit.",
  },
  TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS: {
    default: "100800",
    example: "86400",
    description:
      "The same limit for CAE-capable clients (`xms_cc` holds `cp1`), whose tokens Entra may issue for up to 28 hours because they can be revoked.",
  },
  TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS: {
    default: "900",
    example: "600",
    description:
      "Client apps whose tokens all live shorter than this are flagged: they refresh constantly (refresh storms). `0` turns the check off.",
  },
  TOLLGATE_AUDIT_GRAPH: {
    default: "false",
    example: "true",
    description:
      "`true`: the audit also reads Entra's token-lifetime policies through Microsoft Graph with the app's managed identity (needs the Graph application permission `Policy.Read.All`). `false`: that part is skipped with one log line.",
  },
  TOLLGATE_AUDIT_GRAPH_URL: {
    default: "https://graph.microsoft.com",
    example: "https://graph.microsoft.us",
    description:
      "Microsoft Graph endpoint for the audit (national clouds). `http://` is allowed only on loopback.",
  },
  TOLLGATE_AUDIT_API_APP_ID: {
    default: "(the GUID in TOLLGATE_AUDIENCES)",
    example: "11111111-2222-3333-4444-555555555555",
    description:
      "The protected API's application (client) id or object id: the audit flags token-lifetime policies assigned to it.",
  },
  TOLLGATE_AUDIT_ENFORCE: {
    default: "false",
    example: "true",
    description:
      "`true`: tokens that live longer than the audit's limits (by CAE capability) are refused with `token_lifetime_exceeds_policy`.",
  },
  TOLLGATE_BACKEND_URL: {
    default: "(none)",
    example: "https://orders-api.internal.contoso.com",
    description: "The backend a request goes to when its rule names none. Path and query are appended to it.",
  },
  TOLLGATE_POLICY_REFRESH_SECONDS: {
    default: "30",
    example: "30",
    description:
      "How often each instance re-reads the role map from Table Storage; a pushed policy is live within this.",
  },
  TOLLGATE_MAX_BODY_BYTES: {
    default: "104857600",
    example: "10485760",
    description:
      "Largest request body forwarded (streamed, never buffered); larger is 413 `request_body_too_large`.",
  },
  TOLLGATE_MCP_MAX_BODY_BYTES: {
    default: "1048576",
    example: "262144",
    description:
      "Largest JSON-RPC body read on routes with MCP rules (to match the method and tool name; then sent on unchanged); larger is 413 `mcp_body_too_large`.",
  },
  TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS: {
    default: "5000",
    example: "5000",
    description: "Time to connect to the backend; past it, 504 `backend_timeout`.",
  },
  TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: {
    default: "30000",
    example: "30000",
    description:
      "Time for the backend's response headers (and longest silence mid-body); past it, 504 `backend_timeout`.",
  },
  TOLLGATE_BACKEND_TIMEOUT_MS: {
    default: "120000",
    example: "120000",
    description: "Longest a whole backend exchange may take, body included.",
  },
  TOLLGATE_ASSERTION_KEYS: {
    default: "(none: no assertion)",
    example: '{"kty":"EC","crv":"P-256","kid":"2026-11","x":"…","y":"…","d":"…"}',
    description:
      "Private key(s) for the signed identity assertion: an EC P-256 JWK, a JWKS or PKCS#8 PEM (a Key Vault reference in Azure). The first signs; all are published at `/.well-known/jwks.json`.",
  },
  TOLLGATE_ASSERTION_ISSUER: {
    default: "tollgate",
    example: "https://tollgate-prod.azurewebsites.net",
    description: "The `iss` of identity assertions.",
  },
  TOLLGATE_ASSERTION_LIFETIME_SECONDS: {
    default: "60",
    example: "60",
    description: "Lifetime of an identity assertion (never longer than the caller's token).",
  },
  TOLLGATE_FRONT_DOOR_ID: {
    default: "(none)",
    example: "3c4f2b3e-8d5a-4f7e-9c1b-2a6d8e0f1b2c",
    description:
      "If set, requests must carry `X-Azure-FDID` equal to this Front Door id (403 `gateway_bypass_rejected`).",
  },
  TOLLGATE_TRUSTED_PROXIES: {
    default: "(none: trust no front end)",
    example: "front-end",
    description:
      "Front ends whose `X-Forwarded-For`, `-Host` and `-Proto` are believed, comma-separated: address ranges (`10.1.0.0/16`, `2001:db8::/48`, a bare address) and `front-end`, the peer that passed the bypass defence (`TOLLGATE_FRONT_DOOR_ID` / `TOLLGATE_GATEWAY_KEY`, one of which it needs). From a trusted peer the client address is the right-most untrusted `X-Forwarded-For` entry, and the host and scheme are the front's; a malformed one is 400 `forwarded_header_invalid`.",
  },
  TOLLGATE_EASY_AUTH_HEADERS: {
    default: "false",
    example: "true",
    description:
      "Also send App Service Authentication's identity headers (`X-MS-CLIENT-PRINCIPAL` as Easy Auth shapes it, `-ID`, `-NAME`, `-IDP`), so a backend written for Easy Auth moves behind tollgate unchanged; the signed assertion is sent as well.",
  },
  TOLLGATE_MANAGED_IDENTITY: {
    default: "(DefaultAzureCredential)",
    example: "system",
    description:
      "The Entra credential for Table Storage, Application Insights ingestion (`Authorization=AAD`) and Graph: `system` (the system-assigned managed identity) or a user-assigned identity's client id, through `ManagedIdentityCredential`; blank, `DefaultAzureCredential` (your `az login` locally). infra/main.bicep sets `system`.",
  },
  TOLLGATE_GATEWAY_KEY: {
    default: "(none)",
    example: "a-long-random-secret-set-by-apim",
    description:
      "If set, requests must carry `X-Tollgate-Gateway-Key` with this value (APIM sets it); the header never reaches the backend.",
  },
  TOLLGATE_RATELIMIT_HEADERS: {
    default: "true",
    example: "false",
    description:
      "Add the IETF `RateLimit` and `RateLimit-Policy` headers to allowed responses too (429s always carry them).",
  },
  TOLLGATE_TELEMETRY_TRACES_PER_SECOND: {
    default: "5",
    example: "20",
    description:
      "Most decision spans (the `requests` rows) each instance sends to Application Insights per second; `0` sends a fixed share instead (`TOLLGATE_TELEMETRY_SAMPLING_RATIO`). Decision metrics are never sampled.",
  },
  TOLLGATE_TELEMETRY_SAMPLING_RATIO: {
    default: "1",
    example: "0.25",
    description:
      "Share of decision spans sent, from `0` to `1`, when `TOLLGATE_TELEMETRY_TRACES_PER_SECOND` is `0`. Each decision is drawn on its own (tollgate's randomness, never the caller's trace id), so a caller cannot pick trace ids that are never sent.",
  },
  TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: {
    default: "false",
    example: "true",
    description:
      "`true` adds the caller's object id (`oid`) to decision spans. Tenant, client app, principal kind and token version are always recorded; a token, its signature, an email or a `upn` never are.",
  },
  TOLLGATE_REVOCATIONS_REFRESH_SECONDS: {
    default: "15",
    example: "15",
    description:
      "How often each instance re-reads the revocation list (`tollgate revoke`). This is the worst-case delay before a revocation takes effect everywhere; between reads, and while storage is down, the last list read is used.",
  },
  TOLLGATE_TENANTS_TABLE: {
    default: "false",
    example: "true",
    description:
      "`true` reads the tenants table (`tollgate tenants`): a suspended tenant is refused with `tenant_suspended`, and with `TOLLGATE_TENANTS=*` only tenants the table holds are accepted.",
  },
  TOLLGATE_TENANTS_REFRESH_SECONDS: {
    default: "15",
    example: "15",
    description:
      "How often each instance re-reads the tenants table: the worst-case delay before a suspension or resumption takes effect everywhere.",
  },
  TOLLGATE_GROUPS_GRAPH: {
    default: "false",
    example: "true",
    description:
      "`true`: when a rule needs groups and the token had too many to list them (groups overage), look the caller's security groups up in Microsoft Graph (`getMemberObjects`) with the app's managed identity. `false`: such a rule refuses overage callers.",
  },
  TOLLGATE_GRAPH_URL: {
    default: "https://graph.microsoft.com",
    example: "https://graph.microsoft.us",
    description:
      "Microsoft Graph endpoint for the gateway's lookups (groups overage, sign-in sessions), for national clouds. `http://` is allowed only on loopback.",
  },
  TOLLGATE_GROUPS_CACHE_SECONDS: {
    default: "300",
    example: "600",
    description:
      "How long an instance remembers a caller's groups from Graph (per tenant and object id, at most 10000 callers): a membership change reaches tollgate within this.",
  },
  TOLLGATE_GRAPH_TIMEOUT_MS: {
    default: "2000",
    example: "2000",
    description:
      "Longest one Graph lookup (groups, sign-in sessions) may take before its `…_ON_ERROR` setting decides.",
  },
  TOLLGATE_GROUPS_ON_ERROR: {
    default: "deny",
    example: "deny",
    description:
      "When Graph cannot answer a group lookup: `deny` answers 503 `groups_unavailable`; `allow` lets group requirements count as met for overage callers (their other requirements still apply). A failed lookup is retried at most every 5 seconds per caller.",
  },
  TOLLGATE_SIGNIN_SESSIONS_CHECK: {
    default: "false",
    example: "true",
    description:
      "`true`: refuse a user's token issued before Graph's `signInSessionsValidFromDateTime` for that user (set when their sessions are revoked), with `token_revoked`. Needs the Graph application permission `User.Read.All` for the managed identity.",
  },
  TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS: {
    default: "60",
    example: "60",
    description:
      "How long an instance remembers a user's `signInSessionsValidFromDateTime` (at most 10000 users): the worst-case delay before a session revocation in Entra is seen.",
  },
  TOLLGATE_SIGNIN_SESSIONS_ON_ERROR: {
    default: "allow",
    example: "deny",
    description:
      "When Graph cannot answer the sign-in sessions check: `allow` lets the request on (the revocation list and `exp` still apply); `deny` answers 503 `signin_sessions_unavailable`. A failed lookup is retried at most every 5 seconds per user.",
  },
  TOLLGATE_ACCESS_SUMMARIES: {
    default: "true",
    example: "true",
    description:
      "`true`: every instance counts its decisions per minute and caller (tenant, object id, client app, kind, rule, outcome, reason) and writes the counts to the `<prefix>Access` table at most once a minute, with refusals one by one; `tollgate access` reads them. `false`: no access trail.",
  },
  TOLLGATE_ACCESS_HASH_KEY: {
    default: "(none)",
    example: "a-32-character-or-longer-secret-key",
    description:
      "If set (at least 32 characters), object ids in the access trail, its telemetry events and `tollgate access` are an HMAC-SHA256 pseudonym (`h-…`) under this key instead of the id in clear. Keep the key to make reviews reproducible; cannot be combined with `TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID=true`.",
  },
  TOLLGATE_ACCESS_RETENTION_DAYS: {
    default: "90",
    example: "400",
    description:
      "Days the access trail is kept; the timer function deletes older days. Application Insights keeps its own copy for its own retention.",
  },
  TOLLGATE_ACCESS_REFUSALS_PER_MINUTE: {
    default: "20",
    example: "20",
    description:
      "Refusals (401/403) written one by one per caller and minute on each instance; beyond it they are only counted (`refusalsNotListed`), so a flood cannot become a logging bill. `0`: counts only.",
  },
  TOLLGATE_DEBUG_TRACE: {
    default: "false",
    example: "true",
    description:
      "`true` logs one `decision trace` line per request, by trace id: the token checks run, each rule tried and why it did not match, the requirement tree with each leaf met or not (what `tollgate explain` prints). Never the token, claim values or anything in the response. For debugging; off in production.",
  },
} as const satisfies Record<string, SettingDoc>;

export type SettingName = keyof typeof SETTING_DOCS;
