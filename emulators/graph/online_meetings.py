"""`onlineMeeting: createOrGet` (seed 001): a Teams meeting that is not on any calendar.

Identity is tenant + organizer + externalId (microsoft-graph-docs#16052); once a meeting exists
for an externalId, createOrGet returns it and ignores every other field
(microsoft-graph-docs-contrib#465).
"""

from __future__ import annotations

import base64
import secrets
import string
import uuid
from datetime import datetime, timedelta
from typing import Any

from emulators.graph.errors import bad_request
from emulators.graph.events import Organizer
from emulators.graph.teams import TOLL_NUMBER, JoinInfo, mint_join_info, random_digits
from emulators.graph.zones import instant_text, parse_instant

_PASSCODE_ALPHABET = string.ascii_letters + string.digits


def meeting_times(body: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """Start and end as createOrGet documents them: start defaults to now, end to start + 1 h."""
    raw_start, raw_end = body.get("startDateTime"), body.get("endDateTime")
    if raw_start is None and raw_end is not None:
        raise bad_request("endDateTime cannot be provided without startDateTime.")
    start = now if raw_start is None else parse_instant(raw_start, "startDateTime")
    end = start + timedelta(hours=1) if raw_end is None else parse_instant(raw_end, "endDateTime")
    if end < start:
        raise bad_request("endDateTime must not be earlier than startDateTime.")
    return start, end


def external_id_of(body: dict[str, Any]) -> str:
    external_id = body.get("externalId")
    if not isinstance(external_id, str) or not external_id:
        raise bad_request("externalId is required.")
    return external_id


def new_online_meeting(body: dict[str, Any], organizer: Organizer, now: datetime) -> dict[str, Any]:
    """The onlineMeeting resource a first createOrGet call for an externalId creates."""
    start, end = meeting_times(body, now)
    info = mint_join_info(organizer.tenant_id, organizer.user_id, organizer.config)
    meeting_id = base64.b64encode(f"1*{organizer.user_id}*0**{info.thread_id}".encode()).decode()
    return {
        "id": meeting_id.rstrip("="),
        "creationDateTime": instant_text(now),
        "startDateTime": instant_text(start),
        "endDateTime": instant_text(end),
        "joinWebUrl": info.join_url,
        "subject": body.get("subject"),
        "isBroadcast": False,
        "autoAdmittedUsers": "EveryoneInCompany",
        "isEntryExitAnnounced": True,
        "allowedPresenters": "everyone",
        "videoTeleconferenceId": random_digits(10),
        "externalId": external_id_of(body),
        "joinMeetingIdSettings": {
            "isPasscodeRequired": True,
            "joinMeetingId": random_digits(13),
            "passcode": "".join(secrets.choice(_PASSCODE_ALPHABET) for _ in range(6)),
        },
        "participants": _participants(body, organizer),
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
        "audioConferencing": _audio_conferencing(info),
        "chatInfo": {"threadId": info.thread_id, "messageId": "0", "replyChainMessageId": None},
    }


def _participants(body: dict[str, Any], organizer: Organizer) -> dict[str, Any]:
    sent = body.get("participants") or {}
    attendees = sent.get("attendees", []) if isinstance(sent, dict) else None
    if not isinstance(attendees, list) or not all(isinstance(a, dict) for a in attendees):
        raise bad_request("participants.attendees must be an array of meetingParticipantInfo.")
    return {
        "organizer": {
            "upn": organizer.config.email_for(organizer.user_id),
            "role": "presenter",
            "identity": {"user": {"id": organizer.user_id, "tenantId": organizer.tenant_id}},
        },
        "attendees": [{"role": None, **attendee} for attendee in attendees],
        "producers": [],
        "contributors": [],
    }


def _audio_conferencing(info: JoinInfo) -> dict[str, Any] | None:
    if info.conference_id is None:
        return None  # the organizer has no Audio Conferencing licence (msteams-docs#1683)
    toll_free = [info.toll_free_number] if info.toll_free_number else []
    return {
        "conferenceId": info.conference_id,
        "tollNumber": TOLL_NUMBER,
        "tollFreeNumber": info.toll_free_number,
        "tollNumbers": [TOLL_NUMBER],
        "tollFreeNumbers": toll_free,
        "dialinUrl": info.dialin_url or f"https://dialin.teams.microsoft.com/{uuid.uuid4()}",
    }
