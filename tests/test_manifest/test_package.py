"""`make package`: the app package validates offline against Microsoft's own manifest schema."""
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

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests/e2e/node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("package") / "appPackage.zip"
    env = {"PATH": "/usr/bin:/bin", "MICROSOFT_APP_ID": "8f1c1a50-3a3b-4d1e-9a51-0d2c4e9b7a10", "MICROSOFT_APP_PASSWORD": "x",
           "PUBLIC_BASE_URL": "https://strategy-bot.council.example.org", "DATA_DIR": str(out.parent)}
    result = subprocess.run([sys.executable, "-m", "manifest", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(out)


def test_the_manifest_validates_against_the_official_schema(package):
    assert SCHEMA.exists(), "run `make test` (npm ci in tests/e2e installs @microsoft/app-manifest)"
    manifest = json.loads(package.read("manifest.json"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8-sig"))).validate(manifest)
    assert manifest["manifestVersion"] == "1.25"  # Draft 4 ignores `const`: check it ourselves
    assert manifest["bots"][0]["botId"] == "8f1c1a50-3a3b-4d1e-9a51-0d2c4e9b7a10"
    assert manifest["validDomains"] == ["strategy-bot.council.example.org"]
    assert "${{" not in json.dumps(manifest)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert {p["name"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]} == {
        "ChannelMessage.Read.Group", "ChatMessage.Read.Chat"}


def test_icons_have_the_sizes_and_transparency_teams_requires(package):
    colour = Image.open(BytesIO(package.read("color.png")))
    outline = Image.open(BytesIO(package.read("outline.png"))).convert("RGBA")
    assert colour.size == (192, 192) and outline.size == (32, 32)
    alphas = {a for *_, a in outline.getdata()}
    assert 0 in alphas and 255 in alphas  # a transparent background with an opaque mark
    assert {(r, g, b) for r, g, b, a in outline.getdata() if a == 255} == {(255, 255, 255)}  # white only
    white = sum(1 for pixel in colour.convert("RGB").getdata() if pixel == (255, 255, 255)) / (192 * 192)
    assert 0.15 < white < 0.6  # a drawn mark on the accent colour, not a flat square


def test_every_command_the_bot_implements_is_listed_and_vice_versa(package):
    manifest = json.loads(package.read("manifest.json"))
    lists = manifest["bots"][0]["commandLists"]
    assert {scope for command_list in lists for scope in command_list["scopes"]} == {"personal", "team", "groupChat"}
    listed = {c["title"] for c in lists[0]["commands"]}
    implemented = set(StrategyBot.COMMANDS) - {"?"}
    assert listed == implemented == {name for name, _ in COMMANDS}
