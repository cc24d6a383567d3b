"""Who may do what: chairs convene; the chair and the invitees see a discussion; nobody else."""
from __future__ import annotations


class Access:
    def __init__(self, chair_aad_ids: tuple[str, ...], *, local_mode: bool):
        self.chairs = {c.lower() for c in chair_aad_ids}
        # With no list in local mode anyone may try the bot; in Azure mode an empty list means nobody.
        self.open_to_all = local_mode and not self.chairs

    def may_convene(self, aad_object_id: str | None) -> bool:
        return self.open_to_all or bool(aad_object_id and aad_object_id.lower() in self.chairs)

    @staticmethod
    def is_chair_of(discussion, aad_object_id: str | None) -> bool:
        return bool(aad_object_id) and discussion.chair_aad_id == aad_object_id

    @staticmethod
    def invitation_of(discussion, aad_object_id: str | None):
        if not aad_object_id:
            return None
        return next((i for i in discussion.invitations if i.aad_object_id == aad_object_id), None)
