"""The pooled connector writes activities itself instead of through msrest (msrest re-reads each
card through its type table, a third of a thread reply's time): what it writes must be exactly
what botbuilder's own ConnectorClient would have sent."""
import json
from datetime import datetime, timezone

import pytest
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (Activity, ActivityTypes, CardAction, ChannelAccount, ConversationAccount, ConversationParameters,
                               Mention, RoleTypes, SuggestedActions)
from botframework.connector import models
from msrest.serialization import Serializer

from bot.schema import dumps, to_json
from bot.proactive import card_activity
from tests.support import activities

SDK = Serializer({k: v for k, v in models.__dict__.items() if isinstance(v, type)})  # as ConnectorClient builds it


def reply_to(incoming: dict, outgoing: Activity) -> Activity:
    """What TurnContext does to a reply before it goes: the conversation, sender and recipient filled in."""
    return TurnContext.apply_conversation_reference(
        outgoing, TurnContext.get_conversation_reference(Activity().deserialize(incoming)))


def mention_message() -> Activity:
    message = MessageFactory.text("<at>DS Pat Placeholder</at> A1 is due today")
    message.entities = [Mention(mentioned=ChannelAccount(id="29:police", name="DS Pat Placeholder", aad_object_id="aad-police",
                                                         role=RoleTypes.user), text="<at>DS Pat Placeholder</at>", type="mention")]
    message.timestamp = datetime(2027, 6, 1, 9, 0, 5, 123000, tzinfo=timezone.utc)
    return message


CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [
    {"type": "TextBlock", "text": "A1 · CR-104233 (EF)", "wrap": True, "isSubtle": False, "maxLines": 0},
    {"type": "FactSet", "facts": [{"title": "Due", "value": "Tue 1 Jun, 17:00"}]},
    {"type": "Input.Date", "id": "by", "value": None}],
    "actions": [{"type": "Action.Execute", "verb": "action.completed", "data": {"discussion_id": "d1", "number": 1}}],
    "refresh": {"userIds": ["29:chair"]}}

EXAMPLES = {
    "text reply in a personal chat": reply_to(activities.personal("https://smba.example/", "help"), MessageFactory.text("**Help**")),
    "card in a channel thread": reply_to(activities.channel_mention("https://smba.example/", "strategy"), card_activity(CARD)),
    "card update by id": card_activity(CARD, activity_id="1700000000001"),
    "mention with a timestamp": mention_message(),
    "suggested actions": MessageFactory.suggested_actions([CardAction(type="imBack", title="Yes", value="yes")], "Sure?"),
    "hero-style attachment model": MessageFactory.attachment(CardFactory.hero_card(
        models.HeroCard(title="Record", buttons=[CardAction(type="openUrl", title="Open", value="https://x.example")]))),
    "typing": Activity(type=ActivityTypes.typing, conversation=ConversationAccount(id="a:1", tenant_id="t")),
    "new personal chat": ConversationParameters(is_group=False, members=[ChannelAccount(id="29:someone")], tenant_id="t",
                                                channel_data={"tenant": {"id": "t"}}),
    "suggested actions for two": MessageFactory.text("x"),
}
EXAMPLES["suggested actions for two"].suggested_actions = SuggestedActions(to=["29:a", "29:b"], actions=[
    CardAction(type="messageBack", title="Done", text="A1 done", value={"n": 1})])


@pytest.mark.parametrize("name", EXAMPLES)
def test_what_the_pooled_connector_writes_is_what_the_sdk_would_send(name):
    value = EXAMPLES[name]
    assert to_json(value) == SDK.body(value, type(value).__name__)
    assert dumps(value) == json.dumps(SDK.body(value, type(value).__name__)).encode()  # the very bytes, keys in order
