"""The Teams and email effects, and the one way flows ask for them: `Effects.post`, `.update`,
`.personal`, `.email` and `.tell_chair` add a row to the outbox inside the caller's transaction;
bot/outbox.py delivers it. The meeting and chase effects live beside their flows (meetings.py,
chasers.py) and are registered the same way.

What each kind promises (README, "What is sent, and how often"):
- a card update (`teams.update`) and an email are delivered exactly once as far as anyone can
  see: updating a card twice shows the same card, and an email whose first attempt was cut short
  is looked for (its Message-ID) before it is sent again;
- a Teams post (`teams.post`, `teams.personal`) at least once, and twice only when the process
  died between the connector accepting it and the outbox recording it (a window of one message,
  counted in the audit trail as `effect.repeated_after_crash`).
"""
from __future__ import annotations

import logging

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from storage.models import Action, Discussion

from .proactive import bot_id_of, card_activity, service_url_of
from .schema import from_json, to_json

log = logging.getLogger(__name__)


def as_payload(activity: Activity | dict | str) -> dict:
    """A card (dict), a line of text (str) or a whole activity, as JSON the outbox can keep."""
    if isinstance(activity, str):
        activity = MessageFactory.text(activity)
    elif isinstance(activity, dict):
        activity = card_activity(activity)
    return to_json(activity)


class Effects:
    """Adds effects to the outbox in the caller's unit of work (nothing is sent here)."""

    async def post(self, uow, key: str, *, reference: dict, activity, discussion_id: str | None,
                   remember: dict | None = None) -> bool:
        """A new message in a conversation. `remember` names where its activity id is kept
        ({"action_id": ...} or {"discussion_id": ...}), so the card can be updated later."""
        return await uow.effects.add(key=key, kind="teams.post", discussion_id=discussion_id,
                                     payload={"reference": reference, "activity": as_payload(activity), "remember": remember})

    async def update(self, uow, key: str, *, reference: dict, activity_id: str, card: dict, discussion_id: str | None) -> bool:
        return await uow.effects.add(key=key, kind="teams.update", discussion_id=discussion_id,
                                     payload={"reference": reference, "activity_id": activity_id, "card": card})

    async def personal(self, uow, key: str, *, user_id: str, tenant_id: str | None, service_url: str, activity,
                       discussion_id: str | None, bot_id: str | None, quiet: bool = False) -> bool:
        """A 1:1 message to someone. `quiet`: a failure is recorded but nobody is told (they have
        the same thing another way, e.g. the emailed meeting invitation)."""
        return await uow.effects.add(key=key, kind="teams.personal", discussion_id=discussion_id,
                                     payload={"user_id": user_id, "tenant_id": tenant_id, "service_url": service_url,
                                              "bot_id": bot_id, "activity": as_payload(activity), "quiet": quiet})

    async def email(self, uow, key: str, *, to: str, subject: str, body: str, discussion_id: str | None) -> bool:
        return await uow.effects.add(key=key, kind="email", discussion_id=discussion_id,
                                     payload={"to": to, "subject": subject, "body": body})

    async def tell_chair_personally(self, uow, key: str, discussion: Discussion, text: str, *, quiet: bool = False) -> bool:
        """A note to the chair in their personal chat with the bot; False (nothing added) when the bot
        cannot reach them there (no Teams id, or no connector known)."""
        service_url = service_url_of(discussion.conversation_reference)
        if not (discussion.chair_user_id and service_url):
            return False
        return await self.personal(uow, key, user_id=discussion.chair_user_id, tenant_id=discussion.tenant_id,
                                   service_url=service_url, activity=text, discussion_id=discussion.id,
                                   bot_id=bot_id_of(discussion.conversation_reference), quiet=quiet)

    async def tell_chair(self, uow, key: str, discussion: Discussion, text: str | dict) -> bool:
        """A note (a line, or a card) to the discussion's chair, in the conversation where it was convened. A note
        that cannot be delivered is recorded (effect.failed) and logged; it does not beget another note."""
        if not discussion.conversation_reference:
            log.error("discussion %s has nowhere to tell its chair: %s", discussion.id, text)
            return False
        return await uow.effects.add(key=key, kind="teams.post", discussion_id=discussion.id,
                                     payload={"reference": discussion.conversation_reference, "activity": as_payload(text),
                                              "notice": True})


async def _tell_of_failure(uow, effects: Effects, effect, what: str, reason: str) -> None:
    """The chair hears of a message that could not be delivered: personally where the bot can reach
    them (the conversation that refused the message may refuse the note too), else where convened."""
    discussion = await uow.discussions.get(effect.discussion_id, load=()) if effect.discussion_id else None
    if discussion is None:
        return
    from cards.words import subject

    note = (f"{subject(discussion.case_reference, discussion.child_initials)}: {what} could not be delivered "
            f"({reason[:160]}). Please check it another way.")
    if not await effects.tell_chair_personally(uow, f"{effect.key}:failed", discussion, note, quiet=True):
        await effects.tell_chair(uow, f"{effect.key}:failed", discussion, note)


class TeamsPost:
    def __init__(self, proactive, effects: Effects):
        self.proactive, self.effects = proactive, effects

    async def deliver(self, effect) -> dict:
        activity = from_json(Activity, effect.payload["activity"])
        return {"activity_id": await self.proactive.send(effect.payload["reference"], activity)}

    async def on_done(self, uow, effect, result: dict) -> None:
        remember = effect.payload.get("remember") or {}
        if remember.get("action_id"):
            action = await uow.session.get(Action, remember["action_id"])
            if action is not None:
                action.card_activity_id = result["activity_id"]
        if remember.get("discussion_id"):
            discussion = await uow.discussions.get(remember["discussion_id"], load=())
            if discussion is not None:
                discussion.card_activity_id = result["activity_id"]

    async def on_failed(self, uow, effect, reason: str) -> None:
        if not effect.payload.get("notice"):
            await _tell_of_failure(uow, self.effects, effect, "a message in Teams", reason)


class TeamsUpdate:
    def __init__(self, proactive):
        self.proactive = proactive

    async def deliver(self, effect) -> dict:
        payload = effect.payload
        await self.proactive.update_card(payload["reference"], payload["activity_id"], payload["card"])
        return {}

    async def on_done(self, uow, effect, result: dict) -> None:
        pass

    async def on_failed(self, uow, effect, reason: str) -> None:
        pass  # the card shows an older state; opening it shows the current one (recorded as effect.failed)


class TeamsPersonal:
    def __init__(self, proactive, effects: Effects):
        self.proactive, self.effects = proactive, effects

    async def deliver(self, effect) -> dict:
        payload = effect.payload
        await self.proactive.send_personal(user_id=payload["user_id"], tenant_id=payload["tenant_id"],
                                           service_url=payload["service_url"], activity=from_json(Activity, payload["activity"]),
                                           bot_id=payload.get("bot_id"))
        return {}

    async def on_done(self, uow, effect, result: dict) -> None:
        pass

    async def on_failed(self, uow, effect, reason: str) -> None:
        if not effect.payload.get("quiet"):
            await _tell_of_failure(uow, self.effects, effect, "a personal message in Teams", reason)


class Email:
    def __init__(self, mailer, effects: Effects):
        self.mailer, self.effects = mailer, effects

    async def deliver(self, effect) -> dict:
        payload = effect.payload
        # An attempt cut short may have gone: the Message-ID is looked for before sending again.
        if effect.uncertain and await self.mailer.was_sent(effect.key):
            return {"channel": self.mailer.channel, "found_sent": True}
        await self.mailer.send(to=payload["to"], subject=payload["subject"], body=payload["body"], key=effect.key)
        return {"channel": self.mailer.channel}

    async def on_done(self, uow, effect, result: dict) -> None:
        pass

    async def on_failed(self, uow, effect, reason: str) -> None:
        await _tell_of_failure(uow, self.effects, effect, f"an email to {effect.payload['to']}", reason)
