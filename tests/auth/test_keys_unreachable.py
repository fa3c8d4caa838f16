"""The channel's signing keys cannot be fetched (no route to login.botframework.com, a proxy
not set): every activity is a 503 with one log line naming the host, never a 500 with a
traceback, and /healthz says what is wrong."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from tests.auth.conftest import StartSignedBot


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, never listening) for the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


async def test_unreachable_keys_are_a_503_naming_the_host_and_healthz_reports_it(
    start_signed_bot: StartSignedBot, dead_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    metadata = f"https://localhost:{dead_port}/v1/.well-known/openidconfiguration"
    async with start_signed_bot(TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=metadata) as bot:
        before = await bot.client.get("/healthz")
        assert before.status_code == 200, before.text  # nothing fetched yet: nothing wrong yet
        assert before.json()["channel_keys"]["ok"] is True

        activity = bot.message("meet now Quick sync")
        with caplog.at_level(logging.INFO):
            response = await bot.post_signed(activity)
        assert response.status_code == 503, response.text
        assert response.json() == {
            "error": "The channel's signing keys cannot be fetched; try again."
        }
        await bot.assert_untouched(activity)
        [line] = [r for r in caplog.records if "signing keys" in r.getMessage()]
        assert line.levelno == logging.WARNING and "from localhost " in line.getMessage()
        assert all(r.levelno < logging.ERROR and not r.exc_info for r in caplog.records)

        health = await bot.client.get("/healthz")
        assert health.status_code == 503, health.text
        body = health.json()
        assert body["status"] == "unhealthy"
        assert body["channel_keys"]["ok"] is False
        assert body["channel_keys"]["host"] == "localhost"
        assert body["channel_keys"]["keys"] == 0
        assert "ConnectError" in body["channel_keys"]["error"]
        assert body["store"]["ok"] and body["scheduler"]["ok"]  # only the keys are wrong


async def test_healthz_reports_known_keys_once_an_activity_fetched_them(
    start_signed_bot: StartSignedBot,
) -> None:
    async with start_signed_bot() as bot:
        assert (await bot.post_signed(bot.message("help"))).status_code in {200, 201}
        health = await bot.client.get("/healthz")
        assert health.status_code == 200, health.text
        keys = health.json()["channel_keys"]
        assert keys == {"ok": True, "host": "127.0.0.1", "keys": 1, "error": None}
