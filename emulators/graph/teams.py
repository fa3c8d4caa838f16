"""Teams meeting coordinates as Graph mints them: join URL, conference ID, dial-in numbers.

Formats follow the seed responses (shared/seeds/000, 001): the thread id is
`19:meeting_<base64 of a uuid>@thread.v2`, the join URL embeds it percent-encoded with the tenant
and organizer, and an event's body gets the "Join Microsoft Teams Meeting" block appended.
"""

from __future__ import annotations

import base64
import html
import secrets
import uuid
from dataclasses import dataclass

from emulators.graph.config import UserConfig

TOLL_NUMBER = "+1 323-555-0166"
TOLL_FREE_NUMBER = "+1 866-555-0142"
_RULE = "_" * 80
_LINK_STYLE = "font-size:12px; text-decoration:none; color:#6264a7"


def random_digits(count: int) -> str:
    """A numeric id such as a conference ID; never starts with 0 (it is read out on phones)."""
    # Uniform over the `count`-digit numbers: one draw, not one per digit.
    lowest = 10 ** (count - 1)
    return str(lowest + secrets.randbelow(9 * lowest))


@dataclass(frozen=True, slots=True)
class JoinInfo:
    """One minted Teams meeting: where to click, and where to dial when audio is licensed."""

    thread_token: str
    join_url: str
    conference_id: str | None
    toll_number: str | None
    toll_free_number: str | None
    dialin_url: str | None

    @property
    def thread_id(self) -> str:
        return f"19:meeting_{self.thread_token}@thread.v2"


def mint_join_info(tenant_id: str, organizer_id: str, user: UserConfig) -> JoinInfo:
    # Base64 of a uuid's text only ever yields letters and digits, so no padding and no '/'.
    token = base64.b64encode(str(uuid.uuid4()).encode()).decode()
    join_url = (
        f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{token}%40thread.v2/0"
        f"?context=%7b%22Tid%22%3a%22{tenant_id}%22%2c%22Oid%22%3a%22{organizer_id}%22%7d"
    )
    if not user.audio_conferencing:
        return JoinInfo(token, join_url, None, None, None, None)
    conference_id = random_digits(9)
    return JoinInfo(
        thread_token=token,
        join_url=join_url,
        conference_id=conference_id,
        toll_number=TOLL_NUMBER,
        toll_free_number=TOLL_FREE_NUMBER if user.toll_free else None,
        dialin_url=f"https://dialin.teams.microsoft.com/{uuid.uuid4()!s}?id={conference_id}",
    )


def event_online_meeting(info: JoinInfo) -> dict[str, object]:
    """An event's `onlineMeeting`: only `joinUrl` when the organizer has no audio conferencing."""
    result: dict[str, object] = {"joinUrl": info.join_url}
    if info.conference_id is not None:
        result["conferenceId"] = info.conference_id
        result["tollNumber"] = info.toll_number
    if info.toll_free_number is not None:
        result["tollFreeNumbers"] = [info.toll_free_number]
    return result


def _spaced(conference_id: str) -> str:
    return " ".join(conference_id[i : i + 3] for i in range(0, len(conference_id), 3))


def _link(href: str, text: str) -> str:
    return (
        f'<a class="me-email-link" target="_blank" href="{html.escape(href)}" '
        f'rel="noreferrer noopener" style="{_LINK_STYLE}">{text}</a>'
    )


def _phone_line(number: str, conference_id: str, label: str) -> str:
    tel = html.escape(f"tel:{number},,{conference_id}# ")
    return (
        f'<div><a class="me-email-link" href="{tel}" target="_blank" rel="noreferrer noopener" '
        f'style="font-size:14px; text-decoration:none; color:#6264a7">{number}</a>\r\n'
        f'<span style="font-size:12px"> {label} </span></div>\r\n'
    )


def _dial_in_html(info: JoinInfo) -> str:
    if info.conference_id is None or info.toll_number is None or info.dialin_url is None:
        return ""
    phones = _phone_line(info.toll_number, info.conference_id, "United States, Los Angeles (Toll)")
    if info.toll_free_number is not None:
        phones += _phone_line(info.toll_free_number, info.conference_id, "(Toll-free)")
    return (
        f"<div>\r\n{phones}</div>\r\n"
        '<div style="margin-top:10px; margin-bottom:20px"><span style="font-size:12px">'
        "Conference ID:\r\n</span>"
        f'<span style="font-size:14px">{_spaced(info.conference_id)}# </span></div>\r\n'
    )


# The parts of the invitation that never change, built once.
_LEARN_MORE_LINK = _link("https://aka.ms/JoinTeamsMeeting", "\r\nLearn more about Teams")
_RESET_PIN_LINK = _link("https://mysettings.lync.com/pstnconferencing", "\r\nReset PIN")
_RULE_HTML = (
    '<div style="width:100%; height:20px"><span style="white-space:nowrap; color:gray; '
    f'opacity:.36">{_RULE}</span>\r\n</div>\r\n'
)


def invitation_html(info: JoinInfo, tenant_id: str, organizer_id: str) -> str:
    """The block Teams appends to an online event's body (seed 000), dial-in part optional."""
    options = (
        f"https://teams.microsoft.com/meetingOptions/?organizerId={organizer_id}"
        f"&tenantId={tenant_id}&threadId=19_meeting_{info.thread_token}@thread.v2"
        "&messageId=0&language=en-US"
    )
    links = [_LEARN_MORE_LINK, _link(options, "\r\nMeeting options")]
    if info.dialin_url is not None:
        links[:0] = [_link(info.dialin_url, "Local\r\n numbers"), _RESET_PIN_LINK]
    return (
        f'{_RULE_HTML}<div class="me-email-text" style="color:#252424; font-family:\'Segoe UI\','
        "'Helvetica Neue',Helvetica,Arial,sans-serif\">\r\n"
        '<div style="margin-top:24px; margin-bottom:10px"><a class="me-email-headline" '
        f'href="{html.escape(info.join_url)}" target="_blank" rel="noreferrer noopener" '
        "style=\"font-size:18px; font-family:'Segoe UI Semibold','Segoe UI','Helvetica Neue',"
        'Helvetica,Arial,sans-serif; text-decoration:underline; color:#6264a7">Join\r\n'
        " Microsoft Teams Meeting</a> </div>\r\n"
        f"{_dial_in_html(info)}"
        f'<div style="margin-bottom:24px">{" | ".join(links)} </div>\r\n'
        f"</div>\r\n{_RULE_HTML}"
    )


def invitation_preview(info: JoinInfo) -> str:
    """The plain-text form of the invitation block, as it shows in `bodyPreview`."""
    lines = [_RULE, "Join Microsoft Teams Meeting"]
    if info.conference_id is not None:
        lines.append(f"{info.toll_number} United States, Los Angeles (Toll)")
        if info.toll_free_number is not None:
            lines.append(f"{info.toll_free_number} (Toll-free)")
        lines.append(f"Conference ID: {_spaced(info.conference_id)}#")
        lines.append("Local numbers | Reset PIN | Learn more about Teams | Meeting options")
    else:
        lines.append("Learn more about Teams | Meeting options")
    return "\r\n".join(lines)
