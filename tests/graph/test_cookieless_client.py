"""Meetbot's Graph client keeps no cookies: nothing Graph sets is stored or sent back."""

from __future__ import annotations

import httpx
import pytest

from bot.graph.transport import CookielessClient


def _answer(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={}, headers={"Set-Cookie": "x-ms-gateway=abc; Path=/"})

    return httpx.MockTransport(handle)


async def test_a_set_cookie_is_neither_kept_nor_sent_back() -> None:
    seen: list[httpx.Request] = []
    async with CookielessClient(transport=_answer(seen)) as client:
        await client.get("https://graph.example/v1.0/me")
        await client.get("https://graph.example/v1.0/me")
        assert len(client.cookies) == 0
    assert [request.headers.get("Cookie") for request in seen] == [None, None]


async def test_a_plain_httpx_client_would_have_sent_it_back() -> None:
    """The same exchange on httpx's own client: the difference the class makes."""
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=_answer(seen)) as client:
        await client.get("https://graph.example/v1.0/me")
        await client.get("https://graph.example/v1.0/me")
    assert seen[1].headers.get("Cookie") == "x-ms-gateway=abc"


async def test_setting_cookies_on_it_is_refused() -> None:
    async with CookielessClient(transport=_answer([])) as client:
        with pytest.raises(TypeError):
            client.cookies = {"a": "b"}
        with pytest.raises(TypeError):
            client.cookies.set("a", "b")
