"""The Microsoft Graph provider: a calendar event in the organiser's mailbox is what sends Teams
meeting invitations (POST /onlineMeetings sends none). App-only credentials.

Retries are ours, not kiota's: kiota's RetryHandler sleeps on the wall clock, which tests cannot
control, so every request turns it off and `with_retries` does the waiting with an injected sleep.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphServiceClient
from msgraph.generated.models.attendee import Attendee as GraphAttendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import CancelPostRequestBody
from msgraph.generated.users.item.events.item.event_item_request_builder import EventItemRequestBuilder

from .base import Attendee, Meeting, MeetingError, MeetingRequest, TransientMeetingError, with_retries

TRANSIENT = {429, 503, 504}
MAX_IN_FLIGHT_PER_MAILBOX = 4  # Outlook's concurrency limit per app per mailbox


def graph_client(*, credential, base_url: str) -> GraphServiceClient:
    client = GraphServiceClient(credentials=credential, scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = base_url.rstrip("/")  # a trailing slash makes the SDK ask for //users
    return client


def _no_kiota_retries(query_parameters=None) -> RequestConfiguration:
    return RequestConfiguration(query_parameters=query_parameters, options=[RetryHandlerOption(max_retries=0)])


def _when(moment: datetime, time_zone: str) -> DateTimeTimeZone:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)
    return DateTimeTimeZone(date_time=local.isoformat(timespec="seconds"), time_zone=time_zone)


def _attendees(attendees: tuple[Attendee, ...]) -> list[GraphAttendee]:
    return [
        GraphAttendee(email_address=EmailAddress(address=a.email, name=a.name),
                      type=AttendeeType.Required if a.required else AttendeeType.Optional)
        for a in attendees
    ]


class GraphMeetingProvider:
    name = "graph"
    sends_invitations = True

    def __init__(self, client: GraphServiceClient, *, organiser: str, sleep, timeout: float = 10.0, attempts: int = 4):
        self.client = client
        self.organiser = organiser
        self.sleep = sleep
        self.timeout = timeout
        self.attempts = attempts
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT_PER_MAILBOX)

    def _events(self):
        return self.client.users.by_user_id(self.organiser).events

    async def _call(self, what: str, request):
        async def once():
            async with self._in_flight:
                try:
                    return await asyncio.wait_for(request(), self.timeout)
                except (asyncio.TimeoutError, httpx.TimeoutException) as error:  # (a connect timeout sent nothing)
                    raise TransientMeetingError(f"Microsoft Graph did not answer within {self.timeout:g} s",
                                                unanswered=not isinstance(error, httpx.ConnectTimeout)) from None
                except httpx.TransportError as error:
                    raise TransientMeetingError(f"could not reach Microsoft Graph ({error.__class__.__name__})",
                                                unanswered=not isinstance(error, httpx.ConnectError)) from None
                except APIError as error:
                    raise _translate(error) from None

        return await with_retries(once, sleep=self.sleep, attempts=self.attempts, what=what)

    async def create(self, request: MeetingRequest) -> Meeting:
        event = Event(
            subject=request.subject,
            body=ItemBody(content_type=BodyType.Html, content=request.body_html),
            start=_when(request.start, request.time_zone),
            end=_when(request.end, request.time_zone),
            attendees=_attendees(request.attendees),
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id=request.transaction_id,
            allow_new_time_proposals=False,
        )
        created = await self._call("creating the Teams meeting", lambda: self._events().post(event, _no_kiota_retries()))
        join_url = created.online_meeting.join_url if created.online_meeting else None
        if join_url is None:  # isOnlineMeeting false: the organiser mailbox has no Teams licence
            return Meeting(created.id, None, True, "calendar invitations sent by Microsoft Graph; no Teams meeting "
                                                   "(the organiser mailbox cannot host one)")
        return Meeting(created.id, join_url, True, "Teams meeting; invitations sent by Microsoft Graph")

    async def responses(self, event_id: str) -> dict[str, str]:
        query = EventItemRequestBuilder.EventItemRequestBuilderGetQueryParameters(select=["attendees"])
        event = await self._call("reading replies", lambda: self._events().by_event_id(event_id).get(_no_kiota_retries(query)))
        replies = {}
        for attendee in event.attendees or []:
            status = attendee.status.response.value if attendee.status and attendee.status.response else "none"
            replies[attendee.email_address.address.lower()] = status
        return replies

    async def set_attendees(self, event_id: str, attendees: tuple[Attendee, ...]) -> None:
        """Add the discussion's people to the event. Graph's PATCH replaces the whole list, so the
        event's own list is read first and kept: someone an invitee forwarded the invitation to was
        added there by Exchange, and must not be dropped by the bot's next change."""
        query = EventItemRequestBuilder.EventItemRequestBuilderGetQueryParameters(select=["attendees"])
        event = await self._call("reading attendees", lambda: self._events().by_event_id(event_id).get(_no_kiota_retries(query)))
        ours = _attendees(attendees)
        known = {a.email_address.address.lower() for a in ours}
        kept = [GraphAttendee(email_address=a.email_address, type=a.type) for a in (event.attendees or [])
                if a.email_address and a.email_address.address and a.email_address.address.lower() not in known]
        patch = Event(attendees=ours + kept)
        await self._call("updating attendees", lambda: self._events().by_event_id(event_id).patch(patch, _no_kiota_retries()))

    async def reschedule(self, event_id: str, start: datetime, end: datetime, time_zone: str) -> None:
        patch = Event(start=_when(start, time_zone), end=_when(end, time_zone))
        await self._call("rescheduling", lambda: self._events().by_event_id(event_id).patch(patch, _no_kiota_retries()))

    async def cancel(self, event_id: str, comment: str) -> None:
        body = CancelPostRequestBody(comment=comment)
        await self._call("cancelling", lambda: self._events().by_event_id(event_id).cancel.post(body, _no_kiota_retries()))


def _translate(error: APIError) -> MeetingError:
    status = error.response_status_code
    code = getattr(getattr(error, "error", None), "code", None)
    detail = f"Microsoft Graph answered {status}" + (f" ({code})" if code else "")
    if status in TRANSIENT:
        headers = {k.lower(): v for k, v in (error.response_headers or {}).items()}
        retry_after = headers.get("retry-after")
        seconds = float(retry_after) if retry_after and retry_after.strip().isdigit() else None
        return TransientMeetingError(detail, retry_after=seconds)
    if status in (401, 403):
        return MeetingError(f"{detail}: the bot is not allowed to use the organiser's calendar (check Calendars.ReadWrite and the access policy)")
    return MeetingError(detail)
