"""Activities shaped as Teams sends them (captured from Teams and the Agents Playground), built
from JSON, never from botbuilder objects, so the bot parses exactly what Teams would send."""
from __future__ import annotations

import itertools

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:strategy-bot"
BOT_NAME = "Strategy Bot"
_ids = itertools.count(1)


def _base(service_url: str, *, conversation: dict, text: str, entities=None, tenant: str = TENANT,
          user_id: str = "29:1chair", aad_id: str = "aad-chair-1", name: str = "Sam Chair") -> dict:
    return {
        "type": "message",
        "id": f"act-{next(_ids)}",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "localTimestamp": "2026-11-23T10:00:00.000+00:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user_id, "name": name, "aadObjectId": aad_id},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "textFormat": "plain",
        "text": text,
        "locale": "en-GB",
        "entities": entities or [{"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}],
        "channelData": {"tenant": {"id": tenant}},
    }


def personal(service_url: str, text: str, **kw) -> dict:
    conversation = {"conversationType": "personal", "tenantId": kw.get("tenant", TENANT), "id": "a:1personal-chat"}
    return _base(service_url, conversation=conversation, text=text, **kw)


def channel_message(service_url: str, text: str, **kw) -> dict:
    """A message in the channel that does not @mention the bot (the bot reads it under resource-specific consent)."""
    activity = channel_mention(service_url, text, **kw)
    activity.update(text=text, entities=[])
    return activity


def channel_mention(service_url: str, text_after_mention: str, **kw) -> dict:
    mention = f"<at>{BOT_NAME}</at>"
    conversation = {
        "isGroup": True, "conversationType": "channel", "tenantId": kw.get("tenant", TENANT),
        "id": "19:mash-channel@thread.tacv2;messageid=1700000000000",
    }
    activity = _base(service_url, conversation=conversation, text=f"{mention} {text_after_mention}",
                     entities=[{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention}], **kw)
    activity["channelData"].update({"teamsChannelId": "19:mash-channel@thread.tacv2", "teamsTeamId": "19:team@thread.tacv2",
                                    "channel": {"id": "19:mash-channel@thread.tacv2"}, "team": {"id": "19:team@thread.tacv2"}})
    return activity


def invoke(message: dict, verb: str, data: dict, *, reply_to: str = "reply-1", **person) -> dict:
    """An Action.Execute press, as Teams sends it: an invoke named adaptiveCard/action."""
    activity = dict(message)
    activity.update(type="invoke", name="adaptiveCard/action", id=f"act-{next(_ids)}", replyToId=reply_to,
                    value={"action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}}, "trigger": "manual"})
    activity.pop("text", None)
    if person:
        activity["from"] = {"id": person.get("user_id", "29:1someone"), "name": person.get("name", "Someone"),
                            "aadObjectId": person.get("aad_id")}
    return activity
