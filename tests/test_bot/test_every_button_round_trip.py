"""Every button of every card, pressed with a change to every input on it: the card that comes back
(or, where the button moves on or back, the same card reached again) still shows every value typed.

The changes are deliberately not valid answers ("kept …" in a date box, an email without a dot), so
buttons that check them refuse and must show them back; ticks are flipped and choices changed, so a
button that redraws from the saved draft without the card's inputs is caught. Buttons that finish a
card (Create the meeting, Finalise, an answer to an invitation or an action) are pressed in the
other tests: here they are pressed with the same garbage, which they must refuse keeping it all.
Through the real HTTP surface, with the invoke data Teams sends (every input: associatedInputs auto).
"""
import re

import pytest

from tests.conftest import make_settings, start_bot, stop_bot

from .chair import Chair, body_actions, inputs_of, texts_of
from .test_cards_tell_the_truth import recorded_with_one_action, with_police_in_teams
from .test_convene import CHILD
from .test_durable_effects import add_action, recording, walk_to
from .test_record import FRIDAY_NOON

STEP = re.compile(r"\b\d+ of \d+\b")
# Buttons that finish what their card is for, or leave it for another (Open the record): each is
# pressed with valid answers in the other tests. Cancelling a meeting is pressed here without its reason.
FINISHING = {"convene.confirm", "record.finalise", "record.export", "record.distributed", "discussion.open", "record.open",
             "action.completed", "action.needs_discussion"}
REFUSED = {"discussion.cancel": {"cancel_reason": ""}, "action.not_required": {"reason": ""},
           "record.add_decision": {"decision_reasoning": ""}}  # the change that makes this button refuse, keeping the rest


@pytest.fixture
async def bot(tmp_path, clock):
    clock.set(FRIDAY_NOON)
    running = await start_bot(make_settings(tmp_path), clock)
    yield running
    await stop_bot(running)


def _inputs(card: dict) -> list[dict]:
    found = []

    def walk(items):
        for item in items:
            if item.get("type", "").startswith("Input."):
                found.append(item)
            for key in ("items", "body", "columns"):
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return found


def changes_to(card: dict, *, mark: str) -> dict:
    """A change to every input: new (invalid) text, another date, the tick flipped, another choice."""
    changed = {}
    for element in _inputs(card):
        kind, id_, value = element["type"], element["id"], str(element.get("value", ""))
        if kind == "Input.Text":
            changed[id_] = f"{mark} {id_}"[: element.get("maxLength", 200)]
        elif kind == "Input.Date":
            changed[id_] = "2027-02-30"  # looks like a date, is none: every button that reads it refuses
        elif kind == "Input.Toggle":
            on, off = element.get("valueOn", "true"), element.get("valueOff", "false")
            changed[id_] = off if value == on else on
        elif kind == "Input.ChoiceSet":
            options = [c["value"] for c in element["choices"] if c["value"] not in value.split(",")] or [value]  # one child: no other
            changed[id_] = ",".join(options[:2]) if element.get("isMultiSelect") else options[0]
    return changed


def where(card: dict) -> str:
    """Which card this is: its step ("3 of 5"), or its first line."""
    words = texts_of(card)
    assert words, card
    found = STEP.search(words)
    return found.group(0) if found else words.splitlines()[0]


def buttons(card: dict) -> list[str]:
    verbs = [a["verb"] for a in [*card.get("actions", []), *body_actions(card)] if a.get("type") == "Action.Execute"]
    return list(dict.fromkeys(verbs))


async def back_to(chair: Chair, place: str, card: dict) -> dict:
    """From where a button led, the way a chair returns: No on a confirmation, Next after Back, Back after Next."""
    for _ in range(3):
        if where(card) == place:
            return card
        verbs = buttons(card)
        if "convene.cancel_confirmed" in verbs:  # "Cancel this draft?": No
            card = await chair.press("convene.open")
        elif _number(where(card)) < _number(place) and {"convene.next", "record.next"} & set(verbs):
            card = await chair.press("convene.next" if "convene.next" in verbs else "record.next")
        else:
            card = await chair.press("convene.back" if "convene.back" in verbs else "record.back")
    return card


def _number(place: str) -> int:
    return int(place.split(" of ")[0]) if STEP.fullmatch(place) else 0


def _removed(verb: str, card: dict) -> set[str]:
    """The inputs that go with what a Remove button takes away (the first such button is the one pressed)."""
    button = next(a for a in [*card.get("actions", []), *body_actions(card)] if a.get("verb") == verb)
    if not verb.endswith("remove_person"):
        return set()
    return {e["id"] for e in _inputs(card) if e["id"].endswith(f"_{button['data']['index']}")}


def _asked_only_when_left_out(key: str, shown: dict) -> bool:
    """Step 3 asks why only for a required agency left out: ticked again, its reason box is not shown
    (what was typed in it stays in the draft, and shows again if the agency is unticked)."""
    return key.startswith("reason_") and shown.get(key.replace("reason_", "invite_")) == "true"


async def as_it_now_is(chair: Chair, card: dict, as_person: dict | None) -> dict:
    """The card drawn again as saved, with the press its `refresh` makes (as Teams does on viewing it)."""
    action = card["refresh"]["action"]
    chair.card = await chair.press(action["verb"], action["data"], keep_inputs=False, as_person=as_person)
    return chair.card


async def press_every_button(chair: Chair, *, as_person: dict | None = None) -> list[str]:
    """Press each button of the chair's current card with a change to every input; return what did not
    come back. Each press is on the card as it then is (a fresh copy, so no press is refused as stale),
    with text unlike the last press's, so that a card that merely shows the saved draft is caught."""
    start, lost = chair.card, []
    place = where(start)
    for verb in buttons(start):
        if verb in FINISHING:
            continue
        here = await as_it_now_is(chair, start, as_person)
        assert where(here) == place and verb in buttons(here), (verb, texts_of(here))
        typed = {**changes_to(here, mark=verb.split(".")[1]), **REFUSED.get(verb, {})}
        card = await chair.press(verb, typed, as_person=as_person)
        if as_person is None:
            card = await back_to(chair, place, card)
        shown = inputs_of(card)
        gone = _removed(verb, here)
        lost += [f"{place} / {verb}: {k} {v!r} came back as {shown.get(k)!r}" for k, v in typed.items()
                 if shown.get(k) != v and k not in gone and not _asked_only_when_left_out(k, shown)]
    # Type the card's first values back over the garbage, as a chair would, so that the walk can go on.
    chair.card = retyped(await as_it_now_is(chair, start, as_person), inputs_of(start))
    return lost


async def test_every_button_of_the_wizard_keeps_what_was_typed(bot):
    chair = Chair(bot)
    await chair.strategy()
    lost = []
    for answers in (CHILD, {"concerns": "physical_abuse", "received_time": "10:00", "referrer_agency": "GP"}, {}, {}, None):
        if answers == {} and where(chair.card) == "3 of 5":  # someone the chair added, so that Remove is there to press
            await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": "Dr Expert",
                                                     "add_email": "expert@nhs.example.org"})
        lost += await press_every_button(chair)
        if answers is None:
            break
        here = where(chair.card)
        card = await chair.press("convene.next", answers)
        assert where(card) != here, texts_of(card)
    assert lost == []


def retyped(card: dict, values: dict) -> dict:
    """The card as the chair leaves it after typing `values` over what it shows (a box not in `values`, emptied)."""
    for element in _inputs(card):
        element["value"] = values.get(element["id"], "" if element["type"] == "Input.Text" else element.get("value", ""))
    return card


async def test_every_button_of_the_record_keeps_what_was_typed(bot):
    chair = await recording(bot)
    lost = []
    for step in range(1, 11):
        await walk_to(chair, f"{step} of 10")
        if step == 6:  # a decision and an action in the lists, so that their Edit and Remove are there to press
            await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint",
                                                      "decision_reasoning": "Unexplained injury; joint with police"})
        if step == 8:
            await add_action(chair, "Police checks")
        lost += await press_every_button(chair)
    assert lost == []


async def test_every_button_of_the_chairs_invitees_and_actions_cards_keeps_what_was_typed(bot):
    chair, police, data = await with_police_in_teams(bot)
    chair.card = await chair.press("discussion.open", keep_inputs=False)
    lost = await press_every_button(chair)
    chair.card = await chair.press("discussion.open", data, keep_inputs=False, as_person=police)
    lost += await press_every_button(chair, as_person=police)
    assert lost == []


async def test_every_button_of_an_action_card_keeps_what_was_typed(bot):
    chair = await recorded_with_one_action(bot, due="1 working day")
    async with bot.services.uow() as uow:
        [action] = (await uow.discussions.get(chair.discussion_id)).actions
    chair.card = await chair.press("action.open", {"action_id": action.id}, keep_inputs=False)
    assert await press_every_button(chair) == []
