// Log Analytics, where Container Apps sends the app's stdout (JSON lines, LOG_FORMAT=json; table
// ContainerAppConsoleLogs_CL): one place to query, one retention period to agree with the council's
// information governance. No Application Insights: the image has no OpenTelemetry exporter to feed it.

param namePrefix string
param location string
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

output workspaceName string = workspace.name
