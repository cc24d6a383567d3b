// The app on Azure Container Apps: a Consumption environment logging to Log Analytics, and one
// container app serving Teams (/api/messages) and the emailed links on port 3978.

param name string
param location string
param logAnalyticsWorkspaceName string
param identityId string
param identityClientId string
param tenantId string
param image string
param registryServer string
param databaseUrlSecretUri string
param linkSecretUri string
param allowedTenantIds string
param graphOrganiser string
param chairsGroupId string
param protocolProfile string
param minReplicas int
param maxReplicas int

var port = 3978

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
  }
}

// An app's address is its name under the environment's domain. PUBLIC_BASE_URL needs it before
// the app exists, so it is worked out here rather than read back from the app.
var fqdn = '${name}.${managedEnvironment.properties.defaultDomain}'

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: managedEnvironment.id
    configuration: {
      // A new image makes a new revision; traffic moves to it once its replicas are ready.
      activeRevisionsMode: 'Single'
      ingress: {
        // Public: the Bot Framework (for Teams) and email recipients reach it from the internet.
        // HTTPS only; every request to /api/messages must carry a valid Bot Framework token.
        external: true
        targetPort: port
        transport: 'auto'
        allowInsecure: false
      }
      registries: empty(registryServer) ? [] : [
        {
          server: registryServer
          identity: identityId
        }
      ]
      // References, not values: Container Apps reads these from Key Vault with the identity.
      secrets: [
        {
          name: 'database-url'
          keyVaultUrl: databaseUrlSecretUri
          identity: identityId
        }
        {
          name: 'link-secret'
          keyVaultUrl: linkSecretUri
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'strategy-bot'
          image: image
          // One vCPU for the two worker processes (WEB_CONCURRENCY); 2 GiB is the size that goes with it.
          resources: {
            cpu: 1
            memory: '2Gi'
          }
          env: [
            // Listen on every interface (the ingress cannot reach the default, 127.0.0.1). The image
            // sets HOST, PORT, WEB_CONCURRENCY and LOG_FORMAT too; they are repeated so that this file
            // alone says how the app runs.
            {
              name: 'HOST'
              value: '0.0.0.0'
            }
            {
              name: 'PORT'
              value: string(port)
            }
            {
              name: 'PUBLIC_BASE_URL'
              value: 'https://${fqdn}'
            }
            {
              name: 'DATABASE_URL'
              secretRef: 'database-url'
            }
            {
              name: 'LINK_SECRET'
              secretRef: 'link-secret'
            }
            // Bot Framework: the bot is the managed identity, in the council's tenant.
            {
              name: 'MICROSOFT_APP_TYPE'
              value: 'UserAssignedMSI'
            }
            {
              name: 'MICROSOFT_APP_ID'
              value: identityClientId
            }
            {
              name: 'MICROSOFT_APP_TENANT_ID'
              value: tenantId
            }
            {
              name: 'ALLOWED_TENANT_IDS'
              value: allowedTenantIds
            }
            // Microsoft Graph as the same identity: the app hands GRAPH_CLIENT_ID to ManagedIdentityCredential;
            // AZURE_CLIENT_ID names the same identity to any azure-identity credential that looks for it.
            {
              name: 'GRAPH_CREDENTIAL'
              value: 'managed_identity'
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'GRAPH_TENANT_ID'
              value: tenantId
            }
            {
              name: 'GRAPH_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'GRAPH_ORGANISER'
              value: graphOrganiser
            }
            {
              name: 'CHAIRS_GROUP_ID'
              value: chairsGroupId
            }
            {
              name: 'PROTOCOL_PROFILE'
              value: protocolProfile
            }
            {
              name: 'WEB_CONCURRENCY'
              value: '2'
            }
            {
              name: 'LOG_FORMAT'
              value: 'json'
            }
          ]
          probes: [
            // Each replica migrates the schema before it listens (under a lock, so one may wait for
            // another): give it up to 160 s before liveness counts.
            {
              type: 'Startup'
              httpGet: {
                path: '/livez'
                port: port
              }
              initialDelaySeconds: 10
              periodSeconds: 15
              failureThreshold: 10
            }
            // The process answers at all: restart it if not.
            {
              type: 'Liveness'
              httpGet: {
                path: '/livez'
                port: port
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
            // The database answers and the schema is current: send it traffic only then.
            {
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: port
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
        }
      ]
      // At least two replicas, never zero: Teams gives the bot 10 to 15 seconds to answer, so a
      // restart, a platform move or a new revision must never leave nobody answering, and the
      // chasers run inside the app, so a scaled-to-zero app would chase nobody. Several replicas
      // share one database safely (card actions apply once; chases and effects are claimed with
      // FOR UPDATE SKIP LOCKED). The ceiling is the database: each worker process pools up to 10
      // connections (5 kept, 5 more under load), so 20 a replica, 40 for two, and twice that for a
      // moment while a new revision replaces the old. B1ms takes 35 user connections; a council's
      // load should stay well below the pools' limits, but Standard_B2s (414) removes the question.
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
      }
      // Longer than gunicorn's GRACEFUL_TIMEOUT (30 s in the image), so a replica being stopped can
      // finish its turns in flight and deliver the effects under way before it is killed.
      terminationGracePeriodSeconds: 40
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
output name string = app.name
