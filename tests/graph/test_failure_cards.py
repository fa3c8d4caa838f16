"""What the user reads when a Graph call fails: `dialogs.meet.failure_card` for each failure.

The card says what failed (its title), why (one sentence), what to check when Graph may have
done it anyway, and Graph's request-id, or that Graph sent no answer and so there is none.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.graph import (
    GraphBadRequest,
    GraphForbidden,
    GraphNoAnswer,
    GraphThrottled,
    GraphUnavailable,
    MissingGrant,
    TeamsNotAllowed,
    TokenError,
)
from bot.graph.errors import GraphError
from bot.i18n import en, zh
from cards import validate_card
from dialogs.meet import Failed, failure_card

EN = en.CATALOG
ZH = zh.CATALOG
RID = "0f3a1c2e-7c1b-4d1e-9f7a-2b6c8d9e0a1b"


def lines(card: dict[str, Any]) -> list[str]:
    validate_card(card)
    # Markdown escapes undone: the text as the user reads it.
    return [re.sub(r"\\(.)", r"\1", block["text"]) for block in card["body"]]


def applied(error: GraphError) -> GraphError:
    error.maybe_applied = True
    return error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (GraphThrottled(429, "TooManyRequests", "", RID, 1.0), EN.throttled),
        (GraphUnavailable(503, "serviceNotAvailable", "", RID), EN.graph_unavailable),
        (GraphUnavailable(504, "GatewayTimeout", "", RID), EN.graph_unavailable),
        (GraphUnavailable(500, "generalException", "", RID), EN.graph_failed),
        (GraphBadRequest(400, "BadRequest", "", RID), EN.unexpected_error),
        (
            GraphForbidden(403, "Forbidden", "", RID, MissingGrant.ACCESS_POLICY),
            EN.missing_access_policy,
        ),
        (
            GraphForbidden(403, "ErrorAccessDenied", "", RID, MissingGrant.CALENDARS_PERMISSION),
            EN.missing_calendar_permission,
        ),
    ],
)
def test_an_answer_from_graph_is_quoted_by_its_request_id(error: GraphError, reason: str) -> None:
    assert lines(failure_card(error, EN, Failed.CREATE)) == [
        EN.error_title,
        reason,
        f"Reference: {RID}",
    ]


@pytest.mark.parametrize(
    ("timed_out", "reason"), [(True, EN.graph_timeout), (False, EN.graph_no_connection)]
)
def test_no_answer_means_no_reference_and_the_card_says_so(timed_out: bool, reason: str) -> None:
    error = GraphNoAnswer("POST /users/u/events: no answer in time", timed_out=timed_out)
    shown = lines(failure_card(error, EN, Failed.MAKE_ONLINE))
    assert shown == [EN.make_online_failed_title, reason, EN.no_reference]
    assert "Reference:" not in " ".join(shown)


@pytest.mark.parametrize(
    ("failed", "title", "advice"),
    [
        (Failed.CREATE, EN.error_title, EN.maybe_created),
        (Failed.CANCEL, EN.cancel_failed_title, EN.maybe_cancelled),
        (Failed.MEET_NOW, EN.error_title, None),  # a stray meet-now meeting is on no calendar
        (Failed.MAKE_ONLINE, EN.make_online_failed_title, None),  # again is harmless
        (Failed.READ, EN.calendar_failed_title, None),
    ],
)
def test_a_write_graph_may_have_done_says_what_to_check(
    failed: Failed, title: str, advice: str | None
) -> None:
    error = applied(GraphUnavailable(504, "GatewayTimeout", "", RID))
    expected = [title, EN.graph_unavailable, *([advice] if advice else []), f"Reference: {RID}"]
    assert lines(failure_card(error, EN, failed)) == expected
    # Without the doubt, no advice.
    plain = GraphUnavailable(504, "GatewayTimeout", "", RID)
    assert lines(failure_card(plain, EN, failed)) == [
        title,
        EN.graph_unavailable,
        f"Reference: {RID}",
    ]


def test_not_an_http_failure_has_no_reference_line() -> None:
    shown = lines(failure_card(TeamsNotAllowed(["skypeForBusiness"]), EN, Failed.CREATE))
    assert shown[0] == EN.error_title and "skypeForBusiness" in shown[1] and len(shown) == 2
    shown = lines(failure_card(TokenError("invalid_client"), EN, Failed.READ))
    assert shown == [EN.calendar_failed_title, EN.sign_in_failed]


def test_the_chinese_card() -> None:
    error = applied(GraphNoAnswer("no answer", timed_out=True))
    assert lines(failure_card(error, ZH, Failed.CANCEL)) == [
        "会议未取消",
        ZH.graph_timeout,
        ZH.maybe_cancelled,
        ZH.no_reference,
    ]
