// strategy-bot in one resource group of a council's Azure subscription: the bot's managed identity,
// its Azure Bot registration with the Teams channel, the app on Azure Container Apps, PostgreSQL,
// Key Vault, and Log Analytics.
//
//   az deployment group create -g RG -n strategy-bot -f infra/main.bicep \
//     -p infra/main.parameters.json -p postgresAdminPassword=... linkSecret=...
//
// infra/README.md has the steps around it: the image, Graph permissions, the Teams package.
// Nothing here has been compiled or deployed yet: see "What has been checked" there.
targetScope = 'resourceGroup'

@description('Lowercase name the resources are named after: letters, digits and hyphens, starting with a letter.')
@minLength(3)
@maxLength(20)
param namePrefix string = 'strategy-bot'

@description('Region for everything except the Azure Bot, which is global.')
param location string = resourceGroup().location

@description('The image to run, e.g. ghcr.io/example-council/strategy-bot:1.0.0. It must exist before the first deployment.')
param image string

@description('A private registry the identity pulls from (e.g. example.azurecr.io, with AcrPull granted to the identity). Empty for a public image.')
param registryServer string = ''

@description('ALLOWED_TENANT_IDS: the Entra tenants whose Teams traffic the bot accepts, comma-separated. Normally only the council.')
param allowedTenantIds string

@description('GRAPH_ORGANISER: the mailbox (UPN) that organises the meetings and sends the emails.')
param graphOrganiser string

@description('CHAIRS_GROUP_ID: the security group whose members may convene discussions.')
param chairsGroupId string

@description('PROTOCOL_PROFILE: the partnership rules the bot follows.')
@allowed([
  'hackney'
  'bristol'
  'triborough'
  'walsall'
  'darlington'
])
param protocolProfile string = 'hackney'

@description('Azure Bot tier. Teams is a standard channel, free on both; F0 has no SLA.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@description('The bot name shown in the Azure portal (Teams shows the name in the app package).')
param botDisplayName string = 'Strategy discussions'

@description('Replicas that always run. See modules/containerapp.bicep for why two.')
@minValue(1)
param minReplicas int = 2

@description('Most replicas. Each one may hold 20 database connections: raise the database tier before raising this.')
@minValue(1)
param maxReplicas int = 2

@description('PostgreSQL administrator login; the app connects as this user.')
param postgresAdminLogin string = 'strategybot'

@description('PostgreSQL administrator password. Give it on the command line, never in a file.')
@secure()
@minLength(12)
param postgresAdminPassword string

@description('LINK_SECRET: signs the links in chase emails (e.g. openssl rand -hex 32). Changing it breaks links already sent.')
@secure()
@minLength(32)
param linkSecret string

@description('PostgreSQL compute. Burstable B1ms suits one council, but allows only 35 user connections: see modules/containerapp.bicep. Standard_B2s allows 414.')
param postgresSkuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

param postgresStorageGB int = 32

@description('Days of point-in-time restore.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 14

@description('Days Log Analytics keeps logs and telemetry.')
param logRetentionDays int = 30

// Globally unique names (PostgreSQL host, Key Vault, Azure Bot) get a suffix stable for this resource group.
var suffix = uniqueString(resourceGroup().id)
var databaseName = 'strategy_bot'

// The app's one identity. It is the bot (MICROSOFT_APP_TYPE=UserAssignedMSI: no client secret to
// store, leak or rotate), it reads the Key Vault secrets, and it calls Microsoft Graph.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id'
  location: location
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    namePrefix: namePrefix
    location: location
    retentionInDays: logRetentionDays
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: '${namePrefix}-pg-${suffix}'
    location: location
    adminLogin: postgresAdminLogin
    adminPassword: postgresAdminPassword
    databaseName: databaseName
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageGB
    backupRetentionDays: postgresBackupRetentionDays
  }
}

// The password is percent-encoded, so any character is safe in the URL. The query is `ssl=require`,
// not libpq's `sslmode=require`: SQLAlchemy hands the query to asyncpg.connect, which has no sslmode
// argument. `require` encrypts without checking the server certificate, as sslmode=require does.
var databaseUrl = 'postgresql://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.outputs.fqdn}:5432/${databaseName}?ssl=require'

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${suffix}'
    location: location
    readerPrincipalId: identity.properties.principalId
    linkSecret: linkSecret
    databaseUrl: databaseUrl
  }
}

module app 'modules/containerapp.bicep' = {
  name: 'containerapp'
  params: {
    name: namePrefix
    location: location
    logAnalyticsWorkspaceName: monitoring.outputs.workspaceName
    identityId: identity.id
    identityClientId: identity.properties.clientId
    tenantId: identity.properties.tenantId
    image: image
    registryServer: registryServer
    // Taking these outputs also makes the app wait for the module's role assignment, so the
    // identity may read the secrets before Container Apps first fetches them.
    databaseUrlSecretUri: keyVault.outputs.databaseUrlSecretUri
    linkSecretUri: keyVault.outputs.linkSecretUri
    allowedTenantIds: allowedTenantIds
    graphOrganiser: graphOrganiser
    chairsGroupId: chairsGroupId
    protocolProfile: protocolProfile
    minReplicas: minReplicas
    maxReplicas: maxReplicas
  }
}

var messagingEndpoint = 'https://${app.outputs.fqdn}/api/messages'

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: '${namePrefix}-${suffix}'
    displayName: botDisplayName
    sku: botSku
    endpoint: messagingEndpoint
    identityId: identity.id
    identityClientId: identity.properties.clientId
    tenantId: identity.properties.tenantId
  }
}

output appFqdn string = app.outputs.fqdn
output messagingEndpoint string = messagingEndpoint
output identityClientId string = identity.properties.clientId
@description('The object id of the identity service principal: the one Graph permissions are granted to.')
output identityPrincipalId string = identity.properties.principalId
output tenantId string = identity.properties.tenantId
output botName string = bot.outputs.name
output keyVaultName string = keyVault.outputs.name
