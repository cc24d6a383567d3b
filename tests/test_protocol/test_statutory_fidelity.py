"""Issue 14, item by item: what a procedures audit found in the profiles, each expected value read
from the seed or Working Together as quoted in PROTOCOL.md, never from the engine."""
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from protocol import Facts, Outcome, ProfileError, clocks_owed, parse_profile
from protocol.loading import PROFILE_DIR, load_baseline

from .helpers import PROFILES, profile, run

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"


def invitees(name: str, **facts) -> dict:
    return {i.agency: i for i in run(name, **facts).invitees}


def clock_names(name: str, **facts) -> dict:
    return {c["clock"]: c for c in run(name, **facts).to_json()["clocks"]}


# 1. A national baseline under every profile ---------------------------------------------------
@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_keeps_the_statutory_assessment_and_conference_clocks(name):
    clocks = clock_names(name)
    # Working Together: 45 working days from the referral (Mon 23 Nov 2026 -> Thu 28 Jan 2027, over Christmas).
    assert clocks["assessment"]["due"] == "2027-01-28T17:00:00+00:00"
    assert clocks["icpc"]["rule"] == "within 15 working days of the discussion"
    assert clocks["icpc"]["applies_when"] == "the discussion decides to start section 47 enquiries"


def test_hackney_has_the_assessment_clock_from_the_baseline_with_its_source():
    assessment = clock_names("hackney")["assessment"]
    assert assessment["source"].startswith("Working Together 2023")


def test_a_profile_may_tighten_a_national_clock_but_never_loosen_it():
    raw = yaml.safe_load((PROFILE_DIR / "darlington.yaml").read_text())
    tighter = {**raw, "clocks": [{"clock": "assessment", "starts": "referral", "within": {"working_days": 40},
                                  "text": "sooner locally", "source": "darlington strategy discussion"}]}
    assert [c.within.working_days for c in parse_profile(tighter).clocks if c.clock == "assessment"] == [40]
    looser = {**raw, "clocks": [{"clock": "assessment", "starts": "referral", "within": {"working_days": 50},
                                 "text": "later locally", "source": "darlington strategy discussion"}]}
    with pytest.raises(ProfileError, match="assessment may only be tightened"):
        parse_profile(looser)


def test_distribution_in_ten_working_days_is_bristols_rule_alone():
    held = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    facts = Facts(received_at="2026-11-23T10:00:00+00:00")
    for name in PROFILES:
        loaded = profile(name)
        from scheduling.calendar import calendar_for

        owed = {c.clock: c.due for c in clocks_owed(loaded, facts, Outcome(held_at=held), calendar_for(loaded))}
        if name == "bristol":
            assert owed["record_distribution"].isoformat() == "2026-12-08T17:00:00+00:00"  # 10 working days
        else:  # as soon as practicable, or not stated: owed without a fixed end, or not at all, never 10 days
            assert owed.get("record_distribution") is None


def test_the_contract_and_the_bot_name_the_same_clocks_for_the_same_facts_and_decisions(tmp_path):
    """`python -m protocol assess --outcome` for the case tests/test_bot/test_record.py finalises
    through the bot (which checks that its obligations are these, by running the same command)."""
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"received_at": "2027-05-28T10:00:00+01:00", "concerns": ["physical_abuse"]}))
    outcome = tmp_path / "outcome.json"
    outcome.write_text(json.dumps({"held_at": "2027-05-28T14:00:00+01:00", "s47_started": True, "not_researched": ["police"]}))
    result = subprocess.run([sys.executable, "-m", "protocol", "assess", "--profile", "hackney", "--facts", str(facts),
                             "--outcome", str(outcome)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    owed = {c["clock"]: c["due"] for c in json.loads(result.stdout)["owed"]}
    assert owed == {"information_updates": "2027-06-01T17:00:00+01:00", "record_distribution": None,
                    "icpc": "2027-06-21T17:00:00+01:00", "s47_review": "2027-06-21T17:00:00+01:00",
                    "assessment": "2027-08-02T17:00:00+01:00"}


# 2. tri-borough: the fostering service of a looked-after child ---------------------------------
def test_triborough_invites_the_fostering_service_of_a_looked_after_child():
    assert invitees("triborough", looked_after=True)["fostering_service"].source == "triborough 8"


# 3. hackney: the school by age and setting ---------------------------------------------------
def test_hackney_a_ten_year_old_gets_the_school_without_the_education_flag():
    school = invitees("hackney", child_age_years=10)["education_dsl"]
    assert school.required and school.source == "hackney 6.1"


def test_hackney_a_ten_year_old_said_not_to_be_in_education_has_no_school_to_invite():
    """hackney 6.1: "where of school age, the child's school or college". A child the chair says is not in
    education has none; a procedures trial found the chair had to untick it, with a reason, every time."""
    assert "education_dsl" not in invitees("hackney", child_age_years=10, in_education=False)
    assert invitees("hackney", child_age_years=10, in_education=True)["education_dsl"].required


def test_hackney_a_three_year_old_at_nursery_is_not_a_required_school_invitee():
    nursery = invitees("hackney", child_age_years=3, in_education=True)["education_dsl"]
    assert nursery.required is False and "nursery" in nursery.reason


def test_hackney_in_education_with_no_age_still_gets_the_school():
    assert invitees("hackney", in_education=True)["education_dsl"].required


# 3a. a school-age sibling's school (a procedures expert: the rules read the first child's facts only)
@pytest.mark.parametrize("name, required, source", [
    ("hackney", True, "hackney 6.1"),  # "the child's school or college": required where a child is of school age
    ("walsall", True, "walsall Accountabilities (who attends)"),  # "must be invited when the child is in ... school"
    ("bristol", False, "bristol attendees (additional)"), ("triborough", False, "triborough 9"),
    ("darlington", False, "darlington strategy discussion")])
def test_a_school_age_sibling_brings_their_school_as_the_child_would(name, required, source):
    baby_and_sibling = invitees(name, child_age_years=1, other_children_ages=[8.5])["education_dsl"]
    assert baby_and_sibling.required is required and baby_and_sibling.source == source
    assert "another child the discussion is about is of school age" in baby_and_sibling.reason
    assert invitees(name, child_age_years=1, other_children_ages=[2, 5.0])["education_dsl"].required is required  # 5 that day
    for ages in ([], [4.99], [16.0], [2, 17.5]):  # compulsory school age is 5 to under 16
        assert "education_dsl" not in invitees(name, child_age_years=1, other_children_ages=ages)


def test_the_other_childrens_ages_are_strictly_children():
    for ages in ([-1], [18], ["8"], [True]):
        with pytest.raises(ValidationError):
            run("hackney", other_children_ages=ages)


# 4. in-patient care is hospital care ----------------------------------------------------------
@pytest.mark.parametrize("name, source", [("hackney", "hackney 6.3"), ("triborough", "triborough 11"),
                                          ("walsall", "walsall Inpatients in Hospital")])
def test_an_inpatient_gets_the_consultant_even_without_the_hospital_flag(name, source):
    assert invitees(name, inpatient=True)["hospital_consultant"].source == source


# 5. the record's decisions include legal action, and what the seeds ask for ---------------------
@pytest.mark.parametrize("name, also", [("hackney", set()), ("bristol", set()), ("triborough", {"interpreter", "others_affected"}),
                                        ("walsall", {"interpreter", "others_affected"}), ("darlington", {"interpreter"})])
def test_the_record_requires_whether_legal_action_is_needed(name, also):
    required = set(profile(name).record.required)
    assert {"legal_action", *also} <= required


# 6. bristol -------------------------------------------------------------------------------------
def test_bristol_immediate_protective_action_is_same_day():
    assessment = run("bristol", immediate_protective_action=True)
    assert assessment.deadline_rule.rule == "immediate_protective_action"
    assert assessment.deadline.isoformat() == "2026-11-23T17:00:00+00:00"


def test_bristol_informs_the_lado_and_does_not_invite_them():
    assert "lado" not in invitees("bristol", concerns=["allegation_against_staff"])
    lado = clock_names("bristol", concerns=["allegation_against_staff"])["lado_notification"]
    assert "inform the Local Authority Designated Officer" in lado["text"] and lado["source"] == "bristol tasks (decisions)"


def test_bristol_distribution_says_the_education_welfare_service_gets_a_copy():
    assert "Education Welfare Service" in clock_names("bristol")["record_distribution"]["text"]


# 7. out-of-hours health -------------------------------------------------------------------------
EVENING = "2026-11-23T19:00:00+00:00"


def test_out_of_hours_health_is_modelled_in_bristol_walsall_and_hackney():
    tonight = ["serious_physical_injury"]  # same day: received in the evening, the EDT meets tonight
    assert invitees("bristol", received_at=EVENING, concerns=tonight)["paediatrician"].source == "bristol out of hours"
    assert "paediatrician" not in invitees("bristol")
    walsall = invitees("walsall", received_at=EVENING, concerns=tonight)["paediatrician"]
    assert walsall.required and "telephone operator" in walsall.reason
    hackney = invitees("hackney", received_at=EVENING, concerns=["sexual_abuse", *tonight])["csa_paediatrician"]
    assert "switchboard" in hackney.reason and "hackney appendix 1" in hackney.source


def test_an_evening_referral_with_working_days_to_run_is_met_in_hours_with_the_day_contacts():
    # Walsall's on-call consultant through the operator is the EDT's route; the day team's meeting needs no switchboard.
    assert "paediatrician" not in invitees("walsall", received_at=EVENING, concerns=["neglect"])
    hackney = invitees("hackney", received_at=EVENING, concerns=["sexual_abuse"])["csa_paediatrician"]
    assert "switchboard" not in hackney.reason and hackney.source == "hackney 6.4"


# 8. tri-borough: contact the police the same working day ------------------------------------------
def test_triborough_contacting_police_the_same_working_day_is_a_clock():
    contact = clock_names("triborough")["agency_contact"]
    assert contact["source"] == "triborough 6" and contact["due"] == "2026-11-23T17:00:00+00:00"


# 9. walsall ---------------------------------------------------------------------------------------
def test_walsall_sarc_meeting_needs_a_sarc_referral():
    assert run("walsall", concerns=["sexual_abuse"], child_age_years=12).format == "any"
    assert run("walsall", concerns=["sexual_abuse"], child_age_years=12, sarc_referral=True).format == "meeting"


# 10. same day never a one-minute deadline ---------------------------------------------------------
def test_a_same_day_concern_at_1659_on_friday_goes_to_the_edt_tonight():
    assessment = run("hackney", received_at="2026-11-27T16:59:00+00:00", concerns=["serious_neglect"])
    assert assessment.deadline.isoformat() == "2026-11-27T23:59:00+00:00"
    assert assessment.convened_by == "Emergency Duty Team"
    assert run("hackney", concerns=["serious_neglect"]).convened_by == "day team"


# 11. facts validated as strictly as the README says ------------------------------------------------
def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "protocol", *args], input=stdin, capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("body", [
    '{"received_at": 1700000000}', '{"received_at": 1700000000.5}', '{"received_at": "1700000000"}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "in_education": "yes"}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "in_education": "no"}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "looked_after": 1}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "child_age_years": "9"}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "child_age_years": true}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "received_at": "2026-11-24T10:00:00+00:00"}',
    '{"received_at": "2026-11-23T10:00:00+00:00", "concerns": [' + ",".join(['"neglect"'] * 1_000_000) + ']}',
    '{"received_at": "9999-12-31T23:59:00+00:00"}', '{"received_at": "0001-01-01T00:00:00+00:00"}',
    '{"received_at": ' + "[" * 5000 + "]" * 5000 + '}',
], ids=["unix-int", "unix-float", "unix-string", "yes", "no", "one", "age-string", "age-true", "duplicate-key",
        "million-concerns", "year-9999", "year-0001", "nested-5000"])
def test_facts_that_are_not_strictly_right_are_one_line_and_exit_2(body):
    result = cli("assess", "--profile", "hackney", "--facts", "-", stdin=body)
    assert result.returncode == 2, result.stdout[:300]
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr[:500]


# 12. walsall cites its seed's own headings ----------------------------------------------------------
def test_walsall_sources_name_headings_its_seed_has():
    loaded = profile("walsall")
    headings = {line.strip() for line in (SEEDS / loaded.seed).read_text().splitlines() if 0 < len(line.strip()) < 60}
    rules = [loaded.timescales.default, *loaded.timescales.rules, *[r for r in loaded.invitees if r.source.startswith("walsall")],
             *loaded.formats.rules, *[c for c in loaded.clocks if c.source.startswith("walsall")]]
    for rule in rules:
        for part in re.split(r";\s*", rule.source):
            heading = re.sub(r"^walsall ", "", part)
            assert heading in headings or heading.split(" (")[0] in headings, (rule.source, heading)


def test_the_baseline_cites_working_together():
    baseline = load_baseline("england")
    assert all(rule.source.startswith("Working Together 2023") for rule in (*baseline.clocks, *baseline.invitees))


@pytest.mark.parametrize("profile_name", PROFILES)
def test_a_looked_after_child_brings_the_fostering_service_in_every_partnership(profile_name):
    # Working Together: "children's social care (including the fostering service, if the child is looked after)";
    # bristol and walsall do not repeat it, and the national baseline carries it for them.
    fostering = invitees(profile_name, looked_after=True)["fostering_service"]
    assert fostering.required
    assert "fostering_service" not in invitees(profile_name)
    local = {"hackney": "hackney 6.1", "triborough": "triborough 8", "darlington": "darlington strategy discussion"}
    assert fostering.source == local.get(profile_name, "Working Together 2023 (national; quoted by triborough 8, darlington)")
