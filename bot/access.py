"""Who may do what: chairs convene; the chair and the invitees see a discussion; nobody else.

Chairs are a list of Entra object ids (CHAIR_AAD_IDS) and/or the members of a security group
(CHAIRS_GROUP_ID, checked through Graph and remembered for a few minutes)."""
from __future__ import annotations

import logging
from datetime import timedelta

from cards.wizard import message_card, no_such_discussion

log = logging.getLogger(__name__)
REMEMBER = timedelta(minutes=10)


class GraphGroupMembership:
    """Transitive membership of one group, read with Graph checkMemberGroups (application permissions:
    User.Read.All and GroupMember.Read.All, both)."""

    def __init__(self, client, group_id: str):
        self.client = client
        self.group_id = group_id

    async def __call__(self, aad_object_id: str) -> bool:
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph.generated.users.item.check_member_groups.check_member_groups_post_request_body import (
            CheckMemberGroupsPostRequestBody,
        )

        answer = await self.client.users.by_user_id(aad_object_id).check_member_groups.post(
            CheckMemberGroupsPostRequestBody(group_ids=[self.group_id]),
            request_configuration=RequestConfiguration(options=[RetryHandlerOption(max_retries=0)]))
        return self.group_id in (answer.value or [])


class ChairsGroupUnavailable(Exception):
    """The chairs group could not be read: not a "no", so the person is told it could not be checked."""

    def words(self) -> str:
        return (f"I could not check whether you are on the chairs list just now ({self}). Nothing was changed; "
                "try again shortly, and if it keeps happening, tell your Teams administrator.")


class Access:
    def __init__(self, chair_aad_ids: tuple[str, ...], *, local_mode: bool, group=None, clock=None,
                 manager_aad_ids: tuple[str, ...] = (), managers_group=None):
        self.chairs = {c.lower() for c in chair_aad_ids}
        self.group = group
        self.managers = {m.lower() for m in manager_aad_ids}
        self.managers_group = managers_group
        self.clock = clock
        self._remembered: dict[tuple[str, str], tuple[bool, object]] = {}
        # With no list and no group in local mode anyone may try the bot; otherwise nobody unlisted.
        self.open_to_all = local_mode and not self.chairs and group is None
        # Managers see every discussion on the oversight tab: only those named, in any mode.

    async def may_convene(self, aad_object_id: str | None) -> bool:
        if self.open_to_all or (aad_object_id and aad_object_id.lower() in self.chairs):
            return True
        return await self._member(aad_object_id, self.group, "chairs")

    async def is_manager(self, aad_object_id: str | None) -> bool:
        if aad_object_id and aad_object_id.lower() in self.managers:
            return True
        return await self._member(aad_object_id, self.managers_group, "managers")

    async def _member(self, aad_object_id: str | None, group, which: str) -> bool:
        """Membership of a security group through Graph, remembered for a few minutes."""
        if not aad_object_id or group is None:
            return False
        now = self.clock.now()
        remembered = self._remembered.get((which, aad_object_id))
        if remembered and now - remembered[1] < REMEMBER:
            return remembered[0]
        try:
            member = await group(aad_object_id)
        except Exception as error:  # Graph down or refusing: nobody is let in, and the person is told why
            forbidden = "403" in str(error) or "Authorization_RequestDenied" in str(error)
            log.error("could not check %s group membership for %s: %s%s", which, aad_object_id, error,
                      " (grant the app User.Read.All and GroupMember.Read.All, both application permissions)" if forbidden else "")
            raise ChairsGroupUnavailable(f"the bot is not allowed to read the {which} group" if forbidden
                                         else "Microsoft Graph did not answer") from None
        self._remembered[(which, aad_object_id)] = (member, now)
        return member

    @staticmethod
    def is_chair_of(discussion, aad_object_id: str | None) -> bool:
        return bool(aad_object_id) and discussion.chair_aad_id == aad_object_id

    @staticmethod
    async def refused(uow, discussion, aad_object_id: str | None, verb: str) -> None:
        """A press or command on a discussion that is not theirs: who tried what, kept in the audit trail
        (a hostile trial: an outsider's Finalise on a child's record was refused and left no trace)."""
        uow.audit.record(actor=aad_object_id or "", action="discussion.access_refused", subject_type="discussion",
                         subject_id=discussion.id, details={"verb": verb})
        await uow.commit()

    @classmethod
    async def chaired(cls, uow, data: dict, aad_object_id: str | None, verb: str, only: str, *,
                      title: str = "Not yours", **get) -> tuple:
        """The discussion a press names, if the one pressing chairs it: (discussion, None); else (None, the
        card that says why not), an outsider's attempt audited. `only` says who may; `get`, how it is read."""
        discussion = await uow.discussions.get(str(data.get("discussion_id", "")), **get)
        if discussion is None:
            return None, no_such_discussion()
        if not cls.is_chair_of(discussion, aad_object_id):
            await cls.refused(uow, discussion, aad_object_id, verb)
            return None, message_card(title, only)
        return discussion, None

    @staticmethod
    def invitation_of(discussion, aad_object_id: str | None):
        if not aad_object_id:
            return None
        return next((i for i in discussion.invitations if i.aad_object_id == aad_object_id), None)
