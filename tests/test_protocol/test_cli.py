"""The `python -m protocol` contract, run as other tools run it: a subprocess, JSON out."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import PROFILES

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "protocol", *args], input=stdin, capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("name", PROFILES)
def test_check_each_shipped_profile(name):
    result = cli("check", name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{name}: ok")


def test_check_a_broken_profile_file(tmp_path):
    text = (ROOT / "protocol/profiles/walsall.yaml").read_text().replace("agency: sarc", "agency: sarcc")
    path = tmp_path / "walsall-edited.yaml"
    path.write_text(text)
    result = cli("check", str(path))
    assert result.returncode == 2
    assert "invitees.5.agency: unknown value 'sarcc'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", PROFILES)
def test_assess_from_a_file_prints_the_documented_json(name, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"received_at": "2026-11-23T10:00:00+00:00", "concerns": ["serious_neglect"],
                                 "in_education": True, "child_age_years": 9, "referrer_agency": "school"}))
    result = cli("assess", "--profile", name, "--facts", str(facts))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"profile", "deadline", "deadline_rule", "format", "invitees", "quorum", "clocks"} <= out.keys()
    assert out["profile"] == name
    assert set(out["deadline_rule"]) == {"rule", "text", "source"}
    assert all(set(i) == {"agency", "required", "reason", "source"} for i in out["invitees"])
    assert out["format"] in ("meeting", "any")
    assert all(("due" in c) or ("rule" in c) for c in out["clocks"])


def test_assess_reads_stdin():
    result = cli("assess", "--profile", "walsall", "--facts", "-",
                 stdin='{"received_at": "2026-11-23T10:00:00+00:00", "concerns": ["organised_abuse"]}')
    assert json.loads(result.stdout)["deadline"] == "2026-11-24T17:00:00+00:00"


@pytest.mark.parametrize(
    "facts, message",
    [
        ('{"received_at": "2026-11-23T10:00:00+00:00", "concern": ["fgm"]}', "concern: unknown key"),
        ('{"received_at": "2026-11-23T10:00:00+00:00", "concerns": ["fgm", "bruising"]}', "concerns.1: unknown value 'bruising'"),
        ('{"received_at": "2026-11-23T10:00:00"}', "received_at: Input should have timezone info"),
        ('{"concerns": []}', "received_at: Field required"),
        ('{"received_at": "2026-11-23T10:00:00+00:00", "looked_after": "maybe"}', "looked_after: Input should be a valid boolean"),
        ("[1, 2]", "expected one JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_facts_exit_2_naming_the_problem(facts, message):
    result = cli("assess", "--profile", "hackney", "--facts", "-", stdin=facts)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_unknown_profile_exits_2():
    result = cli("assess", "--profile", "york", "--facts", "-", stdin='{"received_at": "2026-11-23T10:00:00+00:00"}')
    assert result.returncode == 2
    assert "unknown profile 'york'" in result.stderr


def test_the_documented_output_names_the_profile_receipt_hours_convener_and_matched_rules():
    """README, "Protocol contract", Output: `profile`, `received_at` (local time), `out_of_hours`, `convened_by`, `matched_rules`."""
    from .helpers import run

    out = run("walsall", received_at="2026-11-23T14:00:00-05:00", concerns=["organised_abuse"]).to_json()  # 19:00 in London
    assert out["profile"] == "walsall"
    assert out["received_at"] == "2026-11-23T19:00:00+00:00"
    assert out["out_of_hours"] is True
    assert out["convened_by"] == "day team"  # due by Tuesday's close: a working day to run, so met in hours
    assert out["matched_rules"] == ["organised_abuse_or_allegation_against_staff"]
    tonight = run("walsall", received_at="2026-11-23T14:00:00-05:00", concerns=["serious_neglect"]).to_json()
    assert tonight["convened_by"] == "Emergency Duty Team" and tonight["deadline"] == "2026-11-23T23:59:00+00:00"
