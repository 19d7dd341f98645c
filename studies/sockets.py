"""The base of sockets scoped to one study (chat rooms, calls).

Only members are served; a member who leaves or is removed, and everyone when the
study is deleted, has the socket closed by a server-sent event on `study.<id>`.
"""

from channels.db import database_sync_to_async

from realtime.consumers import CloseCode, CohortConsumer
from realtime.groups import study_group
from studies.selectors import Access, study_access

_study_access = database_sync_to_async(study_access)


class StudyScopedConsumer(CohortConsumer):
    study_id: int | None = None

    async def resolve_study_id(self) -> int | None:
        """Return the study this socket belongs to, or None when its object does not exist.

        By default the route names it as `study_id`; sockets routed by another object
        (a chat room) override this.
        """
        return self.scope["url_route"]["kwargs"]["study_id"]

    async def authorize(self) -> CloseCode | None:
        self.study_id = await self.resolve_study_id()
        if self.study_id is None:
            return CloseCode.NOT_FOUND
        self.access = await _study_access(study_id=self.study_id, user_id=self.user.pk)
        if self.access is Access.NO_STUDY:
            return CloseCode.NOT_FOUND
        if not self.access.is_member:
            return CloseCode.FORBIDDEN
        return None

    async def groups_for_socket(self) -> list[str]:
        return [study_group(self.study_id)]

    async def study_access_revoked(self, event):
        if event["user_id"] == self.user.pk:
            await self.close(code=CloseCode.FORBIDDEN)

    async def study_deleted(self, event):
        await self.close(code=CloseCode.NOT_FOUND)
