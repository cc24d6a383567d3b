"""The bot reads incoming activities (and stored ones) with bot.schema.from_json and writes them with
to_json instead of through msrest, for speed: both must do exactly what msrest does. The expected
value in every test here is msrest's own answer for the same input, the same model with the same
values and types, or the same refusal."""
from __future__ import annotations

from datetime import datetime

import pytest
from botbuilder.schema import Activity, ConversationReference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from bot.schema import from_json, to_json
from tests.support import activities

SERVICE = "https://smba.trafficmanager.net/uk/"
SHAPES = {
    "personal message": activities.personal(SERVICE, "help"),
    "channel mention": activities.channel_mention(SERVICE, "strategy"),
    "thread reply": activities.channel_message(SERVICE, "A1 done"),
    "card press": activities.invoke(activities.personal(SERVICE, ""), "convene.next",
                                    {"discussion_id": "d1", "step": "child", "case_reference": "CR-1"}),
    "members added": {"type": "conversationUpdate", "id": "u1", "channelId": "msteams", "serviceUrl": SERVICE,
                      "conversation": {"id": "19:x@thread.tacv2", "isGroup": True, "conversationType": "channel"},
                      "membersAdded": [{"id": "28:bot"}, {"id": "29:a", "aadObjectId": "aad-a"}],
                      "recipient": {"id": "28:bot"}, "channelData": {"team": {"id": "19:t"}, "eventType": "teamMemberAdded"}},
}


def shape(value):
    """Everything a reader of the model could notice: class, every attribute, types, a time's offset."""
    if isinstance(value, Model):
        return (type(value).__name__, {name: shape(item) for name, item in sorted(vars(value).items())})
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return (type(value).__name__, value)


def msrest_reading(cls, data):
    try:
        return shape(cls().deserialize(data))
    except DeserializationError:
        return "refused"


def our_reading(cls, data):
    try:
        return shape(from_json(cls, data))
    except DeserializationError:
        return "refused"


@pytest.mark.parametrize("name", SHAPES)
def test_teams_activities_read_as_msrest_reads_them(name):
    assert our_reading(Activity, SHAPES[name]) == msrest_reading(Activity, SHAPES[name])
    assert to_json(from_json(Activity, SHAPES[name])) == to_json(Activity().deserialize(SHAPES[name]))


@pytest.mark.parametrize("moment", [
    "2026-12-01T09:00:05.431Z", "2026-12-01T09:00:05Z", "2026-12-01T09:00:05.1234567Z", "2026-12-01T10:00:05.431+01:00",
    "2026-12-01T09:00:05.431-07:00", "2026-12-01t09:00:05z", "2026-12-01", "2026-12-01T09:00", "9999-12-31T23:30:00-01:00",
    "0001-01-01T00:30:00+01:00", "yesterday", "", "2026-13-01T09:00:05Z"])
def test_times_read_as_msrest_reads_them_including_its_refusals(moment):
    activity = {**SHAPES["personal message"], "timestamp": moment, "localTimestamp": moment}
    assert our_reading(Activity, activity) == msrest_reading(Activity, activity)


def test_keys_the_schema_does_not_name_are_kept_as_msrest_keeps_them():
    activity = {**SHAPES["channel mention"], "teamsFuture": {"x": 1}, "from": {"id": "29:a", "userRole": "guest"}}
    ours = from_json(Activity, activity)
    assert ours.additional_properties == {"teamsFuture": {"x": 1}}
    assert ours.from_property.additional_properties == {"userRole": "guest"}
    assert our_reading(Activity, activity) == msrest_reading(Activity, activity)


def test_a_stored_conversation_reference_reads_as_msrest_reads_it():
    reference = {"activityId": "1", "user": {"id": "29:a", "name": "A"}, "bot": {"id": "28:b"}, "conversation": {
        "id": "19:x@thread.tacv2;messageid=1", "isGroup": True, "tenantId": "t"}, "channelId": "msteams", "serviceUrl": SERVICE,
        "locale": "en-GB"}
    assert our_reading(ConversationReference, reference) == msrest_reading(ConversationReference, reference)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
FIELDS = ["type", "id", "timestamp", "localTimestamp", "serviceUrl", "channelId", "from", "conversation", "recipient", "text",
          "textFormat", "locale", "membersAdded", "entities", "attachments", "channelData", "value", "name", "replyToId",
          "suggestedActions", "relatesTo", "expiration", "importance", "deliveryMode", "textHighlights", "listenFor",
          "historyDisclosed", "semanticAction", "callerId", "reactionsAdded", "membersRemoved", "label", "valueType"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(sorted(SHAPES)), field=st.sampled_from(FIELDS), value=JSON,
       nested=st.sampled_from([None, "from", "conversation", "recipient"]))
def test_any_json_in_any_field_reads_as_msrest_reads_it(base, field, value, nested):
    """Each Teams shape with one field (at the top or inside an account) replaced by arbitrary JSON:
    wrong types, nulls, lists for objects; msrest's answer or its refusal, and the same from ours."""
    activity = dict(SHAPES[base])
    if nested:
        activity[nested] = {**(activity.get(nested) or {}), field: value}
    else:
        activity[field] = value
    assert our_reading(Activity, activity) == msrest_reading(Activity, activity)


def test_activities_read_apart_share_nothing():
    # from_json builds a model without its __init__ (issue 19): each must still have its own parts.
    first, second = (from_json(Activity, {"type": "message", "from": {"id": "29:a"}, "unknown": 1}) for _ in range(2))
    first.additional_properties["unknown"] = 2
    first.from_property.name = "changed"
    first.text = "changed"
    assert (second.additional_properties, second.from_property.name, second.text) == ({"unknown": 1}, None, None)
    assert from_json(Activity, {"type": "message"}).additional_properties == {}
