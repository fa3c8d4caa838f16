"""The channel key cache: 24 h refresh, a rate-limited refresh for unknown kids, one fetch for
concurrent callers, and old keys kept through a failed refresh (httpx.MockTransport, fake clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from bot.teams.openid import KEYS_MAX_AGE_S, MIN_REFRESH_S, KeysUnavailable, OpenIdKeys
from emulators.channel_identity import SigningKey

METADATA = "https://login.example/v1/.well-known/openidconfiguration"
JWKS = "https://login.example/v1/.well-known/keys"


@dataclass
class Channel:
    keys: list[SigningKey]
    now: float = 0.0
    fetches: int = 0
    down: bool = False
    gate: asyncio.Event | None = None
    asked: asyncio.Event = field(default_factory=asyncio.Event)
    paths: list[str] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.down:
            return httpx.Response(503)
        if str(request.url) == METADATA:
            self.fetches += 1
            self.asked.set()
            if self.gate is not None:
                await self.gate.wait()
            return httpx.Response(200, json={"issuer": "x", "jwks_uri": JWKS})
        return httpx.Response(200, json={"keys": [key.jwk() for key in self.keys]})


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Channel, OpenIdKeys]]:
    channel = Channel([SigningKey.generate(["msteams"], kid="k1")])
    async with httpx.AsyncClient(transport=httpx.MockTransport(channel.handle)) as http:
        yield channel, OpenIdKeys(http, METADATA, clock=lambda: channel.now)


async def test_keys_are_cached_for_a_day(setup: tuple[Channel, OpenIdKeys]) -> None:
    channel, keys = setup
    key = await keys.get("k1")
    assert key is not None and key.endorsements == {"msteams"}
    channel.now += KEYS_MAX_AGE_S - 1
    assert await keys.get("k1") is not None
    assert channel.fetches == 1
    channel.now += 1
    await keys.get("k1")
    assert channel.fetches == 2


async def test_an_unknown_kid_refreshes_at_most_once_per_interval(
    setup: tuple[Channel, OpenIdKeys],
) -> None:
    channel, keys = setup
    await keys.get("k1")
    channel.now += MIN_REFRESH_S  # the first unknown kid after the interval looks again
    assert await keys.get("forged-1") is None
    assert channel.fetches == 2
    for kid in ("forged-2", "forged-3", "forged-4"):  # within the interval: no more fetches
        assert await keys.get(kid) is None
    assert channel.fetches == 2


async def test_a_rotated_key_is_found_by_the_refresh_its_kid_triggers(
    setup: tuple[Channel, OpenIdKeys],
) -> None:
    channel, keys = setup
    await keys.get("k1")
    channel.keys.append(SigningKey.generate(["msteams"], kid="k2"))
    channel.now += MIN_REFRESH_S
    assert await keys.get("k2") is not None


async def test_concurrent_callers_share_one_fetch(setup: tuple[Channel, OpenIdKeys]) -> None:
    channel, keys = setup
    channel.gate = asyncio.Event()
    waiting = [asyncio.create_task(keys.get("k1")) for _ in range(20)]
    await channel.asked.wait()  # the others were scheduled first: they wait for the lock
    channel.gate.set()
    assert all(key is not None for key in await asyncio.gather(*waiting))
    assert channel.fetches == 1


async def test_a_failed_refresh_keeps_the_known_keys(setup: tuple[Channel, OpenIdKeys]) -> None:
    channel, keys = setup
    await keys.get("k1")
    channel.down = True
    channel.now += KEYS_MAX_AGE_S
    assert await keys.get("k1") is not None


async def test_a_failing_endpoint_is_not_asked_on_every_request(
    setup: tuple[Channel, OpenIdKeys],
) -> None:
    channel, keys = setup
    await keys.get("k1")
    channel.down = True
    channel.now += KEYS_MAX_AGE_S
    asked = len(channel.paths)
    for _ in range(5):
        assert await keys.get("k1") is not None
    assert len(channel.paths) == asked + 1


async def test_no_keys_at_all_is_an_error_not_a_refusal(
    setup: tuple[Channel, OpenIdKeys],
) -> None:
    channel, keys = setup
    channel.down = True
    channel.gate = None
    waiting = [asyncio.create_task(keys.get("k1")) for _ in range(3)]
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, KeysUnavailable) for result in results)
    channel.down = False  # the next request tries again
    assert await keys.get("k1") is not None


async def test_malformed_keys_are_skipped() -> None:
    good = SigningKey.generate(["msteams"], kid="good")

    async def handle(request: httpx.Request) -> httpx.Response:
        if str(request.url) == METADATA:
            return httpx.Response(200, json={"jwks_uri": JWKS})
        listed = [{"kty": "EC", "kid": "ec"}, {"kty": "RSA", "kid": "broken", "n": "x"}, "junk"]
        return httpx.Response(200, json={"keys": [*listed, good.jwk()]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        keys = OpenIdKeys(http, METADATA)
        assert await keys.get("good") is not None
        assert await keys.get("broken") is None
