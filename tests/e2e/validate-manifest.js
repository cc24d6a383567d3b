// Validates a Teams app manifest with Microsoft's own @microsoft/app-manifest, offline: the schema its
// $schema names must be one the package ships (no download). Input: the manifest JSON on stdin.
// Output: one JSON line {"schema": <local file>, "errors": [...]}; exit 0 when it ran, 2 when it could not.
const fs = require("fs");
const path = require("path");
const { AppManifestUtils } = require("@microsoft/app-manifest");

async function main() {
  const manifest = JSON.parse(fs.readFileSync(0, "utf8"));
  const suffix = AppManifestUtils.getLocalSchemaSuffix(manifest.$schema || "");
  // Where the package itself looks first: its own build/ folder (the other places it tries are the
  // working directory and node's own folder, which must not stand in for it).
  const schema = suffix && AppManifestUtils.getLocalSchemaCandidates(suffix)[0];
  if (!schema || !fs.existsSync(schema)) {
    console.error(`no offline schema for $schema ${JSON.stringify(manifest.$schema)} in @microsoft/app-manifest`);
    process.exit(2);
  }
  const errors = await AppManifestUtils.validateAgainstSchema(manifest);  // loads the same local file
  console.log(JSON.stringify({ schema: path.relative(__dirname, schema), errors }));
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(2); });
