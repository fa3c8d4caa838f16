"""The logs of signed round trips hold neither the app password nor any token.

Everything every logger writes at DEBUG (botbuilder, msal, httpx, Meetbot) is captured while
signed activities come in, replies go out with the bot's token and Graph is called with its
own, and a forged request is refused. The raw messages must not contain a secret (nothing logs
one), and neither may the lines `bot.logs` formats from them.
"""

from __future__ import annotations

import logging
import traceback

import pytest

from bot.logs import ContextFilter, JsonLineFormatter, Redactor
from tests.auth.conftest import BOT_PASSWORD, SignedBot


async def test_a_signed_round_trip_logs_no_password_and_no_token(
    signed_bot: SignedBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    identity = signed_bot.channel.identity
    channel_tokens = []
    for text in ("help", "meet now Quick sync"):
        activity = signed_bot.message(text)
        token = identity.channel_token(activity["serviceUrl"])
        channel_tokens.append(token)
        response = await signed_bot.post(activity, {"Authorization": f"Bearer {token}"})
        assert response.status_code in {200, 201}, response.text
    forged = signed_bot.message()
    response = await signed_bot.post_signed(forged, aud="someone-else")
    assert response.status_code == 401

    # The run really used the password and the tokens.
    bot_tokens = identity.issued_tokens
    graph_tokens = signed_bot.graph.issued_tokens
    assert bot_tokens and graph_tokens
    assert len(signed_bot.channel.emulator.activities()) >= 2

    raw = "\n".join(_raw(record) for record in caplog.records)
    formatter = JsonLineFormatter(Redactor([BOT_PASSWORD]))  # as `meetbot run` configures it
    context = ContextFilter()
    lines = []
    for record in caplog.records:
        context.filter(record)
        lines.append(formatter.format(record))
    formatted = "\n".join(lines)
    assert "refused an activity" in raw  # the refusal is logged, with its reason only
    for secret in (BOT_PASSWORD, *channel_tokens, *bot_tokens, *graph_tokens):
        assert secret not in raw
        assert secret not in formatted
    assert "Bearer " not in formatted


def _raw(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += "\n" + "".join(traceback.format_exception(*record.exc_info))
    return text
