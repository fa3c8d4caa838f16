"""The connector's error tree: one status, one class, and what reminder delivery makes of it."""

from __future__ import annotations

import pytest

from bot.connector_errors import (
    ConnectorError,
    ConnectorGone,
    ConnectorRefused,
    ConnectorThrottled,
    ConnectorUnavailable,
    ConnectorUnreachable,
    connector_error,
)
from bot.reminders.delivery import Delivery, classify

CALL = "POST /v3/conversations/a:1/activities"


@pytest.mark.parametrize(
    ("status", "kind", "delivery"),
    [
        (429, ConnectorThrottled, Delivery.THROTTLED),
        (403, ConnectorGone, Delivery.GONE),
        (404, ConnectorGone, Delivery.GONE),
        (412, ConnectorUnavailable, Delivery.RETRY),
        (500, ConnectorUnavailable, Delivery.RETRY),
        (502, ConnectorUnavailable, Delivery.RETRY),
        (503, ConnectorUnavailable, Delivery.RETRY),
        (504, ConnectorUnavailable, Delivery.RETRY),
        (400, ConnectorRefused, Delivery.REFUSED),
        (401, ConnectorRefused, Delivery.REFUSED),
        (413, ConnectorRefused, Delivery.REFUSED),
    ],
)
def test_each_status_has_one_class_and_one_delivery(
    status: int, kind: type[ConnectorError], delivery: Delivery
) -> None:
    error = connector_error(CALL, status, None)
    assert type(error) is kind and error.status == status
    outcome = classify(error)
    assert (outcome.delivery, outcome.detail) == (delivery, f"HTTP {status}")


def test_a_429_carries_its_retry_after_and_a_second_without_one() -> None:
    assert classify(connector_error(CALL, 429, 12.5)).retry_after == 12.5
    assert classify(connector_error(CALL, 429, None)).retry_after == 1.0


def test_no_answer_and_no_connector_call_are_retried_later() -> None:
    unreachable = ConnectorUnreachable(CALL, "ServerDisconnectedError")
    assert isinstance(unreachable, ConnectorUnavailable) and unreachable.status == 0
    assert classify(unreachable).delivery is Delivery.RETRY
    assert classify(RuntimeError("token")).delivery is Delivery.RETRY
