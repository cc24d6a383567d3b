"""Fill the manifest template from the settings and write appPackage.zip (manifest + icons)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from bot.messages import COMMANDS

from .icons import colour_icon, outline_icon

TEMPLATE = Path(__file__).resolve().parent / "manifest.template.json"
SCOPES = ("personal", "team", "groupChat")


def command_lists() -> list[dict]:
    """The commands the bot implements (bot/messages.py), for every scope; Teams allows 10 a list."""
    commands = [{"title": name, "description": summary[:128]} for name, summary in COMMANDS][:10]
    return [{"scopes": [scope], "commands": commands} for scope in SCOPES]


def manifest(settings) -> dict:
    values = {
        "APP_VERSION": settings.app_version, "TEAMS_APP_ID": settings.teams_app_id,
        "BOT_ID": settings.app_id or "00000000-0000-0000-0000-000000000000",
        "DEVELOPER_NAME": settings.developer_name, "DEVELOPER_WEBSITE_URL": settings.developer_website_url,
        "PRIVACY_URL": settings.privacy_url, "TERMS_URL": settings.terms_url,
        "BOT_DOMAIN": urlparse(settings.base_url).hostname or "localhost",
    }
    text = TEMPLATE.read_text()
    text = text.replace('"${{COMMAND_LISTS}}"', json.dumps(command_lists()))
    text = re.sub(r"\$\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], text)
    return json.loads(text)


def build(settings, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(settings), indent=2))
        package.writestr("color.png", colour_icon())
        package.writestr("outline.png", outline_icon())
    return destination
