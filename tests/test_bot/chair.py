"""A chair at the keyboard: types /strategy and presses card buttons, through the real HTTP surface."""
from __future__ import annotations

from tests.support import activities


def inputs_of(card: dict) -> dict:
    """The values a person would send back if they changed nothing: every input's current value."""
    values = {}

    def walk(items):
        for item in items:
            if item.get("type", "").startswith("Input."):
                values[item["id"]] = item.get("value", "")
            for key in ("items", "body"):
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return values


def texts_of(card: dict) -> str:
    out = []

    def walk(items):
        for item in items:
            if item.get("type") == "TextBlock":
                out.append(item["text"])
            if item.get("type") == "FactSet":
                out.extend(f"{f['title']}: {f['value']}" for f in item["facts"])
            for key in ("items", "body"):
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return "\n".join(out)


def action_verbs(card: dict) -> list[str]:
    return [a.get("verb") for a in card.get("actions", []) if a.get("type") == "Action.Execute"]


class Chair:
    def __init__(self, bot, *, conversation: str = "personal", aad_id: str = "aad-chair-1", user_id: str = "29:1chair",
                 name: str = "Sam Chair"):
        self.bot, self.conversation = bot, conversation
        self.person = {"aad_id": aad_id, "user_id": user_id, "name": name}
        self.discussion_id = None
        self.card = None

    def _message(self, text: str) -> dict:
        build = activities.personal if self.conversation == "personal" else activities.channel_mention
        return build(self.bot.connector.url, text, aad_id=self.person["aad_id"], user_id=self.person["user_id"],
                     name=self.person["name"])

    async def say(self, text: str) -> list[dict]:
        before = len(self.bot.connector.sent)
        response = await self.bot.post(self._message(text))
        assert response.status == 201, await response.text()
        return self.bot.connector.sent[before:]

    async def strategy(self) -> dict:
        sent = await self.say("/strategy")
        card = [a for a in sent if a.get("attachments") and a["_method"] == "POST"][-1]["attachments"][0]["content"]
        self.discussion_id = card["actions"][0]["data"]["discussion_id"]
        self.card = card
        return card

    def invoke(self, verb: str, changes: dict | None = None, *, keep_inputs: bool = True, as_person: dict | None = None) -> dict:
        """The invoke activity Teams would send for pressing `verb` on the current card."""
        data = {"discussion_id": self.discussion_id}
        if self.card:
            button = next((a for a in [*self.card.get("actions", []), *body_actions(self.card)] if a.get("verb") == verb), {})
            data.update({k: v for k, v in button.get("data", {}).items() if k != "verb"})
            if keep_inputs and button.get("associatedInputs") != "none":  # as Teams does: such a button sends no input
                data.update(inputs_of(self.card))
        data.update(changes or {})
        if self.card and keep_inputs:  # as the Playground does: an empty box is left out of what a press sends
            data = {k: v for k, v in data.items() if v != ""}
        return activities.invoke(self._message(""), verb, data, **(as_person or self.person))

    async def press(self, verb: str, changes: dict | None = None, *, keep_inputs: bool = True, as_person: dict | None = None,
                    raw: bool = False):
        activity = self.invoke(verb, changes, keep_inputs=keep_inputs, as_person=as_person)
        response = await self.bot.post(activity)
        if raw:
            return response
        card = await self.answer(response)
        if as_person is None:
            self.card = card
        return card

    @staticmethod
    async def answer(response) -> dict:
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        return body["value"]


def body_actions(card: dict) -> list[dict]:
    """The buttons inside a card's body (ActionSets), as opposed to its own actions."""
    found = []

    def walk(items):
        for item in items:
            if item.get("type") == "ActionSet":
                found.extend(item.get("actions", []))
            for key in ("items", "body"):
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return found


def invitee_rows(card: dict) -> list[dict]:
    """Step 3's rows, one container per agency, in the order of their `invite_N` ticks."""
    return [c for c in card["body"] if c.get("type") == "Container" and "invite_" in str(c)]
