// PostgreSQL Flexible Server and the app's database. The app migrates the schema itself as it starts.

param name string
param location string
param adminLogin string

@secure()
param adminPassword string

param databaseName string
param skuName string
param skuTier string
param storageSizeGB int
param backupRetentionDays int

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '15'
    administratorLogin: adminLogin
    administratorLoginPassword: adminPassword
    // Password authentication, with the whole DATABASE_URL kept in Key Vault. Microsoft Entra
    // authentication is the alternative (no password at all: the managed identity signs in with a
    // token), but tokens expire after about an hour, so asyncpg would need a connect hook that
    // fetches a fresh token for every new connection, and the app has no such hook.
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      // Only choosable when the server is created. uksouth pairs with ukwest, so a geo-redundant
      // copy would stay in the UK: enable it here if the council's backup policy asks for two regions.
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// Refuse unencrypted connections. New servers start this way; setting it keeps it so.
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

// Container Apps on the Consumption plan has no fixed outbound address, so the server admits
// connections from inside Azure (the special 0.0.0.0 rule). That includes other Azure customers'
// resources, which still need the password and TLS. The hardened layout, for a second iteration:
// the Container Apps environment in a virtual network and the server with private access only.
// Changes to one server go one at a time (the server refuses a second while one runs), hence dependsOn.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    requireTls
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    allowAzure
  ]
}

output fqdn string = server.properties.fullyQualifiedDomainName
output name string = server.name
output databaseName string = database.name
