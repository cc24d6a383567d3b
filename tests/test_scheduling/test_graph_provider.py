"""The Graph meeting provider's real msgraph-sdk code path against a fake Graph on 127.0.0.1."""
from datetime import datetime, timedelta, timezone

import pytest

from scheduling.meetings import Attendee, MeetingError, MeetingRequest
from scheduling.meetings.graph import GraphMeetingProvider, graph_client
from tests.support.fake_graph import Fault, FakeCredential

START = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
ORGANISER = "strategy-meetings@council.example.org"
ORGANISER_IN_PATH = ORGANISER.replace("@", "%40")  # as the SDK percent-encodes it


class RecordedSleep:
    def __init__(self):
        self.waits = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleep():
    return RecordedSleep()


@pytest.fixture
def provider(graph, sleep):
    client = graph_client(credential=FakeCredential(), base_url=graph.base_url + "/")
    return GraphMeetingProvider(client, organiser=ORGANISER, sleep=sleep, timeout=0.5)


def request(transaction_id="disc-1") -> MeetingRequest:
    return MeetingRequest(
        transaction_id=transaction_id, subject="Strategy discussion CR-1042 (AB)",
        body_html="<p>Case CR-1042, child AB.</p>", start=START, end=START + timedelta(hours=1),
        time_zone="Europe/London",
        attendees=(Attendee("DS Jones", "jones@police.example.org"), Attendee("Nurse Patel", "patel@nhs.example.org", required=False)),
    )


async def test_create_posts_an_online_teams_event_with_attendees_and_transaction_id(provider, graph):
    meeting = await provider.create(request())
    assert meeting.invitations_sent is True
    assert meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    [event] = graph.events.values()
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert event["transactionId"] == "disc-1"
    assert event["start"] == {"dateTime": "2026-11-23T14:00:00", "timeZone": "Europe/London"}
    assert [(a["emailAddress"]["address"], a["type"]) for a in event["attendees"]] == [
        ("jones@police.example.org", "required"), ("patel@nhs.example.org", "optional")]
    assert graph.requests[0] == ("POST", f"/v1.0/users/{ORGANISER_IN_PATH}/events")


async def test_summer_times_are_sent_as_london_wall_clock(provider, graph):
    summer = MeetingRequest(**{**request().__dict__, "start": datetime(2027, 6, 1, 13, 0, tzinfo=timezone.utc),
                               "end": datetime(2027, 6, 1, 14, 0, tzinfo=timezone.utc)})
    await provider.create(summer)
    assert next(iter(graph.events.values()))["start"]["dateTime"] == "2027-06-01T14:00:00"


async def test_read_replies_patch_attendees_reschedule_and_cancel(provider, graph):
    meeting = await provider.create(request())
    assert await provider.responses(meeting.event_id) == {"jones@police.example.org": "none", "patel@nhs.example.org": "none"}
    graph.respond(meeting.event_id, "jones@police.example.org", "accepted")
    assert (await provider.responses(meeting.event_id))["jones@police.example.org"] == "accepted"
    assert ("GET", f"/v1.0/users/{ORGANISER_IN_PATH}/events/{meeting.event_id}?$select=attendees") in graph.requests

    await provider.set_attendees(meeting.event_id, request().attendees + (Attendee("Dr Okafor", "okafor@nhs.example.org"),))
    replies = await provider.responses(meeting.event_id)
    assert replies["jones@police.example.org"] == "accepted"  # the whole list is patched; answers survive
    assert replies["okafor@nhs.example.org"] == "none"

    await provider.reschedule(meeting.event_id, START + timedelta(hours=1), START + timedelta(hours=2), "Europe/London")
    assert graph.events[meeting.event_id]["start"]["dateTime"] == "2026-11-23T15:00:00"

    await provider.cancel(meeting.event_id, "Concern resolved; discussion not needed")
    assert graph.events[meeting.event_id]["isCancelled"] is True
    assert graph.events[meeting.event_id]["cancelComment"] == "Concern resolved; discussion not needed"


async def test_429_with_retry_after_then_success_creates_exactly_one_event(provider, graph, sleep):
    graph.faults = [Fault(429, retry_after="7")]
    meeting = await provider.create(request())
    assert len(graph.events) == 1
    assert sleep.waits == [7.0]
    assert meeting.event_id in graph.events


async def test_503_backs_off_exponentially_then_succeeds(provider, graph, sleep):
    graph.faults = [Fault(503), Fault(503)]
    await provider.create(request())
    assert sleep.waits == [2.0, 4.0]
    assert len(graph.events) == 1


async def test_a_timeout_is_retried_and_the_transaction_id_prevents_a_second_event(provider, graph, sleep):
    # The first POST stalls past our timeout but reaches Graph; the retry carries the same transactionId.
    graph.faults = [Fault(504, hang=True)]
    meeting = await provider.create(request())
    assert len(graph.events) == 1
    assert len(sleep.waits) == 1
    assert meeting.event_id in graph.events


async def test_a_final_failure_is_a_meeting_error_naming_what_failed(provider, graph, sleep):
    graph.faults = [Fault(503)] * 4
    with pytest.raises(MeetingError, match="creating the Teams meeting failed after 4 attempts: Microsoft Graph answered 503"):
        await provider.create(request())
    assert graph.events == {}
    assert len(sleep.waits) == 3


async def test_a_final_failure_says_whether_a_try_went_unanswered_so_the_meeting_may_exist(provider, graph, sleep):
    """A Graph trial: made by a try whose answer was lost, then 503 to the end, the meeting was told as not made."""
    graph.faults = [Fault(503)] * 4
    with pytest.raises(MeetingError) as refused:
        await provider.create(request())
    assert refused.value.unanswered is False  # every try answered: nothing was made
    graph.faults = [Fault(504, hang=True), *[Fault(503)] * 3]
    with pytest.raises(MeetingError) as lost:
        await provider.create(request())
    assert lost.value.unanswered is True and len(graph.events) == 1  # made by the first try, its answer lost
    graph.faults = [Fault(504, hang=True), Fault(403)]  # and when a final refusal follows a lost answer
    with pytest.raises(MeetingError, match="not allowed") as denied:
        await provider.create(request())
    assert denied.value.unanswered is True


async def test_a_permission_error_is_final_and_explained(provider, graph, sleep):
    graph.faults = [Fault(403)]
    with pytest.raises(MeetingError, match="not allowed to use the organiser's calendar"):
        await provider.create(request())
    assert sleep.waits == []
