// tollgate in Azure: a Function App on the Flex Consumption plan (Node 22, system-assigned
// identity), its storage (tables, host and deployment blobs; no shared keys), Key Vault for the
// assertion signing key, Log Analytics and Application Insights, and optionally API Management
// and/or Front Door in front. Plain resources only, so it builds without a module registry.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Where and what
// ---------------------------------------------------------------------------------------------

@description('Region of every regional resource. Flex Consumption is not offered in every region: az functionapp list-flexconsumption-locations lists them.')
param location string = resourceGroup().location

@description('Start of the resource names; a hash of the resource group follows it, so names are unique. Short enough that the app name stays within 32 characters, the length of a Functions host id.')
@minLength(3)
@maxLength(18)
param namePrefix string = 'tollgate'

@description('Tags for every resource.')
param tags object = {}

@description('Most instances the app may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Object id of the person or group who operates tollgate (az ad signed-in-user show --query id -o tsv). Granted, table by table, Storage Table Data Contributor on the tables the tollgate CLI writes (Policy, Shadow, Revocations, Tenants, Keys) and Storage Table Data Reader on the others, and Key Vault Secrets Officer, to store the assertion key. Blank: no grant.')
param operatorPrincipalId string = ''

@description('What operatorPrincipalId is.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

@description('Deploy the tollgate workbook (infra/workbook.json) on Application Insights.')
param deployWorkbook bool = true

@description('Node.js major version of the app. 22 by default; 24 where Flex Consumption offers it in your region (az functionapp list-flexconsumption-runtimes -l <region> --runtime node).')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '22'

@description('Instances kept running for the HTTP functions (Flex always ready): no cold start for the first caller, billed while idle. 0: scale from zero.')
@minValue(0)
@maxValue(1000)
param alwaysReadyInstances int = 0

@description('Concurrent HTTP requests each instance takes before Flex adds another. tollgate mostly waits on backends and storage, so an instance carries more than a CPU-bound app; 16 is the platform\'s default at 2048 MB.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Private networking (as the official Flex Consumption quickstart offers it): a virtual network with the app integrated into it, so tollgate reaches backends inside it, and private endpoints for storage (blob, table) and Key Vault, whose public access is then off except for allowedIpAddresses.')
param vnetEnabled bool = false

@description('With vnetEnabled: public addresses (or CIDR ranges) still let through to storage and Key Vault, such as the operator\'s, for the tollgate CLI and the key upload. Empty: none.')
param allowedIpAddresses array = []

// ---------------------------------------------------------------------------------------------
// tollgate's settings. One parameter per TOLLGATE_* setting; a blank value leaves the setting
// empty, which tollgate reads as "not set" and so uses its own default (README, Settings).
// ---------------------------------------------------------------------------------------------

@description('TOLLGATE_TENANTS (required): tenant ids (GUIDs, comma-separated) whose tokens are accepted; * accepts any tenant.')
param tenants string

@description('TOLLGATE_AUDIENCES (required): accepted aud values, the API\'s application (client) id and/or its Application ID URI.')
param audiences string

@description('TOLLGATE_AUTHORITY: Entra authority host, for national clouds. Blank: the public-cloud authority')
param authority string = ''

@description('TOLLGATE_TOKEN_VERSIONS: access-token versions accepted, 1 and/or 2. Blank: 2')
param tokenVersions string = ''

@description('TOLLGATE_ALGORITHMS: signature algorithms accepted (asymmetric only). Blank: RS256')
param algorithms string = ''

@description('TOLLGATE_CLOCK_SKEW_SECONDS: clock skew tolerated on exp, nbf and iat. Blank: 60')
param clockSkewSeconds string = ''

@description('TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS: tokens living longer than this are refused. Blank: (none)')
param maxTokenLifetimeSeconds string = ''

@description('TOLLGATE_MAX_TOKEN_BYTES: largest token accepted, in bytes. Blank: 16384')
param maxTokenBytes string = ''

@description('TOLLGATE_TOKEN_CACHE_SIZE: verified tokens remembered per instance; 0 turns the cache off. Blank: 10000')
param tokenCacheSize string = ''

@description('TOLLGATE_ACCESS_SUMMARIES: true writes the exact access trail (per-minute counts per caller, refusals one by one) to the Access table. Blank: true')
param accessSummaries string = ''

@secure()
@description('TOLLGATE_ACCESS_HASH_KEY: at least 32 characters; object ids in the access trail become HMAC pseudonyms under it. Blank: (none, ids in clear)')
param accessHashKey string = ''

@description('TOLLGATE_ACCESS_RETENTION_DAYS: days the access trail is kept (the timer deletes older days). Blank: 90')
param accessRetentionDays string = ''

@description('TOLLGATE_ACCESS_REFUSALS_PER_MINUTE: refusals written one by one per caller and minute per instance. Blank: 20')
param accessRefusalsPerMinute string = ''

@description('TOLLGATE_CLIENT_APPS: only these client application ids may call. Blank: (any)')
param clientApps string = ''

@description('TOLLGATE_PRINCIPAL_KIND: user, app or any. Blank: any')
param principalKind string = ''

@description('TOLLGATE_TABLE_PREFIX: prefix of the tables tollgate uses; this template creates them. Default: tollgate')
@minLength(3)
@maxLength(41)
param tablePrefix string = 'tollgate'

@description('TOLLGATE_STORAGE_TIMEOUT_MS: longest a single Table Storage call may take. Blank: 2000')
param storageTimeoutMs string = ''

@description('TOLLGATE_KEYS_FETCH_TIMEOUT_MS: timeout for fetching Entra discovery documents and JWKS. Blank: 5000')
param keysFetchTimeoutMs string = ''

@description('TOLLGATE_KEYS_REFRESH_SECONDS: signing keys older than this are refreshed in the background. Blank: 3600')
param keysRefreshSeconds string = ''

@description('TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: an unknown kid triggers at most one refetch per key source in this period. Blank: 60')
param keysRefetchCooldownSeconds string = ''

@description('TOLLGATE_KEYS_MAX_STALENESS_SECONDS: how long stored keys keep working when Entra cannot be reached. Blank: 259200')
param keysMaxStalenessSeconds string = ''

@description('TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS: how long a key removed from Entra\'s JWKS still verifies tokens. Blank: 300')
param keysRemovedKeyGraceSeconds string = ''

@description('TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS: how often each instance re-reads the signing-key snapshot the timer writes. Blank: 60')
param keysSnapshotCheckSeconds string = ''

@description('TOLLGATE_TIMER_SCHEDULE: NCRONTAB schedule of the key-refresh and audit timer. Blank: every 15 minutes (0 */15 * * * *)')
param timerSchedule string = ''

@description('TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS: the audit flags tokens of clients without CAE living longer than this. Blank: 5400')
param auditMaxLifetimeSeconds string = ''

@description('TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS: the same limit for CAE-capable clients. Blank: 100800')
param auditMaxCaeLifetimeSeconds string = ''

@description('TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS: the audit flags clients whose tokens all live shorter than this. Blank: 900')
param auditMinLifetimeSeconds string = ''

@description('TOLLGATE_AUDIT_GRAPH: true to read Entra token-lifetime policies through Microsoft Graph with the app\'s identity (grant it Policy.Read.All first: README, Deploy to Azure). Blank: false')
param auditGraph string = ''

@description('TOLLGATE_AUDIT_GRAPH_URL: Microsoft Graph endpoint for the audit (national clouds). Blank: the public-cloud Graph')
param auditGraphUrl string = ''

@description('TOLLGATE_AUDIT_API_APP_ID: the protected API\'s application (client) id or object id. Blank: the GUID in TOLLGATE_AUDIENCES')
param auditApiAppId string = ''

@description('TOLLGATE_AUDIT_ENFORCE: true refuses tokens living longer than the audit\'s limits. Blank: false')
param auditEnforce string = ''

@description('TOLLGATE_BACKEND_URL: the backend a request goes to when its rule names none. Blank: (none)')
param backendUrl string = ''

@description('TOLLGATE_POLICY_REFRESH_SECONDS: how often each instance re-reads the role map. Blank: 30')
param policyRefreshSeconds string = ''

@description('TOLLGATE_MAX_BODY_BYTES: largest request body forwarded. Blank: 104857600')
param maxBodyBytes string = ''

@description('TOLLGATE_MCP_MAX_BODY_BYTES: largest MCP JSON-RPC body read on routes with MCP rules. Blank: 1048576')
param mcpMaxBodyBytes string = ''

@description('TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS: time to connect to the backend. Blank: 5000')
param backendConnectTimeoutMs string = ''

@description('TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: time for the backend\'s response headers. Blank: 30000')
param backendFirstByteTimeoutMs string = ''

@description('TOLLGATE_BACKEND_TIMEOUT_MS: longest a whole backend exchange may take. Blank: 120000')
param backendTimeoutMs string = ''

@description('TOLLGATE_RATELIMIT_HEADERS: add the RateLimit and RateLimit-Policy headers to allowed responses too. Blank: true')
param ratelimitHeaders string = ''

@description('TOLLGATE_ASSERTION_KEYS: name of the Key Vault secret holding the assertion signing key (an EC P-256 JWK, a JWKS or PKCS#8 PEM). The app setting becomes a Key Vault reference to it. Store the secret first (README, Deploy to Azure), then set this. Blank: (none: no assertion)')
param assertionKeySecretName string = ''

@description('TOLLGATE_EASY_AUTH_HEADERS: true also sends App Service Authentication\'s X-MS-CLIENT-PRINCIPAL headers to backends. Blank: false')
param easyAuthHeaders string = ''

@description('TOLLGATE_ASSERTION_ISSUER: the iss of identity assertions. Blank: tollgate')
param assertionIssuer string = ''

@description('TOLLGATE_ASSERTION_LIFETIME_SECONDS: lifetime of an identity assertion. Blank: 60')
param assertionLifetimeSeconds string = ''

@description('TOLLGATE_TELEMETRY_TRACES_PER_SECOND: most decision spans each instance sends per second; 0 sends a fixed share instead. Blank: 5')
param telemetryTracesPerSecond string = ''

@description('TOLLGATE_TELEMETRY_SAMPLING_RATIO: share of decision spans sent, 0 to 1, when the rate above is 0. Blank: 1')
param telemetrySamplingRatio string = ''

@description('TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID: true adds the caller\'s object id to decision spans. Blank: false')
param telemetryIncludeObjectId string = ''

// Continuous access: revocations, onboarded tenants, groups overage and sign-in sessions.
@description('TOLLGATE_REVOCATIONS_REFRESH_SECONDS: how often each instance re-reads the revocation list: the worst-case delay of a revocation. Blank: 15')
param revocationsRefreshSeconds string = ''

@description('TOLLGATE_TENANTS_TABLE: true reads the tenants table (suspended tenants refused; with TOLLGATE_TENANTS=* it is the allow-list). Blank: false')
param tenantsTable string = ''

@description('TOLLGATE_TENANTS_REFRESH_SECONDS: how often each instance re-reads the tenants table. Blank: 15')
param tenantsRefreshSeconds string = ''

@description('TOLLGATE_GROUPS_GRAPH: true looks up groups-overage callers\' groups in Microsoft Graph (grant the managed identity GroupMember.Read.All and User.ReadBasic.All). Blank: false')
param groupsGraph string = ''

@description('TOLLGATE_GROUPS_CACHE_SECONDS: how long a caller\'s groups from Graph are remembered. Blank: 300')
param groupsCacheSeconds string = ''

@description('TOLLGATE_GROUPS_ON_ERROR: deny (503 groups_unavailable) or allow when Graph cannot list an overage caller\'s groups. Blank: deny')
param groupsOnError string = ''

@description('TOLLGATE_SIGNIN_SESSIONS_CHECK: true refuses user tokens issued before Graph\'s signInSessionsValidFromDateTime (grant User.Read.All). Blank: false')
param signinSessionsCheck string = ''

@description('TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS: how long a user\'s signInSessionsValidFromDateTime is remembered. Blank: 60')
param signinSessionsCacheSeconds string = ''

@description('TOLLGATE_SIGNIN_SESSIONS_ON_ERROR: allow or deny (503 signin_sessions_unavailable) when Graph cannot answer the sessions check. Blank: allow')
param signinSessionsOnError string = ''

@description('TOLLGATE_GRAPH_URL: Microsoft Graph endpoint for the gateway\'s lookups (national clouds). Blank: https://graph.microsoft.com')
param graphUrl string = ''

@description('TOLLGATE_GRAPH_TIMEOUT_MS: longest one Graph lookup may take. Blank: 2000')
param graphTimeoutMs string = ''
@description('TOLLGATE_DEBUG_TRACE: true logs each request\'s decision trace (rules tried, requirement tree); for debugging. Blank: false')
param debugTrace string = ''

// ---------------------------------------------------------------------------------------------
// What stands in front: Front Door, API Management, both (Front Door -> APIM -> tollgate) or
// neither. Each gives tollgate a bypass defence: the X-Azure-FDID check and the service-tag
// access restriction for Front Door, the shared X-Tollgate-Gateway-Key header for APIM.
// ---------------------------------------------------------------------------------------------

@description('Deploy an Azure Front Door (Standard) profile with tollgate (or, with deployApim, APIM) as its origin.')
param deployFrontDoor bool = false

@description('TOLLGATE_FRONT_DOOR_ID: the id (X-Azure-FDID) of an existing Front Door in front of tollgate; the app then also accepts traffic only from the AzureFrontDoor.Backend service tag. Ignored when deployFrontDoor is true (the new profile\'s id is used). Blank: (none)')
param frontDoorId string = ''

@description('Front Door SKU.')
@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
param frontDoorSku string = 'Standard_AzureFrontDoor'

@description('Deploy an API Management instance with an API whose backend is tollgate.')
param deployApim bool = false

@description('API Management SKU. Consumption deploys in minutes; the classic tiers take much longer.')
@allowed([
  'Consumption'
  'Developer'
  'BasicV2'
  'StandardV2'
  'Basic'
  'Standard'
  'Premium'
])
param apimSku string = 'Consumption'

@description('Publisher e-mail of the API Management instance (it receives its notifications).')
param apimPublisherEmail string = 'apim-admin@example.com'

@description('Publisher name of the API Management instance.')
param apimPublisherName string = 'tollgate'

@description('URL suffix of the tollgate API in API Management: callers use https://<apim>/<suffix>/<path>; tollgate and the backend see /<path>.')
param apimApiPath string = 'api'

@description('Require X-Tollgate-Gateway-Key on every request (TOLLGATE_GATEWAY_KEY). On when APIM is deployed; turn it on to use an existing APIM with infra/apim/policy.xml.')
param requireGatewayKey bool = deployApim

@description('TOLLGATE_GATEWAY_KEY: the shared secret APIM sends as X-Tollgate-Gateway-Key (at least 16 characters), stored in Key Vault as tollgate-gateway-key; the app and APIM read it from there. Pass it on the first deployment with APIM (openssl rand -base64 32) and to rotate it; left blank, the secret in the vault stays as it is. Blank: (keep the stored key)')
@secure()
param gatewayKey string = ''

@description('TOLLGATE_TRUSTED_PROXIES: front ends whose X-Forwarded-For/-Host/-Proto tollgate believes: address ranges and/or front-end (the peer that passed the X-Azure-FDID or gateway-key check). Trust only a front end that replaces X-Forwarded-Host and -Proto itself (Front Door does; APIM only if its policy sets them). Blank: (none: trust no front end)')
param trustedProxies string = ''

// ---------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------

var token = uniqueString(resourceGroup().id, namePrefix)
var functionAppName = '${namePrefix}-${token}'
var planName = 'plan-${token}'
var storageAccountName = 'st${token}'
var keyVaultName = 'kv-${token}'
var logAnalyticsName = 'log-${token}'
var appInsightsName = 'appi-${token}'
var apimName = 'apim-${token}'
var frontDoorName = 'afd-${token}'
var frontDoorEndpointName = '${namePrefix}-${token}'
var deploymentContainerName = 'app-package'
var gatewayKeyNamedValue = 'tollgate-gateway-key'
var gatewayKeySecretName = 'tollgate-gateway-key'
var vnetName = 'vnet-${token}'
var backendUrlNamedValue = 'tollgate-backend-url'

// The tables tollgate uses: `${tablePrefix}${suffix}` for each suffix in
// shared/storage/table-names.ts (test/infra checks the two agree).
var tableSuffixes = [
  'Keys'
  'Policy'
  'Lifetimes'
  'Findings'
  'Limits'
  'Access'
  'Shadow'
  'Revocations'
  'Tenants'
]

// The tables the tollgate CLI writes: `policy push` and `policy shadow`, `revocations`,
// `tenants`, and `keys refresh` (Keys: a planted key is refused by the snapshot MAC). The operator
// only reads the others (`audit`, `access`), so a leaked operator sign-in cannot rewrite the
// access trail or the rate-limit counts.
var operatorWrites = [
  'Policy'
  'Shadow'
  'Revocations'
  'Tenants'
  'Keys'
]
var operatorTableRoles = [for suffix in tableSuffixes: contains(operatorWrites, suffix) ? roles.storageTableDataContributor : roles.storageTableDataReader]

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// With APIM in front, requests reach tollgate from APIM, not from Front Door's addresses: the
// service-tag restriction applies only when Front Door talks to tollgate directly.
var useFrontDoor = deployFrontDoor || !empty(frontDoorId)
var restrictToFrontDoor = useFrontDoor && !deployApim

var apimMethods = [
  'GET'
  'POST'
  'PUT'
  'PATCH'
  'DELETE'
  'HEAD'
  'OPTIONS'
]

// ---------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Ingestion only with an Entra token (the app's identity, Monitoring Metrics Publisher): the
    // instrumentation key in the connection string is then no credential.
    DisableLocalAuth: true
  }
}

// The telemetry workbook: denials by reason, added latency, signing-key health, audit findings.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = if (deployWorkbook) {
  name: guid(resourceGroup().id, namePrefix, 'tollgate-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'tollgate (${namePrefix})'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('workbook.json')
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: Table Storage for tollgate, blobs for the Functions host and the deployment package.
// Shared keys are off: everything signs in with Entra ID.
// ---------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowCrossTenantReplication: false
    // Without a virtual network, Flex Consumption reaches storage from addresses nobody can list:
    // the account must stay public (every call is still Entra-authenticated, no keys).
    publicNetworkAccess: vnetEnabled && empty(allowedIpAddresses) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: [for address in (vnetEnabled ? allowedIpAddresses : []): {
        value: address
        action: 'Allow'
      }]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for suffix in tableSuffixes: {
  parent: tableService
  name: '${tablePrefix}${suffix}'
}]

// ---------------------------------------------------------------------------------------------
// Key Vault (RBAC) for the assertion signing key
// ---------------------------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // A deleted vault (and its keys) can be recovered, never purged early, by anyone.
    enablePurgeProtection: true
    publicNetworkAccess: vnetEnabled && empty(allowedIpAddresses) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: [for address in (vnetEnabled ? allowedIpAddresses : []): {
        value: address
      }]
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Front Door (created before the app, whose settings and access restriction need its id)
// ---------------------------------------------------------------------------------------------

resource frontDoor 'Microsoft.Cdn/profiles@2024-02-01' = if (deployFrontDoor) {
  name: frontDoorName
  location: 'global'
  tags: tags
  sku: {
    name: frontDoorSku
  }
}

var frontDoorIdValue = deployFrontDoor ? frontDoor!.properties.frontDoorId : frontDoorId

// Only Front Door's addresses, and of those only requests carrying this profile's id.
var frontDoorAccessRestrictions = [
  {
    name: 'AzureFrontDoor'
    description: 'Only this Front Door profile reaches tollgate.'
    action: 'Allow'
    priority: 100
    tag: 'ServiceTag'
    ipAddress: 'AzureFrontDoor.Backend'
    headers: {
      'x-azure-fdid': [
        frontDoorIdValue
      ]
    }
  }
]

// A Key Vault reference, resolved by the platform with the app's identity. Only set once the
// secret exists: an unresolved reference would reach tollgate as text and stop it.
var assertionKeysReference = '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${assertionKeySecretName}/)'

// The gateway key lives in the vault and is written only when a value is passed, so a deployment
// without one leaves it (and APIM's copy) alone. Unversioned references follow the latest version.
resource gatewayKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (requireGatewayKey && !empty(gatewayKey)) {
  parent: vault
  name: gatewayKeySecretName
  properties: {
    value: gatewayKey
    contentType: 'X-Tollgate-Gateway-Key shared by APIM and tollgate'
  }
}

var gatewayKeyReference = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${gatewayKeySecretName})'

// ---------------------------------------------------------------------------------------------
// Private networking (vnetEnabled): the app's outbound traffic goes through the virtual network;
// storage and Key Vault answer on private endpoints resolved through private DNS zones.
// ---------------------------------------------------------------------------------------------

var privateEndpoints = [
  {
    name: 'blob'
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: 'table'
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    name: 'vault'
    groupId: 'vault'
    zone: 'privatelink.vaultcore.azure.net'
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = if (vnetEnabled) {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    subnets: [
      {
        // Flex Consumption integrates through a subnet delegated to Microsoft.App/environments.
        name: 'app'
        properties: {
          addressPrefix: '10.0.1.0/24'
          delegations: [
            {
              name: 'flex'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.0.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource privateDnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for endpoint in privateEndpoints: if (vnetEnabled) {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource privateDnsZoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in privateEndpoints: if (vnetEnabled) {
  parent: privateDnsZones[i]
  name: vnetName
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource privateEndpointResources 'Microsoft.Network/privateEndpoints@2024-05-01' = [for (endpoint, i) in privateEndpoints: if (vnetEnabled) {
  name: 'pe-${endpoint.name}-${token}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: '${vnet.id}/subnets/private-endpoints'
    }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.groupId == 'vault' ? vault.id : storage.id
          groupIds: [
            endpoint.groupId
          ]
        }
      }
    ]
  }
}]

resource privateDnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (endpoint, i) in privateEndpoints: if (vnetEnabled) {
  parent: privateEndpointResources[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.name
        properties: {
          privateDnsZoneId: privateDnsZones[i].id
        }
      }
    ]
  }
}]

// ---------------------------------------------------------------------------------------------
// The Function App
// ---------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, {
    'azd-service-name': 'tollgate'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ] : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
    virtualNetworkSubnetId: vnetEnabled ? '${vnet.id}/subnets/app' : null
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      ftpsState: 'Disabled'
      ipSecurityRestrictionsDefaultAction: restrictToFrontDoor ? 'Deny' : 'Allow'
      ipSecurityRestrictions: restrictToFrontDoor ? frontDoorAccessRestrictions : []
      // Deployments go through the SCM site; it keeps its own (open) rules.
      scmIpSecurityRestrictionsUseMain: false
      appSettings: [
        // The Functions host's own storage, through the managed identity (no keys).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        // Local authentication is off: the host and tollgate's exporter sign in with the app's
        // identity (Monitoring Metrics Publisher), which Authorization=AAD asks for.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: '${appInsights.properties.ConnectionString};Authorization=AAD'
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD'
        }
        // Node flags for the worker; why each: tools/loopback/functions-path/worker-node-arguments.ts.
        {
          name: 'languageWorkers__node__arguments'
          value: '--no-memory-reducer --max-http-header-size=32768'
        }
        {
          name: 'TOLLGATE_TENANTS'
          value: tenants
        }
        {
          name: 'TOLLGATE_AUDIENCES'
          value: audiences
        }
        {
          name: 'TOLLGATE_AUTHORITY'
          value: authority
        }
        {
          name: 'TOLLGATE_TOKEN_VERSIONS'
          value: tokenVersions
        }
        {
          name: 'TOLLGATE_ALGORITHMS'
          value: algorithms
        }
        {
          name: 'TOLLGATE_CLOCK_SKEW_SECONDS'
          value: clockSkewSeconds
        }
        {
          name: 'TOLLGATE_MAX_TOKEN_LIFETIME_SECONDS'
          value: maxTokenLifetimeSeconds
        }
        {
          name: 'TOLLGATE_MAX_TOKEN_BYTES'
          value: maxTokenBytes
        }
        {
          name: 'TOLLGATE_TOKEN_CACHE_SIZE'
          value: tokenCacheSize
        }
        {
          name: 'TOLLGATE_ACCESS_SUMMARIES'
          value: accessSummaries
        }
        {
          name: 'TOLLGATE_ACCESS_HASH_KEY'
          value: accessHashKey
        }
        {
          name: 'TOLLGATE_ACCESS_RETENTION_DAYS'
          value: accessRetentionDays
        }
        {
          name: 'TOLLGATE_ACCESS_REFUSALS_PER_MINUTE'
          value: accessRefusalsPerMinute
        }
        {
          name: 'TOLLGATE_CLIENT_APPS'
          value: clientApps
        }
        {
          name: 'TOLLGATE_PRINCIPAL_KIND'
          value: principalKind
        }
        // A table endpoint URL: tollgate signs in with the app's managed identity.
        {
          name: 'TOLLGATE_STORAGE'
          value: storage.properties.primaryEndpoints.table
        }
        // The app's own (system-assigned) identity, named outright: ManagedIdentityCredential.
        {
          name: 'TOLLGATE_MANAGED_IDENTITY'
          value: 'system'
        }
        {
          name: 'TOLLGATE_TABLE_PREFIX'
          value: tablePrefix
        }
        {
          name: 'TOLLGATE_STORAGE_TIMEOUT_MS'
          value: storageTimeoutMs
        }
        {
          name: 'TOLLGATE_KEYS_FETCH_TIMEOUT_MS'
          value: keysFetchTimeoutMs
        }
        {
          name: 'TOLLGATE_KEYS_REFRESH_SECONDS'
          value: keysRefreshSeconds
        }
        {
          name: 'TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS'
          value: keysRefetchCooldownSeconds
        }
        {
          name: 'TOLLGATE_KEYS_MAX_STALENESS_SECONDS'
          value: keysMaxStalenessSeconds
        }
        {
          name: 'TOLLGATE_KEYS_REMOVED_KEY_GRACE_SECONDS'
          value: keysRemovedKeyGraceSeconds
        }
        {
          name: 'TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS'
          value: keysSnapshotCheckSeconds
        }
        {
          name: 'TOLLGATE_TIMER_SCHEDULE'
          value: timerSchedule
        }
        {
          name: 'TOLLGATE_AUDIT_MAX_LIFETIME_SECONDS'
          value: auditMaxLifetimeSeconds
        }
        {
          name: 'TOLLGATE_AUDIT_MAX_CAE_LIFETIME_SECONDS'
          value: auditMaxCaeLifetimeSeconds
        }
        {
          name: 'TOLLGATE_AUDIT_MIN_LIFETIME_SECONDS'
          value: auditMinLifetimeSeconds
        }
        {
          name: 'TOLLGATE_AUDIT_GRAPH'
          value: auditGraph
        }
        {
          name: 'TOLLGATE_AUDIT_GRAPH_URL'
          value: auditGraphUrl
        }
        {
          name: 'TOLLGATE_AUDIT_API_APP_ID'
          value: auditApiAppId
        }
        {
          name: 'TOLLGATE_AUDIT_ENFORCE'
          value: auditEnforce
        }
        {
          name: 'TOLLGATE_BACKEND_URL'
          value: backendUrl
        }
        {
          name: 'TOLLGATE_POLICY_REFRESH_SECONDS'
          value: policyRefreshSeconds
        }
        {
          name: 'TOLLGATE_MAX_BODY_BYTES'
          value: maxBodyBytes
        }
        {
          name: 'TOLLGATE_MCP_MAX_BODY_BYTES'
          value: mcpMaxBodyBytes
        }
        {
          name: 'TOLLGATE_BACKEND_CONNECT_TIMEOUT_MS'
          value: backendConnectTimeoutMs
        }
        {
          name: 'TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS'
          value: backendFirstByteTimeoutMs
        }
        {
          name: 'TOLLGATE_BACKEND_TIMEOUT_MS'
          value: backendTimeoutMs
        }
        {
          name: 'TOLLGATE_RATELIMIT_HEADERS'
          value: ratelimitHeaders
        }
        {
          name: 'TOLLGATE_ASSERTION_KEYS'
          value: empty(assertionKeySecretName) ? '' : assertionKeysReference
        }
        {
          name: 'TOLLGATE_EASY_AUTH_HEADERS'
          value: easyAuthHeaders
        }
        {
          name: 'TOLLGATE_ASSERTION_ISSUER'
          value: assertionIssuer
        }
        {
          name: 'TOLLGATE_ASSERTION_LIFETIME_SECONDS'
          value: assertionLifetimeSeconds
        }
        {
          name: 'TOLLGATE_TELEMETRY_TRACES_PER_SECOND'
          value: telemetryTracesPerSecond
        }
        {
          name: 'TOLLGATE_TELEMETRY_SAMPLING_RATIO'
          value: telemetrySamplingRatio
        }
        {
          name: 'TOLLGATE_TELEMETRY_INCLUDE_OBJECT_ID'
          value: telemetryIncludeObjectId
        }
        {
          name: 'TOLLGATE_REVOCATIONS_REFRESH_SECONDS'
          value: revocationsRefreshSeconds
        }
        {
          name: 'TOLLGATE_TENANTS_TABLE'
          value: tenantsTable
        }
        {
          name: 'TOLLGATE_TENANTS_REFRESH_SECONDS'
          value: tenantsRefreshSeconds
        }
        {
          name: 'TOLLGATE_GROUPS_GRAPH'
          value: groupsGraph
        }
        {
          name: 'TOLLGATE_GROUPS_CACHE_SECONDS'
          value: groupsCacheSeconds
        }
        {
          name: 'TOLLGATE_GROUPS_ON_ERROR'
          value: groupsOnError
        }
        {
          name: 'TOLLGATE_SIGNIN_SESSIONS_CHECK'
          value: signinSessionsCheck
        }
        {
          name: 'TOLLGATE_SIGNIN_SESSIONS_CACHE_SECONDS'
          value: signinSessionsCacheSeconds
        }
        {
          name: 'TOLLGATE_SIGNIN_SESSIONS_ON_ERROR'
          value: signinSessionsOnError
        }
        {
          name: 'TOLLGATE_GRAPH_URL'
          value: graphUrl
        }
        {
          name: 'TOLLGATE_GRAPH_TIMEOUT_MS'
          value: graphTimeoutMs
        }
        {
          name: 'TOLLGATE_DEBUG_TRACE'
          value: debugTrace
        }
        {
          name: 'TOLLGATE_FRONT_DOOR_ID'
          value: useFrontDoor ? frontDoorIdValue : ''
        }
        {
          name: 'TOLLGATE_GATEWAY_KEY'
          value: requireGatewayKey ? gatewayKeyReference : ''
        }
        {
          name: 'TOLLGATE_TRUSTED_PROXIES'
          value: trustedProxies
        }
      ]
    }
  }
  // The Flex deployment container must exist when the app is created; nothing above names it.
  dependsOn: [
    deploymentContainer
  ]
}

// Publishing signs in with Entra ID (azd, Core Tools and az all do): no FTP or SCM passwords.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments. Names are built from ids known when the deployment starts.
// ---------------------------------------------------------------------------------------------

// The Functions host keeps its state and the Flex deployment package in blobs.
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// tollgate's tables, each on its own: a table data role on the account would reach every table
// in it, today's and any added later (and the host's are blobs, granted above).
resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for i in range(0, length(tableSuffixes)): {
  name: guid(tables[i].id, functionApp.id, roles.storageTableDataContributor)
  scope: tables[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}]

// Key Vault references resolve with the app's identity.
resource appKeyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry ingestion with Entra ID, local authentication being off.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The operator: write where the CLI writes, read elsewhere (operatorWrites above), table by table.
resource operatorTableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for i in range(0, length(tableSuffixes)): if (!empty(operatorPrincipalId)) {
  name: guid(tables[i].id, operatorPrincipalId, operatorTableRoles[i])
  scope: tables[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', operatorTableRoles[i])
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}]

resource operatorKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

// ---------------------------------------------------------------------------------------------
// API Management: an API whose backend is tollgate, every method on every path, with the
// inbound policy from apim/policy.xml (forwards the caller's Authorization, sets the gateway key).
// ---------------------------------------------------------------------------------------------

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = if (deployApim) {
  name: apimName
  location: location
  tags: tags
  sku: {
    name: apimSku
    capacity: apimSku == 'Consumption' ? 0 : 1
  }
  // Reads the gateway key from Key Vault (Key Vault Secrets User on the vault).
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publisherEmail: apimPublisherEmail
    publisherName: apimPublisherName
  }
}

resource apimKeyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployApim) {
  name: guid(vault.id, apimName, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: apim!.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// A Key Vault named value: APIM follows the secret's latest version (it checks every four hours).
resource apimGatewayKey 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = if (deployApim) {
  parent: apim
  name: gatewayKeyNamedValue
  properties: {
    displayName: gatewayKeyNamedValue
    secret: true
    keyVault: {
      secretIdentifier: '${vault.properties.vaultUri}secrets/${gatewayKeySecretName}'
    }
  }
  dependsOn: [
    apimKeyVaultSecretsUser
    gatewayKeySecret
  ]
}

resource apimBackendUrl 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = if (deployApim) {
  parent: apim
  name: backendUrlNamedValue
  properties: {
    displayName: backendUrlNamedValue
    secret: false
    value: 'https://${functionApp.properties.defaultHostName}'
  }
}

resource apimApi 'Microsoft.ApiManagement/service/apis@2024-05-01' = if (deployApim) {
  parent: apim
  name: 'tollgate'
  properties: {
    displayName: 'tollgate'
    path: apimApiPath
    protocols: [
      'https'
    ]
    serviceUrl: 'https://${functionApp.properties.defaultHostName}'
    // tollgate authorizes every call; an APIM subscription key would be a second, weaker gate.
    subscriptionRequired: false
  }
}

resource apimOperations 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [for method in apimMethods: if (deployApim) {
  parent: apimApi
  name: toLower('${method}-all')
  properties: {
    displayName: '${method} /*'
    method: method
    urlTemplate: '/*'
  }
}]

// With Front Door in front of APIM, APIM lets through only requests carrying this Front Door's id
// (X-Azure-FDID, which Front Door sets and overwrites): APIM's own address is public.
var frontDoorCheckMarker = '<!-- tollgate:front-door-check (main.bicep puts apim/front-door-check.xml here when Front Door is in front) -->'
var frontDoorCheckXml = replace(loadTextContent('apim/front-door-check.xml'), '{front-door-id}', frontDoorIdValue)
var apimPolicyXml = useFrontDoor ? replace(loadTextContent('apim/policy.xml'), frontDoorCheckMarker, frontDoorCheckXml) : loadTextContent('apim/policy.xml')

resource apimPolicy 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = if (deployApim) {
  parent: apimApi
  name: 'policy'
  properties: {
    format: 'xml'
    value: apimPolicyXml
  }
  // The policy names these values in {{…}}: they must exist before it is saved.
  dependsOn: [
    apimGatewayKey
    apimBackendUrl
  ]
}

// ---------------------------------------------------------------------------------------------
// Front Door: endpoint, origin group, origin (tollgate, or APIM when both are deployed), route.
// ---------------------------------------------------------------------------------------------

var frontDoorOriginHost = deployApim ? replace(apim!.properties.gatewayUrl, 'https://', '') : functionApp.properties.defaultHostName

resource frontDoorEndpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoor
  name: frontDoorEndpointName
  location: 'global'
  tags: tags
  properties: {
    enabledState: 'Enabled'
  }
}

resource frontDoorOriginGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoor
  name: 'tollgate'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    // tollgate answers its health route before any authorization or bypass check.
    healthProbeSettings: {
      probePath: deployApim ? '/${apimApiPath}/.tollgate/health' : '/.tollgate/health'
      // HEAD: the probe needs the status only, and tollgate's health route answers HEAD.
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 100
    }
  }
}

resource frontDoorOrigin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoorOriginGroup
  name: 'tollgate'
  properties: {
    hostName: frontDoorOriginHost
    originHostHeader: frontDoorOriginHost
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enabledState: 'Enabled'
    enforceCertificateNameCheck: true
  }
}

// The Functions host pairs the request it proxies to the worker with the invocation by
// x-ms-invocation-id and adds its own with TryAdd, so a caller's copy would win: Front Door
// deletes it on every request (APIM's policy does too, when APIM is in front).
resource frontDoorRuleSet 'Microsoft.Cdn/profiles/ruleSets@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoor
  name: 'tollgate'
}

resource frontDoorStripInvocationId 'Microsoft.Cdn/profiles/ruleSets/rules@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoorRuleSet
  name: 'StripInvocationId'
  properties: {
    order: 1
    conditions: []
    actions: [
      {
        name: 'ModifyRequestHeader'
        parameters: {
          typeName: 'DeliveryRuleHeaderActionParameters'
          headerAction: 'Delete'
          headerName: 'x-ms-invocation-id'
        }
      }
    ]
    matchProcessingBehavior: 'Continue'
  }
}

resource frontDoorRoute 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = if (deployFrontDoor) {
  parent: frontDoorEndpoint
  name: 'tollgate'
  properties: {
    originGroup: {
      id: frontDoorOriginGroup.id
    }
    originPath: deployApim ? '/${apimApiPath}' : null
    supportedProtocols: [
      'Http'
      'Https'
    ]
    patternsToMatch: [
      '/*'
    ]
    forwardingProtocol: 'HttpsOnly'
    linkToDefaultDomain: 'Enabled'
    httpsRedirect: 'Enabled'
    ruleSets: [
      {
        id: frontDoorRuleSet.id
      }
    ]
    // No cacheConfiguration: authorization decisions are never cached at the edge.
  }
  // A route whose origin group has no origin yet is refused; its rule set goes in with its rule.
  dependsOn: [
    frontDoorOrigin
    frontDoorStripInvocationId
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output storageAccountName string = storage.name
output tableEndpoint string = storage.properties.primaryEndpoints.table
output keyVaultName string = vault.name
output applicationInsightsName string = appInsights.name
output apimGatewayUrl string = deployApim ? '${apim!.properties.gatewayUrl}/${apimApiPath}' : ''
output frontDoorUrl string = deployFrontDoor ? 'https://${frontDoorEndpoint!.properties.hostName}' : ''
output frontDoorId string = frontDoorIdValue
output publicUrl string = deployFrontDoor ? 'https://${frontDoorEndpoint!.properties.hostName}' : (deployApim ? '${apim!.properties.gatewayUrl}/${apimApiPath}' : 'https://${functionApp.properties.defaultHostName}')
