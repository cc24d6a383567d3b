// Key Vault for the app's two secrets, DATABASE_URL and LINK_SECRET, readable by the app's identity
// only. The Container App refers to them; it never holds their values in its configuration.

param name string
param location string

@description('Object id of the identity that reads the secrets.')
param readerPrincipalId string

@secure()
param linkSecret string

@secure()
param databaseUrl string

// Key Vault Secrets User: read secret values and nothing else. A built-in role, same id in every tenant.
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC rather than access policies: who may read is a role assignment, granted and
    // audited like every other permission in the subscription.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Nobody can purge a deleted secret (or the vault) before the 90 days are up. This cannot be
    // turned off again, and a deleted vault's name stays taken for those 90 days.
    enablePurgeProtection: true
  }
}

resource linkSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'link-secret'
  properties: {
    value: linkSecret
  }
}

resource databaseUrlEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: databaseUrl
  }
}

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    // Saying what the principal is spares a failure while a brand-new identity replicates.
    principalType: 'ServicePrincipal'
  }
}

// Versionless URIs: a replica started after a secret changes gets the current value.
output linkSecretUri string = linkSecretEntry.properties.secretUri
output databaseUrlSecretUri string = databaseUrlEntry.properties.secretUri
output name string = vault.name
