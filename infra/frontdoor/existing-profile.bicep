// tollgate as an origin of a Front Door (Standard/Premium) profile you already have: an origin
// group with tollgate as its origin, and a route on one of the profile's endpoints. Deploy it to
// the profile's resource group, then give tollgate the profile's id (output frontDoorId) as the
// frontDoorId parameter of infra/main.bicep: that sets TOLLGATE_FRONT_DOOR_ID and restricts the
// app to the AzureFrontDoor.Backend service tag with that X-Azure-FDID.
//
//   az deployment group create -g <front-door-rg> -f infra/frontdoor/existing-profile.bicep \
//     -p profileName=<profile> endpointName=<endpoint> tollgateHostName=<app>.azurewebsites.net

@description('Name of the existing Front Door profile.')
param profileName string

@description('Name of the existing endpoint on that profile to route through tollgate.')
param endpointName string

@description('Host name of the tollgate Function App (output functionAppUrl of infra/main.bicep, without https://).')
param tollgateHostName string

@description('Paths on the endpoint that go to tollgate.')
param patternsToMatch array = [
  '/*'
]

@description('Name of the origin group, origin, rule set and route this adds (letters and digits: a rule set name allows nothing else).')
param name string = 'tollgate'

resource profile 'Microsoft.Cdn/profiles@2024-02-01' existing = {
  name: profileName
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' existing = {
  parent: profile
  name: endpointName
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: name
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    // tollgate answers its health route before any authorization or bypass check.
    healthProbeSettings: {
      probePath: '/.tollgate/health'
      probeRequestType: 'GET'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 100
    }
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: originGroup
  name: name
  properties: {
    hostName: tollgateHostName
    originHostHeader: tollgateHostName
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
resource ruleSet 'Microsoft.Cdn/profiles/ruleSets@2024-02-01' = {
  parent: profile
  name: name
}

resource stripInvocationId 'Microsoft.Cdn/profiles/ruleSets/rules@2024-02-01' = {
  parent: ruleSet
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

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: name
  properties: {
    originGroup: {
      id: originGroup.id
    }
    supportedProtocols: [
      'Http'
      'Https'
    ]
    patternsToMatch: patternsToMatch
    forwardingProtocol: 'HttpsOnly'
    linkToDefaultDomain: 'Enabled'
    httpsRedirect: 'Enabled'
    ruleSets: [
      {
        id: ruleSet.id
      }
    ]
    // No cacheConfiguration: authorization decisions are never cached at the edge.
  }
  // A route whose origin group has no origin yet is refused; its rule set goes in with its rule.
  dependsOn: [
    origin
    stripInvocationId
  ]
}

@description('The X-Azure-FDID value: pass it to infra/main.bicep as frontDoorId.')
output frontDoorId string = profile.properties.frontDoorId

output endpointHostName string = endpoint.properties.hostName
