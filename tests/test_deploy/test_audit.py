"""The dependency audit CI runs (.ci/audit.py): a known vulnerability with a fixed version fails the
build; one with no fix yet is printed every time and does not."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("audit", Path(__file__).resolve().parents[2] / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_a_vulnerability_with_a_fix_fails_the_build_and_names_the_upgrade():
    code, lines = audit.verdict([{"name": "msrest", "version": "0.7.1", "vulns": [
        {"id": "PYSEC-2099-1", "fix_versions": ["0.7.2"], "aliases": ["CVE-2099-1"]}]}, {"name": "aiohttp", "version": "3.14.5", "vulns": []}])
    assert code == 1
    assert lines == ["audit: 2 pinned packages, 1 known vulnerabilities, 1 with a fixed version",
                     "  msrest 0.7.1: PYSEC-2099-1 CVE-2099-1 -> fixed in 0.7.2: upgrade the pin"]


def test_a_vulnerability_without_a_fix_is_shown_and_does_not_fail():
    code, lines = audit.verdict([{"name": "botbuilder-core", "version": "4.17.1", "vulns": [
        {"id": "GHSA-xxxx", "fix_versions": [], "aliases": []}]}])
    assert code == 0 and lines[1] == "  botbuilder-core 4.17.1: GHSA-xxxx  -> no fix released"


def test_a_clean_set_passes():
    assert audit.verdict([{"name": "aiohttp", "version": "3.14.5", "vulns": []}]) == (
        0, ["audit: 1 pinned packages, 0 known vulnerabilities, 0 with a fixed version"])
