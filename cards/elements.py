"""Adaptive card building blocks (schema 1.5, the elements Teams renders). Pure functions."""
from __future__ import annotations

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def card(body: list, actions: list | None = None, *, refresh_verb: str | None = None, refresh_data: dict | None = None,
         user_ids: list[str] | None = None) -> dict:
    result = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        result["actions"] = actions
    if refresh_verb and user_ids:
        # Per-user views: Teams asks the bot for each listed user's own version of the card.
        result["refresh"] = {"action": {"type": "Action.Execute", "verb": refresh_verb, "data": refresh_data or {}},
                             "userIds": user_ids[:60]}
    return result


TEAMS_MESSAGE_LIMIT = 100 * 1024  # bytes, counted in UTF-16 (an ASCII card costs twice its length); 80 KB recommended


def teams_size(card: dict) -> int:
    """A card's size as Teams counts it against its message limit."""
    import json

    return len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))


def refreshing(result: dict, verb: str, data: dict, user_ids: list[str | None]) -> dict:
    """The card, set to be redrawn by the bot whenever it is viewed (Universal Actions `refresh`): an
    older copy further up a chat shows the current state, never stale live buttons. Teams refreshes
    for everyone in a chat or channel of up to 60 people; in a bigger one only for `user_ids` (Teams
    user ids, "29:…", where known), and the others get a refresh button."""
    viewers = [u for u in user_ids if u]
    result["refresh"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    if viewers:
        result["refresh"]["userIds"] = viewers[:60]
    return result


def execute(title: str, verb: str, data: dict | None = None, *, style: str | None = None, fallback: bool = True) -> dict:
    """Every button sends every input on its card (associatedInputs "auto"; no input is marked
    required, so nothing blocks a press): Back, Cancel, Remove and Edit keep what was typed too.
    `fallback`: an Action.Submit for clients before Universal Actions; a button repeated on every
    row of a long list goes without it, as it doubles the button's size against Teams' 100 KB limit."""
    payload = {"verb": verb, **(data or {})}
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": payload}
    if fallback:
        action["fallback"] = {"type": "Action.Submit", "title": title, "data": payload}
    if style:
        action["style"] = style
    return action


def heading(text: str, *, size: str = "Medium") -> dict:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": size, "wrap": True}


def no_links(value: str) -> str:
    """Text as shown, never a link: Teams draws `[words](address)` in a TextBlock or a fact as a link, and what
    people typed is shown on cards (a task, an update, a reason: a privacy trial made one a clickable link to
    anywhere). No card of ours writes a link that way; a zero-width space between `]` and `(` keeps the words."""
    return value.replace("](", "]\u200b(")


def text(value: str, *, subtle: bool = False, color: str | None = None, weight: str | None = None, size: str | None = None) -> dict:
    block = {"type": "TextBlock", "text": no_links(value), "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if color:
        block["color"] = color
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    return block


def error(message: str | None) -> list[dict]:
    return [text(f"⚠ {message}", color="Attention", size="Small")] if message else []


def notice(value: str) -> dict:
    """Something to heed that is not an error (local mode, out of hours): dark text on a tinted band.
    A TextBlock coloured "Warning" is pale yellow on white in the light theme, hard to read."""
    return container([text(value)], style="warning")


def facts(pairs: list[tuple[str, str]]) -> dict:
    return {"type": "FactSet", "facts": [{"title": no_links(k), "value": no_links(v)} for k, v in pairs]}


def text_input(id_: str, label: str, value: str = "", *, placeholder: str = "", multiline: bool = False,
               problem: str | None = None) -> list[dict]:
    # No maxLength, ever: the client would cut what is typed before the bot's check could refuse it.
    element = {"type": "Input.Text", "id": id_, "label": label, "value": value or ""}
    if placeholder:
        element["placeholder"] = placeholder
    if multiline:
        element["isMultiline"] = True
    return [element, *error(problem)]


def date_input(id_: str, label: str, value: str = "", *, problem: str | None = None) -> list[dict]:
    return [{"type": "Input.Date", "id": id_, "label": label, "value": value or ""}, *error(problem)]


def time_input(id_: str, label: str, value: str = "", *, problem: str | None = None) -> list[dict]:
    """A time typed as HH:MM. Not Input.Time: Teams' picker offers half hours only, and a concern
    received at 09:05 could not be entered."""
    return [{"type": "Input.Text", "id": id_, "label": label, "value": value or "", "placeholder": "HH:MM, e.g. 09:05"},
            *error(problem)]


def toggle(id_: str, title: str, value: bool = False, *, problem: str | None = None) -> list[dict]:
    return [{"type": "Input.Toggle", "id": id_, "title": title, "value": "true" if value else "false",
             "valueOn": "true", "valueOff": "false"}, *error(problem)]


def choices(id_: str, label: str, options: list[tuple[str, str]], value: str = "", *, multi: bool = False,
            expanded: bool = False, problem: str | None = None) -> list[dict]:
    element = {"type": "Input.ChoiceSet", "id": id_, "label": label, "value": value or "",
               "choices": [{"title": title, "value": v} for v, title in options]}
    if multi:
        element["isMultiSelect"] = True
    if expanded:
        element["style"] = "expanded"
    return [element, *error(problem)]


def container(items: list, *, style: str | None = None, separator: bool = False) -> dict:
    block = {"type": "Container", "items": items}
    if style:
        block["style"] = style
    if separator:
        block["separator"] = True
    return block


def input_ids(card: dict) -> frozenset[str]:
    """The ids of the inputs a card draws that can be left empty. A client leaves an emptied box out
    of what a press sends (the Playground does), so only the card itself tells "emptied" from "not on
    this card". A toggle is not among them: it always sends its value (on or off), so one missing
    from a press was not sent at all, and is not taken as unticked."""
    found = set()

    def walk(items: list) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = str(item.get("type", ""))
            if kind.startswith("Input.") and kind != "Input.Toggle" and "id" in item:
                found.add(item["id"])
            for key in ("items", "columns"):  # a Container's or Column's items, a ColumnSet's columns
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return frozenset(found)


def shown(draft: dict, step: str, saved: dict) -> dict:
    """What a card shows in its inputs: what was saved for the step, under what was typed on the card
    last time (bot.wizard.keep), so nothing typed is lost however the card comes back."""
    return {**saved, **((draft.get("values") or {}).get(step) or {})}
