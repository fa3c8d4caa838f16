"""Property tests over what reaches /api/messages: mutations of valid Teams activities (wrong
types, missing fields, huge strings, nested junk, broken clocks) and of their raw bytes.

For every case, with a fixed seed (about 1,000 cases): the answer is 2xx or 4xx, never a 5xx
(an `invoke` botbuilder has no handler for is answered 501 Not Implemented, botbuilder's
contract for it); a 4xx reached neither Graph nor the connector; and nothing was logged at
ERROR, so no exception escaped a turn into the last-resort handler.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import BOT_ID, TENANT_ID, USER_AAD_ID, make_message
from tests.security.conftest import LoopBot, Seen

LA = ZoneInfo("America/Los_Angeles")
CONNECTOR = "http://connector.invalid"  # replaced by the running emulator's URL per example


def _message(text: str, **overrides: Any) -> dict[str, Any]:
    return make_message(
        text,
        service_url=CONNECTOR,
        local_now=datetime(2026, 11, 21, 9, 0, tzinfo=LA),
        activity_id="1700000000001",
        **overrides,
    )


def _bases() -> list[dict[str, Any]]:
    channel = _message("<at>Meetbot</at> meet Planning tomorrow 10am with <at>Adele</at>")
    channel["conversation"] |= {"conversationType": "channel", "id": "19:c@thread.tacv2"}
    channel["entities"] += [
        {"type": "mention", "text": "<at>Meetbot</at>", "mentioned": {"id": BOT_ID}},
        {"type": "mention", "text": "<at>Adele</at>", "mentioned": {"id": "29:adele"}},
    ]
    card = _message("", value={"meetbot": "make_online", "eventId": "AAMk", "for": USER_AAD_ID})
    form = _message(
        "",
        value={
            "meetbot": "schedule_form",
            "subject": "Budget",
            "date": "2026-11-23",
            "time": "14:30",
            "duration": "60",
            "attendees": "adele@contoso.com",
        },
    )
    added = _message("", type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    removed = _message("", type="installationUpdate", action="remove")
    return [
        _message("help"),
        _message("meet now Triage"),
        _message("meet Sync tomorrow 3pm for 45m with adele@contoso.com remind 5m"),
        _message("upcoming"),
        _message("meet"),
        channel,
        card,
        form,
        added,
        removed,
    ]


BASES = _bases()
PATHS = [
    "type", "id", "text", "textFormat", "locale", "localTimezone", "localTimestamp", "timestamp",
    "serviceUrl", "channelId", "replyToId", "name", "action", "value", "value.meetbot",
    "value.eventId", "value.for", "value.date", "value.duration", "value.subject",
    "attachments", "entities", "entities.0", "entities.0.type", "entities.1.mentioned",
    "entities.1.mentioned.id", "entities.2.text", "membersAdded", "membersAdded.0.id",
    "from", "from.id", "from.aadObjectId", "from.name", "recipient", "recipient.id",
    "conversation", "conversation.id", "conversation.conversationType",
    "conversation.tenantId", "conversation.isGroup", "channelData", "channelData.tenant",
    "channelData.tenant.id", "channelData.team", "relatesTo", "suggestedActions",
]  # fmt: skip
DELETE = object()

_deep: Any = 0
for _ in range(60):
    _deep = [_deep]

junk_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
special_values = st.sampled_from(
    [
        "x" * 300_000,  # past the body cap: 413
        "y" * 5_000,
        "meet now " + "z" * 2_000,
        "\ud800",  # a lone surrogate
        "<at>Meetbot</at>",
        "\x00\x01\x1b[31m",
        "9999-12-31T23:59:59.999-11:00",
        "0001-01-01T00:00:00+14:00",
        "2026-11-21T09:00:00",  # no offset
        "Mars/Olympus_Mons",
        "America/Los_Angeles",
        "",
        " ",
        USER_AAD_ID,
        "0c4e6d25-7f0a-4c7e-9d6b-5a1f2e3d4c5b",  # somebody else
        TENANT_ID,
        BOT_ID,
        "message",
        "invoke",
        "conversationUpdate",
        "msteams",
        "javascript:alert(1)",
        "https://",
        {"id": USER_AAD_ID},
        [{"id": BOT_ID}],
        {"meetbot": "cancel_meeting", "eventId": "x", "for": USER_AAD_ID, "confirm": True},
        _deep,
    ]
)
values = special_values | junk_json
mutations = st.lists(
    st.tuples(st.sampled_from(PATHS), values | st.just(DELETE)), min_size=1, max_size=3
)


def mutate(activity: dict[str, Any], path: str, value: Any) -> None:
    """Set (or delete) `path` in place; a path through something that is not there is skipped."""
    *parents, last = path.split(".")
    node: Any = activity
    for step in parents:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        if value is DELETE:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif isinstance(node, dict):
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value


def assert_sound(seen: Seen, activity_type: Any = None) -> None:
    event(f"status {seen.status}, graph called: {bool(seen.graph_requests)}")
    unsupported_invoke = activity_type == "invoke" and seen.status == 501
    assert 200 <= seen.status < 300 or 400 <= seen.status < 500 or unsupported_invoke, seen
    if seen.status >= 400:
        assert seen.graph_requests == [], seen
        assert seen.connector_calls == [], seen
        if not unsupported_invoke:
            assert isinstance(json.loads(seen.body)["error"], str)
    assert seen.errors == [], [record.getMessage() for record in seen.errors]


PROPERTY = settings(
    derandomize=True,  # a fixed seed: CI sees the same cases every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(PROPERTY, max_examples=700)
@given(base=st.sampled_from(range(len(BASES))), changes=mutations)
def test_mutated_activities_are_answered_2xx_or_4xx_and_4xx_touch_nothing(
    loop_bot: LoopBot, base: int, changes: list[tuple[str, Any]]
) -> None:
    activity = json.loads(json.dumps(BASES[base]))
    activity["serviceUrl"] = loop_bot.connector_url
    activity["conversation"]["id"] += f"-{base}"
    for path, value in changes:
        mutate(activity, path, value)
    seen = loop_bot.post(json.dumps(activity).encode())
    assert_sound(seen, activity.get("type"))


@st.composite
def mangled_requests(draw: st.DrawFn) -> tuple[dict[str, Any], bytes, dict[str, str]]:
    """A valid activity, and its bytes cut, overwritten, extended or re-wrapped, sent with one
    of several content types (or none)."""
    activity = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    body = json.dumps(activity).encode()
    cut = draw(st.integers(0, len(body)))
    junk = draw(st.binary(min_size=1, max_size=8))
    edit = draw(st.sampled_from(["truncate", "overwrite", "insert", "wrap", "as-string"]))
    if edit == "truncate":
        body = body[:cut]
    elif edit == "overwrite":
        body = body[:cut] + junk + body[cut + len(junk) :]
    elif edit == "insert":
        body = body[:cut] + junk + body[cut:]
    elif edit == "wrap":
        body = b"[" + body + b"]"
    else:
        body = json.dumps(json.dumps(activity)).encode()  # the activity as one JSON string
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-8",
                "application/json; charset=latin-1",
                "text/json",
                None,
            ]
        )
    )
    return activity, body, {} if content_type is None else {"Content-Type": content_type}


@settings(PROPERTY, max_examples=300)
@given(request=mangled_requests())
def test_mangled_bytes_are_answered_2xx_or_4xx_and_4xx_touch_nothing(
    loop_bot: LoopBot, request: tuple[dict[str, Any], bytes, dict[str, str]]
) -> None:
    activity, body, headers = request
    body = body.replace(CONNECTOR.encode(), loop_bot.connector_url.encode())
    assert_sound(loop_bot.post(body, headers), activity.get("type"))
