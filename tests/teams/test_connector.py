"""Bot Connector calls through Meetbot's transport: retried as Teams asks, bounded, logged.

The connector emulator injects the faults (429 with Retry-After, 412, 502, 504, a dropped
connection, and answers that must not be retried); time is fake, so nothing here waits.
"""

from __future__ import annotations

import logging
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import httpx
import pytest
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient

from bot.app import create_app
from bot.connector_errors import ConnectorAnswerTooLarge, ConnectorError, ConnectorUnreachable
from bot.i18n import catalog_for
from bot.logs import ContextFilter
from bot.reminders.delivery import Delivery, classify
from bot.retry import RetryPolicy
from bot.serve import serve
from bot.settings import load_settings, resolve
from bot.teams.connector import MAX_ANSWER_BYTES, MeetbotConnectorFactory
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import make_message
from tests.fake_time import FakeTime

CONVERSATION = "a:retry-conversation"
REPLIED_TO = "1700000000001"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def _client(
    http: aiohttp.ClientSession, connector: RunningConnector, policy: RetryPolicy
) -> ConnectorClient:
    factory = MeetbotConnectorFactory(http, None, policy, "")
    client: ConnectorClient = await factory.create(connector.url)
    return client


async def _reply(client: ConnectorClient, text: str = "hello") -> str:
    reply = Activity(type=ActivityTypes.message, text=text, reply_to_id=REPLIED_TO)
    sent = await client.conversations.reply_to_activity(CONVERSATION, REPLIED_TO, reply)
    return str(sent.id)


def _status(error: ConnectorError) -> int:
    return error.status


@pytest.mark.parametrize("status", [412, 429, 502, 504, None], ids=str)
async def test_each_transient_answer_is_retried_and_delivers_once(
    http: aiohttp.ClientSession, connector: RunningConnector, status: int | None
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 2, status)
    await _reply(await _client(http, connector, time.policy()))
    assert [call.body["text"] for call in connector.emulator.activities(CONVERSATION)] == ["hello"]
    assert [fault.status for fault in connector.emulator.faults_served] == [status, status]
    assert len(time.sleeps) == 2


async def test_the_backoff_grows_exponentially(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 3, 502)
    await _reply(await _client(http, connector, time.policy(budget=20.0)))
    assert time.sleeps == [0.5, 1.0, 2.0]  # full jitter: base 0.5 s doubling


async def test_the_jitter_spreads_waits_over_the_upper_half(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 1, 502)
    await _reply(await _client(http, connector, replace(time.policy(), jitter=lambda: 0.0)))
    assert time.sleeps == [0.25]


async def test_a_429_waits_for_its_retry_after(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("send", 1, 429, retry_after=3)
    client = await _client(http, connector, time.policy())
    await client.conversations.send_to_conversation(
        CONVERSATION, Activity(type=ActivityTypes.message, text="hi")
    )
    assert time.sleeps == [3.0]
    assert len(connector.emulator.activities(CONVERSATION)) == 1


async def test_a_429_longer_than_the_budget_is_returned_at_once(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 1, 429, retry_after=30)
    with pytest.raises(ConnectorError) as refused:
        await _reply(await _client(http, connector, time.policy()))
    assert _status(refused.value) == 429
    assert time.sleeps == []
    outcome = classify(refused.value)  # the scheduler waits for it instead
    assert outcome.delivery is Delivery.THROTTLED and outcome.retry_after == 30


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 500, 503])
async def test_final_answers_are_not_retried(
    http: aiohttp.ClientSession, connector: RunningConnector, status: int
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 5, status)
    with pytest.raises(ConnectorError) as refused:
        await _reply(await _client(http, connector, time.policy()))
    assert _status(refused.value) == status
    assert len(connector.emulator.faults_served) == 1
    assert time.sleeps == []


async def test_persistent_failure_gives_up_within_the_bound_and_is_logged(
    http: aiohttp.ClientSession, connector: RunningConnector, caplog: pytest.LogCaptureFixture
) -> None:
    time = FakeTime()
    policy = time.policy(budget=60.0)  # so that the cap on tries is what ends it
    connector.emulator.fail_next("reply", 50, 502)
    with pytest.raises(ConnectorError) as failed:
        await _reply(await _client(http, connector, policy))
    assert _status(failed.value) == 502
    assert len(connector.emulator.faults_served) == policy.attempts == 4
    assert time.sleeps == [0.5, 1.0, 2.0]
    assert connector.emulator.activities() == []
    [gave_up] = [r for r in caplog.records if "giving up" in r.getMessage()]
    assert gave_up.levelno == logging.WARNING
    assert f"/v3/conversations/{CONVERSATION}/activities/{REPLIED_TO}" in gave_up.getMessage()


async def test_a_connection_that_stays_down_raises_unreachable(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    connector.emulator.fail_next("reply", 50, None)
    with pytest.raises(ConnectorUnreachable) as failed:
        await _reply(await _client(http, connector, time.policy()))
    assert classify(failed.value).delivery is Delivery.RETRY


async def test_one_budget_bounds_all_the_calls_of_a_turn(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    """The failed reply and the apology after it share the turn's budget."""
    time = FakeTime()
    policy = time.policy(attempts=20, budget=5.0)
    client = await _client(http, connector, policy)
    connector.emulator.fail_next("reply", 100, 502)
    with pytest.raises(ConnectorError):
        await _reply(client, "the card")
    # Waits of 0.5, 1 and 2 s; the next (4 s) would leave no time for a try after it.
    assert (len(connector.emulator.faults_served), time.sleeps) == (4, [0.5, 1.0, 2.0])
    with pytest.raises(ConnectorError):
        await _reply(client, "the apology")
    # 1.5 s were left: one wait of 0.5 s, then nothing more fits.
    assert (len(connector.emulator.faults_served), time.sleeps[3:]) == (6, [0.5])
    assert time.now <= policy.budget


async def test_a_new_client_gets_a_new_budget(
    http: aiohttp.ClientSession, connector: RunningConnector
) -> None:
    time = FakeTime()
    policy = time.policy(budget=3.0)
    connector.emulator.fail_next("reply", 100, 502)
    with pytest.raises(ConnectorError):
        await _reply(await _client(http, connector, policy))
    waits = len(time.sleeps)
    with pytest.raises(ConnectorError):
        await _reply(await _client(http, connector, policy))
    assert len(time.sleeps) == 2 * waits > 0


# --- through the bot: a turn's reply -------------------------------------------------------


@pytest.fixture
async def retrying_bot(
    graph: RunningGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeTime, RetryPolicy]]:
    """The bot (local mode) with its connector retries on fake time."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings(GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file))
    time = FakeTime()
    policy = time.policy()
    served = await serve(create_app(resolve(settings), connector_retry=policy))
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        yield client, time, policy
    await served.close()


async def test_a_reply_that_gets_502_then_201_arrives_once(
    retrying_bot: tuple[httpx.AsyncClient, FakeTime, RetryPolicy], connector: RunningConnector
) -> None:
    client, time, _ = retrying_bot
    connector.emulator.fail_next("reply", 1, 502)
    activity = make_message("help", service_url=connector.url)
    response = await client.post("/api/messages", json=activity)
    assert response.status_code in {200, 201}
    replies = connector.emulator.activities(activity["conversation"]["id"])
    assert [call.kind for call in replies] == ["reply"]
    assert len(connector.emulator.faults_served) == 1 and len(time.sleeps) == 1


async def test_a_reply_under_persistent_502_gives_up_in_time_and_is_logged(
    retrying_bot: tuple[httpx.AsyncClient, FakeTime, RetryPolicy],
    connector: RunningConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, time, policy = retrying_bot
    caplog.handler.addFilter(ContextFilter())
    connector.emulator.fail_next("reply", 100, 502)
    activity = make_message("help", service_url=connector.url)
    response = await client.post("/api/messages", json=activity)
    assert response.status_code in {200, 201}  # the turn ended; the failure is the log's
    assert connector.emulator.activities() == []
    assert time.now <= policy.budget  # the reply and the apology together
    gave_up = [r for r in caplog.records if "giving up" in r.getMessage()]
    assert gave_up
    for record in gave_up:
        assert record.levelno == logging.WARNING
        assert getattr(record, "activity_id", None) == activity["id"]
        assert getattr(record, "conversation_id", None) == activity["conversation"]["id"]


# --- answers too large to read --------------------------------------------------------------

HUGE = 256 * 1024 * 1024


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "content-length"])
async def test_an_oversized_answer_is_read_no_further_than_the_cap(
    http: aiohttp.ClientSession, connector: RunningConnector, declare_length: bool
) -> None:
    """A 256 MB answer: the read stops at MAX_ANSWER_BYTES (before it, for a declared length),
    the call fails at once with a clear error, and the bot's memory never holds the answer."""
    connector.emulator.answer_oversized("reply", HUGE, declare_length=declare_length)
    client = await _client(http, connector, FakeTime().policy())
    tracemalloc.start()
    try:
        with pytest.raises(ConnectorAnswerTooLarge, match="larger than 4194304 bytes"):
            await _reply(client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    await connector.emulator.wait_for(lambda e: bool(e.faults_served), timeout=10)

    [served] = connector.emulator.faults_served  # not retried
    assert served.body_sent is not None and served.body_sent < HUGE // 4
    assert peak < 3 * MAX_ANSWER_BYTES  # the emulator's writes included: the same process
    if declare_length:  # refused on its Content-Length: nothing was read into the bot
        assert peak < MAX_ANSWER_BYTES
    assert connector.emulator.activities(CONVERSATION) == []


async def test_a_turn_whose_reply_is_answered_with_400_mb_ends_and_says_why(
    retrying_bot: tuple[httpx.AsyncClient, FakeTime, RetryPolicy],
    connector: RunningConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through /api/messages: the huge answer to the reply is cut off at the cap, the log says
    what happened, and the apology that follows is delivered."""
    client, _, _ = retrying_bot
    caplog.handler.addFilter(ContextFilter())
    connector.emulator.answer_oversized("reply", 400 * 1024 * 1024)
    activity = make_message("help", service_url=connector.url)

    response = await client.post("/api/messages", json=activity)

    assert response.status_code in {200, 201}
    await connector.emulator.wait_for(lambda e: bool(e.faults_served), timeout=10)
    [served] = connector.emulator.faults_served
    assert served.body_sent is not None and served.body_sent < 64 * 1024 * 1024
    [refused] = [r for r in caplog.records if "answered more than" in r.getMessage()]
    assert getattr(refused, "activity_id", None) == activity["id"]
    [apology] = connector.emulator.activities(activity["conversation"]["id"])
    assert apology.body["text"] == catalog_for("en").unexpected_error
