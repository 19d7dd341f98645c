"""The signalling socket of a study's call: /ws/rtc/<study_id>/ (docs/protocol.md)."""

import asyncio
import contextlib
import re
from enum import IntEnum

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from realtime.consumers import CloseCode, FrameError
from realtime.groups import call_group
from rtc.errors import CallFull, NotInCall
from rtc.ice import ice_config_for
from rtc.selectors import call_peers, peer_channel
from rtc.services import call_join, call_leave, participant_media_set, participant_touch
from studies.models import Study
from studies.sockets import StudyScopedConsumer

PEER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SDP_CHARS = 60 * 1024
MAX_CANDIDATE_CHARS = 1024
MAX_MID_CHARS = 64
MAX_UFRAG_CHARS = 256


# The socket's database calls: each one short hop to the database thread, returning plain values.
_call_join = database_sync_to_async(call_join)
_call_leave = database_sync_to_async(call_leave)
_call_peers = database_sync_to_async(call_peers)
_ice_config_for = database_sync_to_async(ice_config_for)
_participant_touch = database_sync_to_async(participant_touch)
_participant_media_set = database_sync_to_async(participant_media_set)
_peer_channel = database_sync_to_async(peer_channel)


class RtcCloseCode(IntEnum):
    CALL_FULL = 4429
    # The same user joined the call from another socket, which took this one's seat.
    REPLACED = 4409
    # Not a refusal: the server lost this socket's seat (e.g. swept as stale); rejoin.
    REJOIN = 4000


def _optional_str(value, limit: int, field: str):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise FrameError(
            "candidate_too_large",
            _("'%(field)s' must be a string of at most %(limit)s characters.")
            % {"field": field, "limit": limit},
        )
    return value


def clean_candidate(candidate) -> dict:
    """Return the RTCIceCandidateInit fields of a frame, checked; nothing else is forwarded."""
    if not isinstance(candidate, dict) or not isinstance(candidate.get("candidate"), str):
        raise FrameError("bad_frame", _("'candidate' must be an object with a string 'candidate'."))
    if len(candidate["candidate"]) > MAX_CANDIDATE_CHARS:
        raise FrameError(
            "candidate_too_large",
            _("Candidates are limited to %(count)s characters.") % {"count": MAX_CANDIDATE_CHARS},
        )
    index = candidate.get("sdpMLineIndex")
    if index is not None and (type(index) is not int or not 0 <= index <= 255):
        raise FrameError("bad_frame", _("'sdpMLineIndex' must be an integer from 0 to 255."))
    return {
        "candidate": candidate["candidate"],
        "sdpMid": _optional_str(candidate.get("sdpMid"), MAX_MID_CHARS, "sdpMid"),
        "sdpMLineIndex": index,
        "usernameFragment": _optional_str(
            candidate.get("usernameFragment"), MAX_UFRAG_CHARS, "usernameFragment"
        ),
    }


def clean_sdp(sdp) -> str:
    if not isinstance(sdp, str) or not sdp:
        raise FrameError("bad_frame", _("'sdp' must be a non-empty string."))
    if len(sdp) > MAX_SDP_CHARS:
        raise FrameError(
            "sdp_too_large", _("SDP is limited to %(count)s characters.") % {"count": MAX_SDP_CHARS}
        )
    return sdp


class CallConsumer(StudyScopedConsumer):
    """One participant of a study's mesh call."""

    # An offer of a few tracks is 5-15 KB of SDP; screen share and simulcast stay well below this.
    max_frame_bytes = 64 * 1024

    peer_id: str | None = None
    heartbeat = None

    async def authorize(self):
        refusal = await super().authorize()
        if refusal is not None:
            return refusal
        try:
            joined = await _call_join(
                study_id=self.study_id, user=self.user, channel_name=self.channel_name
            )
        except CallFull:
            return RtcCloseCode.CALL_FULL
        except NotInCall:
            return CloseCode.FORBIDDEN
        except Study.DoesNotExist:
            return CloseCode.NOT_FOUND
        self.peer_id = joined.peer_id
        self.peer = joined.peer
        return None

    async def groups_for_socket(self):
        return [*await super().groups_for_socket(), call_group(self.study_id)]

    async def opened(self):
        # Read after joining the call group: a peer joining meanwhile is in the list, or
        # announced by peer.joined, or both (clients de-duplicate by peer id).
        peers = await _call_peers(study_id=self.study_id, exclude_peer_id=self.peer_id)
        ice = await _ice_config_for(self.user.pk)
        await self.send_json(
            {
                "type": "call.joined",
                "peer_id": self.peer_id,
                "you": self.peer,
                "participants": peers,
                "max_participants": settings.RTC_MAX_PARTICIPANTS,
                **ice,
            }
        )
        self.heartbeat = self.repeat(lambda: settings.RTC_HEARTBEAT_SECONDS, self.keep_seat)

    async def keep_seat(self) -> bool:
        if not await _participant_touch(peer_id=self.peer_id):
            await self.lost_seat()
            return False
        return True

    async def lost_seat(self):
        self.peer_id = None
        await self.close(code=int(RtcCloseCode.REJOIN))

    async def leave_call(self):
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
            self.heartbeat = None
        if self.peer_id is not None:
            peer_id, self.peer_id = self.peer_id, None
            await _call_leave(study_id=self.study_id, peer_id=peer_id)

    async def disconnect(self, code):
        # The base class's cleanup runs even when leaving the call fails (database down); a
        # seat left behind is swept once RTC_PARTICIPANT_TTL passes.
        try:
            await self.leave_call()
        finally:
            await super().disconnect(code)

    async def study_access_revoked(self, event):
        if event["user_id"] == self.user.pk:
            await self.leave_call()
        await super().study_access_revoked(event)

    async def study_deleted(self, event):
        await self.leave_call()
        await super().study_deleted(event)

    async def session_revoked(self, event):
        await self.leave_call()
        await super().session_revoked(event)

    # Client frames.

    async def forward(self, frame: dict, payload: dict) -> None:
        if self.peer_id is None:
            raise FrameError("not_in_call", _("This socket is no longer in the call; reconnect."))
        target = frame.get("to")
        if not isinstance(target, str) or not PEER_ID.match(target):
            raise FrameError("bad_frame", _("'to' must be a peer id."))
        channel = None
        if target != self.peer_id:
            channel = await _peer_channel(study_id=self.study_id, peer_id=target)
        if channel is None:
            raise FrameError("unknown_peer", _("No such peer in this call."))
        await self.channel_layer.send(
            channel,
            {
                "type": "rtc.signal",
                "frame": {"type": frame["type"], "from": self.peer_id, **payload},
            },
        )

    async def handle_offer(self, frame):
        await self.forward(frame, {"sdp": clean_sdp(frame.get("sdp"))})

    async def handle_answer(self, frame):
        await self.forward(frame, {"sdp": clean_sdp(frame.get("sdp"))})

    async def handle_ice(self, frame):
        await self.forward(frame, {"candidate": clean_candidate(frame.get("candidate"))})

    async def handle_media(self, frame):
        media = {key: frame.get(key) for key in ("mic", "camera", "screen")}
        if not all(type(value) is bool for value in media.values()):
            raise FrameError("bad_frame", _("'mic', 'camera' and 'screen' must be booleans."))
        if self.peer_id is None or not await _participant_media_set(
            study_id=self.study_id, peer_id=self.peer_id, **media
        ):
            raise FrameError("not_in_call", _("This socket is no longer in the call; reconnect."))

    # Server events.

    async def rtc_signal(self, event):
        if self.peer_id is not None:
            await self.send_json(event["frame"])

    async def rtc_peer_joined(self, event):
        if self.peer_id is not None and event["peer"]["peer_id"] != self.peer_id:
            await self.send_json({"type": "peer.joined", "peer": event["peer"]})

    async def rtc_peer_left(self, event):
        if self.peer_id is None:
            return
        if event["peer_id"] == self.peer_id:
            if event.get("replaced"):
                self.peer_id = None
                await self.close(code=int(RtcCloseCode.REPLACED))
                return
            # Swept as a ghost while alive (a stalled process): rejoin with a new seat.
            await self.lost_seat()
            return
        await self.send_json({"type": "peer.left", "peer_id": event["peer_id"]})

    async def rtc_peer_media(self, event):
        if self.peer_id is not None:
            await self.send_json(
                {"type": "peer.media", "peer_id": event["peer_id"], "media": event["media"]}
            )
