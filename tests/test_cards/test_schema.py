"""Every card the bot builds, rendered from sample data and validated by Microsoft's Adaptive Cards
library as schema 1.5: unknown elements, duplicate or missing input ids and bad properties fail."""
import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from cards import discussion as discussion_cards
from cards import wizard as cards
from protocol import Facts, assess, load_profile
from protocol.profile import DisagreementRules
from scheduling.calendar import calendar_for

E2E = Path(__file__).resolve().parents[1] / "e2e"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def sample_draft() -> dict:
    profile = load_profile("hackney")
    facts = Facts(received_at=NOW, concerns=["serious_physical_injury", "child_on_child"], in_education=True,
                  medical_implications=True, referrer_agency="school")
    assessment = assess(profile, facts, calendar_for(profile)).to_json()
    invitees = [{**i, "name": "A Person" if i["agency"] != "referrer" else "", "email": "" if i["agency"] == "referrer" else "a@x.org",
                 "role": "role", "aad_object_id": None, "invite": True, "quorum": i["agency"] in assessment["quorum"],
                 "removal_reason": ""} for i in assessment["invitees"]]
    return {"step": "confirm", "assessment": assessment, "invitees": invitees,
            "child": {"case_reference": "CR-1", "initials": "AB", "dob": "2016-05-04", "unborn": False, "education_setting": "X",
                      "not_in_education": False, "looked_after": False, "in_hospital": False, "inpatient": False,
                      "other_children": [{"initials": "CD", "dob": "2018-01-01"}]},
            "concern": {"concerns": ["serious_physical_injury"], "received_date": "2026-11-23", "received_time": "10:00"},
            "slots": [{"start": "2026-11-23T14:00:00+00:00", "end": "2026-11-23T15:00:00+00:00", "suits_paediatrician": False}],
            "slot": {"start": "2026-11-23T14:00:00+00:00", "end": "2026-11-23T15:00:00+00:00"},
            "errors": {"case_reference": "Enter the case reference.", "slot": "Choose a time.", "email_0": "bad"},
            "meeting_error": "Microsoft Graph answered 503"}


def sample_discussion():
    invitation = SimpleNamespace(id="inv-1", agency="police", name="DS A", email="a@x.org", rsvp="declined", delegate_name="",
                                 information_route="by email", apologies="sorry", delegate_email="", reason="required")
    return SimpleNamespace(id="d-1", version=1, case_reference="CR-1", child_initials="AB", deadline=NOW, meeting_start=NOW,
                           meeting_join_url="https://teams.example/join", invitations=[invitation], linked_discussion_id=None, chair_user_id="29:chair",
                           facts={"concerns": ["child_on_child"]})


def record_cards_for(discussion) -> dict:
    from bot import recording
    from cards import record as record_cards

    record = {"attendance": [{"invitation_id": "i", "agency": "police", "name": "DS A", "email": "a@x.org", "attendance": "",
                              "route": "", "researched": True}],
              "decisions": [{"child": "AB", "kind": "s47_joint", "reasoning": "because"}],
              "actions": [{"number": 1, "child": "AB", "what": "x", "agency": "police", "owner": "DS A", "email": "",
                           "due": "2026-11-25T17:00:00+00:00"}],
              "distribution": "GP", "errors": {"_card": "problem", "household": "missing"}}
    built = {}
    for step in recording.STEPS:
        built[f"record-{step}"] = record_cards.step_card(
            discussion=discussion, record={**record, "step": step}, steps=recording.STEPS, text_fields=recording.TEXT_FIELDS,
            decisions=recording.DECISIONS, attendance_words=recording.ATTENDANCE, children=["AB", "CD"],
            agencies=[("police", "Police")], not_quorate_text="not quorate", quorate=False,
            disagreement=DisagreementRules(policy="FAST (Finding a Solution Together)", link="https://example.org/fast", source="walsall FAST"))
    built["record-summary"] = record_cards.summary_card(discussion, quorate=False, not_quorate_text="not quorate", action_count=1)
    action = SimpleNamespace(id="a-1", number=1, child_initials="AB", description="x", owner_name="DS A", owner_agency="police",
                             due_at=NOW, agreed_due_at=NOW - timedelta(days=2), status="will_complete_by")
    built["action"] = record_cards.action_card(discussion, action, mention="<at>DS A</at>", now=NOW)
    owed = [SimpleNamespace(id=f"o-{n}", kind=kind, subject_id="d-1", state=state, due_at=NOW, rule_source="hackney 9.1", met_at=NOW)
            for n, (kind, state) in enumerate((("icpc", "open"), ("assessment", "breached"), ("lado_notification", "satisfied")))]
    built["clocks"] = record_cards.clocks_card(discussion, owed=owed, now=NOW, problem={"met_on": "x", "clock": "y"}, note="ok")
    return built


def every_card() -> dict:
    draft = sample_draft()
    discussion = sample_discussion()
    return {**record_cards_for(discussion),
        "child": cards.child_card({**draft, "step": "child"}, "d-1"),
        "concern": cards.concern_card({**draft, "step": "concern"}, "d-1", now=NOW),
        "invitees": cards.invitees_card({**draft, "step": "invitees"}, "d-1", now=NOW, missing_quorum=["police"]),
        "when": cards.when_card({**draft, "step": "when"}, "d-1", now=NOW),
        "confirm": cards.confirm_card(draft, "d-1", now=NOW, provider_sends=False, missing_quorum=["health"]),
        "message": cards.message_card("Title", "Text"),
        "base": discussion_cards.base_card(discussion_id="d-1", case_reference="CR-1", initials="AB", status_line="s",
                                           viewers=["29:1"]),
        "chair": discussion_cards.chair_card(discussion, now=NOW, quorum=["social_care", "police", "health"], provider_sends=True,
                                             next_contacts={"police": "DI B"}),
        "rsvp": discussion_cards.rsvp_card(discussion, discussion.invitations[0], now=NOW, problem={"_card": "x"}),
    }


@pytest.fixture(scope="module")
def validation() -> str:
    assert (E2E / "node_modules" / "adaptivecards").exists(), "run `make test` (npm ci in tests/e2e)"
    result = subprocess.run(["node", str(E2E / "validate-cards.js")], input=json.dumps(every_card()), capture_output=True,
                            text=True, cwd=E2E, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_card_is_valid_adaptive_card_1_5(validation):
    *problems, summary = validation.strip().splitlines()
    assert problems == []
    assert json.loads(summary) == {"checked": len(every_card()), "failed": 0}


@pytest.mark.parametrize("name", sorted(every_card()))
def test_cards_stay_small_and_every_execute_has_a_submit_fallback(name):
    card = every_card()[name]
    assert card["version"] == "1.5"
    assert len(json.dumps(card)) < 28_000  # Teams refuses messages near 100 KB; keep a wide margin
    actions = [a for a in card.get("actions", []) if a["type"] == "Action.Execute"]
    assert all(a["fallback"]["type"] == "Action.Submit" and a["fallback"]["data"]["verb"] == a["verb"] for a in actions)


def test_the_validator_does_catch_a_broken_card():
    broken = {"broken": {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Input.Text", "id": "a"},
                                                                           {"type": "Input.Text", "id": "a"}]}}
    result = subprocess.run(["node", str(E2E / "validate-cards.js")], input=json.dumps(broken), capture_output=True, text=True,
                            cwd=E2E, timeout=60)
    assert 'Duplicate Id "a"' in result.stdout


def _blocks(element):
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from _blocks(value)
    elif isinstance(element, list):
        for item in element:
            yield from _blocks(item)


@pytest.mark.parametrize("name", sorted(every_card()))
def test_no_text_is_pale_yellow_on_white(name):
    """A "Warning" colour is unreadable in Teams' light theme: notices are dark text on a tinted band."""
    assert not [b for b in _blocks(every_card()[name]) if b.get("type") == "TextBlock" and b.get("color") == "Warning"]


def test_the_local_mode_line_on_the_confirm_card_is_a_readable_notice():
    confirm = every_card()["confirm"]
    [band] = [b for b in _blocks(confirm) if b.get("type") == "Container" and "Local mode" in json.dumps(b)]
    assert band["style"] == "warning" and band["items"][0].get("color") is None
