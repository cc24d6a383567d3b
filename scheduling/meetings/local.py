"""The local provider: a real RFC 5545 invitation per discussion under the data directory.
Nothing is sent; every card that shows a local meeting says so."""
from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage.files import write_privately

from .base import Attendee, Meeting, MeetingError, MeetingRequest

if TYPE_CHECKING:
    from icalendar import Calendar, vCalAddress
# icalendar is imported where an invitation is written or read: 4 MB a service keeps from its first
# convening on, rather than from start-up whether it convenes or not.

ORGANISER = "mailto:strategy-bot@localhost"


def plain_text(body_html: str) -> str:
    """An invitation's HTML body as the plain text RFC 5545 gives DESCRIPTION (a walk saw <p> tags in the calendar):
    a paragraph a line, the tags gone, entities read back."""
    import html
    import re

    lines = re.split(r"</p>|<br\s*/?>", body_html)
    return "\n".join(text for text in (html.unescape(re.sub(r"<[^>]*>", "", line)).strip() for line in lines) if text)


class LocalMeetingProvider:
    name = "local"
    sends_invitations = False

    def __init__(self, directory: Path, *, clock):
        self.directory = directory
        self.clock = clock

    def _path(self, event_id: str) -> Path:
        return self.directory / f"{event_id}.ics"

    async def create(self, request: MeetingRequest) -> Meeting:
        path = self._path(request.transaction_id)
        if not path.exists():  # same transaction id, same meeting: a retry never makes two
            calendar = self._calendar(request, sequence=0, status="CONFIRMED", method="REQUEST")
            await asyncio.to_thread(self._write, path, calendar)
        return Meeting(request.transaction_id, None, False, f"invitation file {path.name} (not sent)")

    def _calendar(self, request: MeetingRequest, *, sequence: int, status: str, method: str) -> Calendar:
        from icalendar import Calendar, Event, vCalAddress, vText

        calendar = Calendar()
        calendar.add("prodid", "-//strategy-bot//local meeting provider//EN")
        calendar.add("version", "2.0")
        calendar.add("method", method)
        event = Event()
        event.add("uid", f"{request.transaction_id}@strategy-bot")
        event.add("dtstamp", self.clock.now())
        event.add("dtstart", request.start)
        event.add("dtend", request.end)
        event.add("summary", request.subject)
        event.add("description", plain_text(request.body_html))
        event.add("sequence", sequence)
        event.add("status", status)
        organiser = vCalAddress(ORGANISER)
        organiser.params["cn"] = vText("Strategy Bot")
        event["organizer"] = organiser
        for attendee in request.attendees:
            event.add("attendee", _address(attendee), encode=0)
        calendar.add_component(event)
        return calendar

    @staticmethod
    def _write(path: Path, calendar: Calendar) -> None:
        write_privately(path, calendar.to_ical())

    def _read(self, event_id: str) -> Calendar:
        from icalendar import Calendar

        try:
            return Calendar.from_ical(self._path(event_id).read_bytes())
        except FileNotFoundError:
            raise MeetingError(f"no local meeting {event_id}") from None

    async def responses(self, event_id: str) -> dict[str, str]:
        self._read(event_id)
        return {}  # nobody can answer a file: replies come from the Teams cards

    async def set_attendees(self, event_id: str, attendees: tuple[Attendee, ...]) -> None:
        await self._rewrite(event_id, attendees=attendees)

    async def reschedule(self, event_id: str, start: datetime, end: datetime, time_zone: str) -> None:
        await self._rewrite(event_id, start=start, end=end)

    async def cancel(self, event_id: str, comment: str) -> None:
        await self._rewrite(event_id, cancel=comment)

    async def _rewrite(self, event_id: str, *, attendees=None, start=None, end=None, cancel=None) -> None:
        calendar = self._read(event_id)
        event = next(c for c in calendar.walk("VEVENT"))
        event["sequence"] = int(event.get("sequence", 0)) + 1
        if attendees is not None:
            event.pop("attendee", None)
            for attendee in attendees:
                event.add("attendee", _address(attendee), encode=0)
        if start is not None:
            del event["dtstart"], event["dtend"]
            event.add("dtstart", start)
            event.add("dtend", end)
        if cancel is not None:
            calendar["method"] = "CANCEL"
            event["status"] = "CANCELLED"
            event.add("comment", cancel)
        await asyncio.to_thread(self._write, self._path(event_id), calendar)


def _address(attendee: Attendee) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["cn"] = vText(attendee.name)
    address.params["role"] = vText("REQ-PARTICIPANT" if attendee.required else "OPT-PARTICIPANT")
    address.params["partstat"] = vText("NEEDS-ACTION")
    address.params["rsvp"] = vText("TRUE")
    return address
