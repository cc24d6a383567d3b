"""The turn's sending (bot/adapter.py): botbuilder's own, less its deep copy of every activity."""
import pytest
from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ResourceResponse

from bot.adapter import StrategyTurnContext
from bot.schema import to_json


class Recording(BotAdapter):
    def __init__(self):
        super().__init__()
        self.sent = []

    async def send_activities(self, context, activities):
        self.sent.extend(activities)
        return [ResourceResponse(id=f"r{n}") for n, _ in enumerate(activities)]

    async def update_activity(self, context, activity):
        raise NotImplementedError

    async def delete_activity(self, context, reference):
        raise NotImplementedError


def inbound(**more) -> Activity:
    return Activity(**{"type": "message", "id": "m1", "channel_id": "msteams", "service_url": "https://smba.example/", "text": "help",
                       "from_property": ChannelAccount(id="29:chair", name="Chair"), "recipient": ChannelAccount(id="28:bot", name="Bot"),
                       "conversation": ConversationAccount(id="19:thread;messageid=1", conversation_type="channel"), "locale": "en-GB",
                       **more})


def outgoing() -> list[Activity]:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "A1"}],
            "actions": [{"type": "Action.Execute", "verb": "action.completed", "data": {"number": 1}}]}
    return [MessageFactory.text("Recorded."), MessageFactory.attachment(CardFactory.adaptive_card(card)),
            Activity(type="trace", name="x", value={"a": 1}), Activity(id="stale-id", text="no type given")]


async def sent_by(context_class, activity: Activity, activities: list[Activity], *, handler: bool) -> tuple[list, list, bool]:
    adapter = Recording()
    context = context_class(adapter, activity)
    seen = []

    async def watch(turn, sending, next_send):
        seen.append([a.type for a in sending])
        return await next_send()

    if handler:
        context.on_send_activities(watch)
    responses = await context.send_activities(activities)
    return [to_json(a) for a in adapter.sent], [r.id for r in responses] + seen, context.responded


@pytest.mark.parametrize("handler", [False, True], ids=["no send handler", "a send handler"])
@pytest.mark.parametrize("batch", [slice(0, 4), slice(2, 3), slice(1, 2)], ids=["all", "a trace alone", "a card"])
async def test_it_sends_what_botbuilders_own_turn_would(batch, handler):
    ours = await sent_by(StrategyTurnContext, inbound(), outgoing()[batch], handler=handler)
    botbuilders = await sent_by(TurnContext, inbound(), outgoing()[batch], handler=handler)
    assert ours == botbuilders
    assert ours[0] and all(a["conversation"]["id"] == "19:thread;messageid=1" and a["replyToId"] == "m1" for a in ours[0])


@pytest.mark.parametrize("received", [
    inbound(type="conversationUpdate"), inbound(channel_id="webchat"), inbound(channel_id="directline"), inbound(id=None),
    inbound(from_property=None, recipient=None, locale=None)], ids=["a conversation update", "webchat", "direct line", "no id",
                                                                   "no sender, recipient or locale"])
async def test_it_addresses_replies_as_botbuilder_does_whatever_came_in(received):
    replying = [Activity(type="message", text="x", reply_to_id="set-by-the-bot"), MessageFactory.text("y")]
    ours = await sent_by(StrategyTurnContext, received, replying, handler=False)
    assert ours == await sent_by(TurnContext, received, [Activity(type="message", text="x", reply_to_id="set-by-the-bot"),
                                                         MessageFactory.text("y")], handler=False)


async def test_the_callers_activity_is_left_as_it_was():
    mine = outgoing()
    before = [to_json(a) for a in mine]
    await sent_by(StrategyTurnContext, inbound(), mine, handler=False)
    assert [to_json(a) for a in mine] == before  # no conversation, reply-to or id stamped on the caller's copy


async def test_replies_asked_for_in_the_response_are_buffered_as_botbuilder_does():
    context = StrategyTurnContext(Recording(), inbound(delivery_mode="expectReplies"))
    await context.send_activities(outgoing()[:2])
    assert [a.text for a in context.buffered_reply_activities][:1] == ["Recorded."] and len(context.buffered_reply_activities) == 2
    assert context.adapter.sent == []


async def test_middleware_still_runs_when_there_is_some_and_a_failing_turn_reaches_the_error_handler():
    from botbuilder.core import Middleware

    from bot.adapter import StrategyAdapter

    class Counting(Middleware):
        def __init__(self):
            self.turns = 0

        async def on_turn(self, context, logic):
            self.turns += 1
            await logic()

    adapter, errors = StrategyAdapter(), []

    async def on_error(context, error):
        errors.append(str(error))

    adapter.on_turn_error = on_error

    async def failing(context):
        raise RuntimeError("the bot failed")

    await adapter.run_pipeline(StrategyTurnContext(adapter, inbound()), failing)
    assert errors == ["the bot failed"]
    counting = Counting()
    adapter.use(counting)
    await adapter.run_pipeline(StrategyTurnContext(adapter, inbound()), failing)
    assert counting.turns == 1 and errors == ["the bot failed", "the bot failed"]
