// The Azure Bot registration and its Microsoft Teams channel. Teams delivers the bot's traffic to
// the endpoint, and Bot Framework tokens are issued to the managed identity.

param name string
param displayName string
param sku string
param endpoint string
param identityId string
param identityClientId string
param tenantId string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    // The bot is the user-assigned managed identity: single tenant by nature (the identity lives in
    // the council's tenant, which is what a bot holding child-protection details should serve), and
    // no client secret exists to leak or expire. ALLOWED_TENANT_IDS refuses other tenants as well.
    msaAppType: 'UserAssignedMSI'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityId
    msaAppTenantId: tenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

output name string = bot.name
