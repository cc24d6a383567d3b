"""Reading a card as a person (and Teams) sees it: its inputs by id, its buttons, its words, what sits
under an input. Shared by the card tests; the expected values are in the tests."""
from __future__ import annotations

from bot.actions import VERB_STATUS
from bot.clocks import VERBS as CLOCK_VERBS
from bot.convene import WIZARD_VERBS
from bot.record import LIST_EDITS

# Every verb bot/handler.py `_route` sends somewhere that acts on it (a verb outside these is "unknown card verb").
ROUTED = (WIZARD_VERBS | set(VERB_STATUS) | LIST_EDITS | set(CLOCK_VERBS)
          | {"convene.confirm", "convene.link", "convene.review",  # bot/convene.py act
             "record.open", "record.next", "record.back", "record.finalise", "record.distributed", "record.export",  # bot/record.py
             "record.held_earlier",
             "action.open", "discussion.open", "discussion.invite", "discussion.move", "discussion.cancel",
             "rsvp.accept", "rsvp.decline", "rsvp.delegate", "rsvp.share_only", "rsvp.records"})  # bot/rsvp.py reply


def blocks(element):
    """Every element of a card, depth first, in the order a reader meets them."""
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from blocks(value)
    elif isinstance(element, list):
        for item in element:
            yield from blocks(item)


def inputs(card: dict) -> dict[str, dict]:
    found = [b for b in blocks(card.get("body", [])) if str(b.get("type", "")).startswith("Input.")]
    ids = [i["id"] for i in found]
    assert len(ids) == len(set(ids)), f"duplicate input ids: {ids}"  # Teams sends one value per id
    return {i["id"]: i for i in found}


def buttons(card: dict) -> list[dict]:
    """The card's own buttons, then those inside the body (ActionSets), in reading order."""
    inside = [a for b in blocks(card.get("body", [])) if b.get("type") == "ActionSet" for a in b["actions"]]
    return list(card.get("actions", [])) + inside


def button(card: dict, title: str) -> dict:
    [found] = [b for b in buttons(card) if b["title"] == title]
    return found


def titles(card: dict) -> list[str]:
    return [b["title"] for b in buttons(card)]


def lines(card: dict) -> list[str]:
    """Every line of words on the card: text blocks, and facts as 'title: value'."""
    out = []
    for b in blocks(card.get("body", [])):
        if b.get("type") == "TextBlock":
            out.append(b["text"])
        elif b.get("type") == "FactSet":
            out += [f"{f['title']}: {f['value']}" for f in b["facts"]]
    return out


def said(card: dict) -> str:
    return "\n".join(lines(card))


def text_block(card: dict, starting: str) -> dict:
    [found] = [b for b in blocks(card.get("body", [])) if b.get("type") == "TextBlock" and b["text"].startswith(starting)]
    return found


def facts_of(card: dict) -> dict[str, str]:
    out = {}
    for b in blocks(card.get("body", [])):
        if b.get("type") == "FactSet":
            out.update({f["title"]: f["value"] for f in b["facts"]})
    return out


def under(card: dict, input_id: str) -> dict | None:
    """The element drawn right under an input, in the same column (where its error belongs)."""
    for b in blocks(card):
        for key in ("body", "items"):
            items = b.get(key) if isinstance(b, dict) else None
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, dict) and item.get("id") == input_id:
                        return items[i + 1] if i + 1 < len(items) else None
    raise AssertionError(f"no input {input_id}")


def assert_error_under(card: dict, input_id: str, message: str) -> None:
    shown = under(card, input_id)
    assert shown == {"type": "TextBlock", "text": f"⚠ {message}", "wrap": True, "color": "Attention", "size": "Small"}, shown


def assert_no_error_under(card: dict, input_id: str) -> None:
    shown = under(card, input_id)
    assert not (shown and shown.get("type") == "TextBlock" and shown.get("text", "").startswith("⚠")), shown


def assert_buttons_work_everywhere(card: dict) -> None:
    """Every button sends a verb the bot routes, with the verb in its data; an Action.Execute on the card's own
    bar has an Action.Submit fallback with the same title and data (Teams mobile and older clients)."""
    for b in buttons(card):
        if b["type"] == "Action.OpenUrl":
            assert b["url"].startswith("https://")
            continue
        assert b["type"] == "Action.Execute"
        assert b["verb"] in ROUTED, b["verb"]
        assert b["data"]["verb"] == b["verb"]
        if "fallback" in b:
            assert b["fallback"] == {"type": "Action.Submit", "title": b["title"], "data": b["data"]}
    for b in card.get("actions", []):
        if b["type"] == "Action.Execute":
            assert "fallback" in b, b["title"]
    if "refresh" in card:
        assert card["refresh"]["action"]["type"] == "Action.Execute"
        assert card["refresh"]["action"]["verb"] in ROUTED
