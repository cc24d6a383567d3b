"""The Teams app package: manifest (from manifest.template.json and the settings), icons, zip."""
