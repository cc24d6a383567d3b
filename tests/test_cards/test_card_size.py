"""Teams refuses a message over 100 KB counted in UTF-16 (413 MessageSizeTooBig; 80 KB recommended).
The cards that grow with the number of people are built for the most the bot allows
(bot.wizard.MAX_INVITEES), each with the longest name and a long email, and must fit."""
from datetime import datetime, timezone

import pytest

from bot import recording
from bot.wizard import MAX_INVITEES
from cards import record as record_cards
from cards import wizard as cards
from cards.elements import teams_size
from protocol.profile import DisagreementRules

from .test_schema import sample_discussion, sample_draft

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
LIMIT = 100 * 1024  # Teams' message limit, in UTF-16 bytes (learn.microsoft.com: "Format your bot messages", message size)
LONGEST_NAME = "N" * 120  # the longest name a card accepts for a person added (bot.wizard.added_person)


def people(n: int) -> list[dict]:
    return [{"name": LONGEST_NAME[:-3] + f"{i:03d}", "email": "e" * 80 + f"{i:03d}@police.example.uk"} for i in range(n)]


def invitees_card(n: int) -> dict:
    draft = sample_draft()
    template = {**draft["invitees"][1], "agency": "police", "role": "", "reason": "added by the chair", "source": "chair"}
    draft["invitees"] = [{**template, **person} for person in people(n)]
    return cards.invitees_card({**draft, "step": "invitees"}, "d-1", now=NOW, missing_quorum=[])


def attendance_card(n: int, *, marked: str) -> dict:
    rows = [{"invitation_id": f"i{i}", "agency": "police", "name": p["name"], "email": p["email"], "attendance": marked,
             "route": "", "researched": False} for i, p in enumerate(people(n))]
    record = {"step": "attendance", "attendance": rows, "decisions": [], "actions": [],
              "errors": {f"route_{i}": "Say how their information will be obtained." for i in range(n)} if marked == "apologies" else {}}
    return record_cards.step_card(discussion=sample_discussion(), record=record, steps=recording.STEPS,
                                  text_fields=recording.TEXT_FIELDS, decisions=recording.DECISIONS,
                                  attendance_words=recording.ATTENDANCE, children=["AB"], agencies=[("police", "Police")],
                                  not_quorate_text="not quorate", quorate=True, disagreement=DisagreementRules())


def test_the_invitees_card_with_the_most_people_allowed_fits_in_a_teams_message():
    assert teams_size(invitees_card(MAX_INVITEES)) < LIMIT


@pytest.mark.parametrize("marked", ["", "attended", "apologies"])  # apologies: every row asks how, with an error
def test_the_attendance_card_with_the_most_people_allowed_fits_in_a_teams_message(marked):
    assert teams_size(attendance_card(MAX_INVITEES, marked=marked)) < LIMIT


def test_the_size_is_counted_as_teams_counts_it():
    assert teams_size({"a": "é"}) == len('{"a": "é"}') * 2
