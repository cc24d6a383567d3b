"""`make package`: the app package validates offline against Microsoft's own manifest schema, and
carries what a council's tenant needs to grant resource-specific consent (RSC)."""
import json
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from bot.handler import StrategyBot
from bot.messages import COMMANDS
from manifest.build import manifest as build_manifest
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "tests/e2e"
VERSION = "1.30"  # the newest Teams schema @microsoft/app-manifest (tests/e2e/package.json) ships offline
SCHEMA = E2E / f"node_modules/@microsoft/app-manifest/build/json-schemas/teams/v{VERSION}/MicrosoftTeams.schema.json"
APP_ID = "8f1c1a50-3a3b-4d1e-9a51-0d2c4e9b7a10"
HOST = "strategy-bot.council.example.org"
RSC = {"ChannelMessage.Read.Group", "ChatMessage.Read.Chat"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("package") / "appPackage.zip"
    env = {"PATH": "/usr/bin:/bin", "MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x",
           "PUBLIC_BASE_URL": f"https://{HOST}", "DATA_DIR": str(out.parent)}
    result = subprocess.run([sys.executable, "-m", "manifest", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(out)


@pytest.fixture(scope="module")
def manifest(package) -> dict:
    return json.loads(package.read("manifest.json"))


def local_manifest(tmp_path, **settings) -> dict:
    return build_manifest(make_settings(tmp_path, **settings))


def test_the_manifest_validates_against_the_official_schema(manifest):
    assert SCHEMA.exists(), "run `make test` (npm ci in tests/e2e installs @microsoft/app-manifest)"
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8-sig"))).validate(manifest)
    assert manifest["manifestVersion"] == VERSION  # Draft 4 ignores `const`: check it ourselves
    assert manifest["$schema"] == f"https://developer.microsoft.com/json-schemas/teams/v{VERSION}/MicrosoftTeams.schema.json"
    assert manifest["bots"][0]["botId"] == APP_ID
    assert "${{" not in json.dumps(manifest)
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000


def test_microsofts_own_validator_accepts_it_offline(manifest):
    assert (E2E / "node_modules/fs-extra").exists(), "run `make test` (npm ci in tests/e2e)"
    result = subprocess.run(["node", str(E2E / "validate-manifest.js")], input=json.dumps(manifest), capture_output=True,
                            text=True, cwd=E2E, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"].endswith(f"/teams/v{VERSION}/MicrosoftTeams.schema.json")
    assert report["errors"] == []


def test_the_validator_does_find_problems(manifest):
    broken = json.loads(json.dumps(manifest))
    broken["manifestVersion"] = "1.29"
    broken["webApplicationInfo"]["id"] = "not-a-guid"
    result = subprocess.run(["node", str(E2E / "validate-manifest.js")], input=json.dumps(broken), capture_output=True,
                            text=True, cwd=E2E, timeout=60)
    assert result.returncode == 0, result.stderr
    errors = json.loads(result.stdout)["errors"]
    assert any(e.startswith("/manifestVersion ") for e in errors) and any(e.startswith("/webApplicationInfo/id ") for e in errors)


def test_resource_specific_consent_has_the_web_application_info_microsoft_requires(manifest):
    # RSC docs: manifest 1.12+ needs webApplicationInfo (the bot's Entra app id and a resource); the schema does not say so.
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://{HOST}/{APP_ID}"}
    assert {p["name"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]} == RSC
    assert {p["type"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]} == {"Application"}


def test_the_description_says_how_the_channel_messages_it_reads_are_used(manifest):
    full = manifest["description"]["full"]
    assert "thread" in full  # only the replies in a discussion's thread
    assert "A2 done" in full and "update" in full  # the reports it records
    assert "ignores every other message" in full
    assert "stores nothing else from channel or chat messages" in full


@pytest.mark.parametrize(("settings", "expected"), [
    ({"app_id": APP_ID, "app_password": "x", "public_base_url": f"https://{HOST}"}, [HOST]),
    ({"app_id": APP_ID, "app_password": "x", "public_base_url": f"https://{HOST}:8443/bot"}, [HOST]),
    ({"app_id": "", "public_base_url": f"https://{HOST}"}, []),  # no app id: local mode
    ({"app_id": APP_ID, "app_password": "x", "public_base_url": "http://localhost:3978"}, []),
    ({"app_id": APP_ID, "app_password": "x", "public_base_url": "http://127.0.0.1:3978"}, []),
    ({"app_id": APP_ID, "app_password": "x", "public_base_url": ""}, []),  # links then point at http://127.0.0.1:3978
], ids=["public", "public-with-port-and-path", "no-app-id", "localhost", "loopback", "no-public-url"])
def test_valid_domains_name_the_public_host_only_outside_local_mode(tmp_path, settings, expected):
    assert local_manifest(tmp_path, **settings)["validDomains"] == expected


def test_a_local_package_still_validates(tmp_path):
    local = local_manifest(tmp_path)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8-sig"))).validate(local)
    assert local["validDomains"] == []
    assert local["webApplicationInfo"] == {"id": local["bots"][0]["botId"], "resource": f"api://127.0.0.1/{local['bots'][0]['botId']}"}


def test_icons_have_the_sizes_and_transparency_teams_requires(package):
    colour = Image.open(BytesIO(package.read("color.png")))
    outline = Image.open(BytesIO(package.read("outline.png"))).convert("RGBA")
    assert colour.size == (192, 192) and outline.size == (32, 32)
    alphas = {a for *_, a in outline.getdata()}
    assert 0 in alphas and 255 in alphas  # a transparent background with an opaque mark
    assert {(r, g, b) for r, g, b, a in outline.getdata() if a == 255} == {(255, 255, 255)}  # white only
    white = sum(1 for pixel in colour.convert("RGB").getdata() if pixel == (255, 255, 255)) / (192 * 192)
    assert 0.15 < white < 0.6  # a drawn mark on the accent colour, not a flat square


def test_every_command_the_bot_implements_is_listed_and_vice_versa(manifest):
    lists = manifest["bots"][0]["commandLists"]
    assert {scope for command_list in lists for scope in command_list["scopes"]} == {"personal", "team", "groupChat"}
    implemented = set(StrategyBot.COMMANDS) - {"?"}
    for command_list in lists:
        assert {c["title"] for c in command_list["commands"]} == implemented == {name for name, _ in COMMANDS}


def test_channels_and_group_chats_also_offer_the_commands_after_a_slash(manifest):
    bot = manifest["bots"][0]
    assert bot["supportsTargetedMessages"] is True  # slash commands arrive as targeted messages
    triggers = {scope: command_list.get("triggers", ["mention"]) for command_list in bot["commandLists"]
                for scope in command_list["scopes"]}
    # Targeted messages exist only in shared conversations; a personal chat keeps the plain list.
    assert triggers == {"personal": ["mention"], "team": ["mention", "slash"], "groupChat": ["mention", "slash"]}


def test_the_oversight_tab_is_a_personal_tab_and_a_channel_tab_on_the_public_address(manifest):
    [oversight, chat] = manifest["staticTabs"]
    assert oversight["contentUrl"] == f"https://{HOST}/tab" and oversight["scopes"] == ["personal"]
    assert chat == {"entityId": "conversations", "scopes": ["personal"]}  # the chat with the bot stays beside the tab
    [channel] = manifest["configurableTabs"]
    assert channel["configurationUrl"] == f"https://{HOST}/tab/config" and channel["scopes"] == ["team"]
