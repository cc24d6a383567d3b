"""Fill the manifest template from the settings and write appPackage.zip (manifest + icons).

A template string "${{NAME}}" is replaced by NAME's value; a string that is nothing but one
placeholder may stand for a list (the command lists, the valid domains)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from bot.messages import COMMANDS

from .icons import colour_icon, outline_icon

TEMPLATE = Path(__file__).resolve().parent / "manifest.template.json"
PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
SCOPES = ("personal", "team", "groupChat")
# Slash commands arrive as targeted messages, which Teams has only in channels and group chats.
SLASH_SCOPES = ("team", "groupChat")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
NO_APP_ID = "00000000-0000-0000-0000-000000000000"  # local mode: the schema wants a GUID


def command_lists() -> list[dict]:
    """The commands the bot implements (bot/messages.py), for every scope; Teams allows 10 a list.
    In channels and group chats they are also offered as / commands."""
    commands = [{"title": name, "description": summary[:128]} for name, summary in COMMANDS][:10]
    return [{"scopes": [scope], **({"triggers": ["mention", "slash"]} if scope in SLASH_SCOPES else {}), "commands": commands}
            for scope in SCOPES]


def public_host(settings) -> str:
    return urlparse(settings.base_url).hostname or "localhost"


def local_package(settings) -> bool:
    """A package for the Playground or a developer's machine: no app id, or a local address."""
    return settings.local_mode or public_host(settings) in LOCAL_HOSTS


def manifest(settings) -> dict:
    host = public_host(settings)
    values = {
        "APP_VERSION": settings.app_version, "TEAMS_APP_ID": settings.teams_app_id, "BOT_ID": settings.app_id or NO_APP_ID,
        "DEVELOPER_NAME": settings.developer_name, "DEVELOPER_WEBSITE_URL": settings.developer_website_url,
        "PRIVACY_URL": settings.privacy_url, "TERMS_URL": settings.terms_url, "PUBLIC_HOST": host, "BASE_URL": settings.base_url.rstrip("/"),
        "COMMAND_LISTS": command_lists(), "VALID_DOMAINS": [] if local_package(settings) else [host],
    }
    return _filled(json.loads(TEMPLATE.read_text(encoding="utf-8")), values)


def _filled(node, values: dict):
    if isinstance(node, dict):
        return {key: _filled(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(value, values) for value in node]
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole and not isinstance(values[whole.group(1)], str):
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
    return node


def build(settings, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(settings), indent=2))
        package.writestr("color.png", colour_icon())
        package.writestr("outline.png", outline_icon())
    return destination
