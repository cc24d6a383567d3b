"""Meeting providers: Microsoft Graph (sends Teams invitations) and local (.ics files, sends nothing)."""
from .base import Attendee, Meeting, MeetingError, MeetingProvider, MeetingRequest, TransientMeetingError

__all__ = ["Attendee", "Meeting", "MeetingError", "MeetingProvider", "MeetingRequest", "TransientMeetingError"]
