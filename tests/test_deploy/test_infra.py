"""The Bicep templates against the app they deploy, without Azure or a Bicep compiler.

Checks what a compiler would not: that every variable the Container App sets is one the app
reads, that the probes hit routes the app serves, that DATABASE_URL's query is one asyncpg
accepts; and what a compiler would, cheaply: every parameter has a value, every module gets the
parameters it needs, every module output used exists, brackets balance.
"""
from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
sys.path.insert(0, str(REPO))  # for `pytest infra/test_infra.py`; harmless from tests/

MAIN = (INFRA / "main.bicep").read_text()
CONTAINER_APP = (INFRA / "modules" / "containerapp.bicep").read_text()

# Read by a library rather than by settings.py.
READ_BY_LIBRARIES = {"AZURE_CLIENT_ID": "azure-identity's ManagedIdentityCredential picks the identity by it"}


def params(bicep: str) -> dict[str, dict]:
    """name -> {"default": bool, "secure": bool} for each `param` (its decorators on the lines above)."""
    found, decorators = {}, []
    for line in bicep.splitlines():
        if line.startswith("@"):
            decorators.append(line)
        elif match := re.match(r"param (\w+) \w+( = .+)?$", line):
            found[match[1]] = {"default": bool(match[2]), "secure": "@secure()" in decorators}
            decorators = []
        elif line.strip() and not line.startswith(("  ", ")", "]")):
            decorators = []
    return found


def modules(bicep: str) -> dict[str, tuple[Path, set[str]]]:
    """symbol -> (module file, names given in its params block); relies on two-space indentation."""
    found = {}
    for match in re.finditer(r"^module (\w+) '([^']+)' = \{\n(.*?)^\}", bicep, re.M | re.S):
        block = re.search(r"^  params: \{\n(.*?)^  \}", match[3], re.M | re.S)
        given = set(re.findall(r"^    (\w+):", block[1], re.M)) if block else set()
        found[match[1]] = (INFRA / match[2], given)
    return found


def env_names() -> list[str]:
    return re.findall(r"name: '([A-Z][A-Z0-9_]*)'", CONTAINER_APP)


def names_settings_reads() -> set[str]:
    from settings import Settings

    names = set()
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if alias is None:
            names.add(field_name.upper())
        else:
            names.update(choice.upper() for choice in alias.choices)
    return names


def mentioned_in_app_code(name: str) -> bool:
    """A literal mention in the app's own code or Dockerfile (os.environ, a shell ${NAME}, ...)."""
    files = [REPO / "Dockerfile", *REPO.glob("*.py"), *(p for d in ("bot", "storage", "scheduling", "protocol", "cards")
                                                       for p in (REPO / d).rglob("*.py"))]
    return any(name in path.read_text(errors="ignore") for path in files if path.is_file())


def test_the_app_reads_every_variable_the_container_app_sets():
    known = names_settings_reads()
    unread = [name for name in env_names() if name not in known and name not in READ_BY_LIBRARIES and not mentioned_in_app_code(name)]
    assert not unread, f"the Container App sets variables the app never reads: {unread}"


def test_every_secret_reference_names_a_secret():
    secrets = set(re.findall(r"name: '([a-z][a-z0-9-]*)'\n\s+keyVaultUrl:", CONTAINER_APP))
    refs = set(re.findall(r"secretRef: '([^']+)'", CONTAINER_APP))
    assert refs and refs <= secrets, refs - secrets


def test_probes_and_the_messaging_endpoint_are_routes_the_app_serves():
    app_py = (REPO / "app.py").read_text()
    paths = set(re.findall(r"path: '(/[^']*)'", CONTAINER_APP)) | set(re.findall(r"}(/api/[a-z/]+)'", MAIN))
    assert {"/livez", "/readyz", "/api/messages"} <= paths
    missing = [path for path in sorted(paths) if f'"{path}"' not in app_py]
    assert not missing, f"app.py serves no {missing}"


def test_the_port_is_the_one_the_app_listens_on():
    from settings import Settings

    port = int(re.search(r"^var port = (\d+)$", CONTAINER_APP, re.M)[1])
    assert port == Settings.model_fields["port"].default == 3978
    assert "targetPort: port" in CONTAINER_APP and "value: string(port)" in CONTAINER_APP


def test_the_database_url_is_one_the_app_and_asyncpg_accept():
    import asyncpg

    from storage.urls import normalise_database_url

    template = re.search(r"^var databaseUrl = '(.+)'$", MAIN, re.M)[1]
    example = re.sub(r"\$\{[^}]*\}", "x", template.replace("${uriComponent(postgresAdminPassword)}", "p%40ss"))
    url = normalise_database_url(example)
    assert url.drivername == "postgresql+asyncpg" and url.password == "p@ss"
    # SQLAlchemy passes the query to asyncpg.connect as keyword arguments: `sslmode` would be a TypeError there.
    assert set(url.query) <= set(inspect.signature(asyncpg.connect).parameters), url.query


def test_every_parameter_has_a_value_and_no_secret_is_in_the_file():
    declared = params(MAIN)
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert set(given) <= set(declared), set(given) - set(declared)
    secure = {name for name, p in declared.items() if p["secure"]}
    assert secure == {"postgresAdminPassword", "linkSecret"}  # given on the command line (README)
    assert not secure & set(given), "secrets belong on the command line, not in the parameters file"
    missing = [name for name, p in declared.items() if not p["default"] and name not in given and name not in secure]
    assert not missing, f"no value for {missing}"


def test_every_module_gets_the_parameters_it_needs_and_no_others():
    found = modules(MAIN)
    assert set(found) == {"monitoring", "postgres", "keyVault", "app", "bot"}
    for symbol, (path, given) in found.items():
        declared = params(path.read_text())
        assert given <= set(declared), f"{symbol}: {path.name} has no param {given - set(declared)}"
        needed = {name for name, p in declared.items() if not p["default"]}
        assert needed <= given, f"{symbol}: {path.name} needs {needed - given}"


def test_every_module_output_used_exists():
    found = modules(MAIN)
    for symbol, output in re.findall(r"\b(\w+)\.outputs\.(\w+)", MAIN):
        path = found[symbol][0]
        assert re.search(rf"^output {output} ", path.read_text(), re.M), f"{path.name} has no output {output}"


@pytest.mark.parametrize("path", sorted(INFRA.rglob("*.bicep")), ids=lambda p: p.name)
def test_brackets_and_strings_balance(path):
    """Comments skipped; strings closed on their line; ${...} inside strings balanced."""
    stack: list[tuple[str, int]] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        i, in_string = 0, False
        while i < len(line):
            c = line[i]
            if in_string:
                if c == "\\":
                    i += 1
                elif c == "'":
                    in_string = False
                elif line.startswith("${", i):
                    stack.append(("${", number)); in_string = False; i += 1
            elif line.startswith("//", i):
                break
            elif c == "'":
                in_string = True
            elif c in "([{":
                stack.append((c, number))
            elif c in ")]}":
                assert stack, f"line {number}: unmatched {c}"
                opened, _ = stack.pop()
                if opened == "${":
                    assert c == "}", f"line {number}: ${{ closed by {c}"
                    in_string = True
                else:
                    assert opened == pairs[c], f"line {number}: {opened} closed by {c}"
            i += 1
        assert not in_string, f"line {number}: unterminated string"
    assert not stack, f"unclosed {stack}"
