"""The local provider writes real RFC 5545 invitations and never claims to have sent them."""
from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from scheduling.clock import FixedClock
from scheduling.meetings import Attendee, MeetingRequest
from scheduling.meetings.local import LocalMeetingProvider

START = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)


def request() -> MeetingRequest:
    return MeetingRequest("disc-7", "Strategy discussion CR-7 (CD)", "<p>Case CR-7</p>", START, START + timedelta(hours=1),
                          "Europe/London", (Attendee("DS Jones", "jones@police.example.org"),
                                            Attendee("Ms Khan", "khan@school.example.org", required=False)))


async def test_an_ics_invitation_is_written_and_not_sent(tmp_path):
    provider = LocalMeetingProvider(tmp_path, clock=FixedClock(START - timedelta(hours=3)))
    meeting = await provider.create(request())
    assert meeting.invitations_sent is False
    assert "not sent" in meeting.where
    calendar = Calendar.from_ical((tmp_path / "disc-7.ics").read_bytes())
    assert calendar["method"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event["uid"] == "disc-7@strategy-bot"
    assert event["summary"] == "Strategy discussion CR-7 (CD)"
    assert event.decoded("dtstart") == START
    assert [str(a) for a in event["attendee"]] == ["mailto:jones@police.example.org", "mailto:khan@school.example.org"]
    assert str(event["description"]) == "Case CR-7"  # plain text, as the field is: no <p> tags in the calendar (a walk)
    assert event["attendee"][1].params["role"] == "OPT-PARTICIPANT"


async def test_create_is_idempotent_and_changes_bump_the_sequence(tmp_path):
    provider = LocalMeetingProvider(tmp_path, clock=FixedClock(START))
    await provider.create(request())
    await provider.create(request())
    assert len(list(tmp_path.glob("*.ics"))) == 1
    await provider.reschedule("disc-7", START + timedelta(hours=2), START + timedelta(hours=3), "Europe/London")
    await provider.set_attendees("disc-7", (Attendee("DS Jones", "jones@police.example.org"),))
    await provider.cancel("disc-7", "no longer needed")
    [event] = Calendar.from_ical((tmp_path / "disc-7.ics").read_bytes()).walk("VEVENT")
    assert event["sequence"] == 3
    assert event.decoded("dtstart") == START + timedelta(hours=2)
    assert str(event["attendee"]) == "mailto:jones@police.example.org"
    assert event["status"] == "CANCELLED"
