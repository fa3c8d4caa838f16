"""`meetbot run`, the Agents Playground and one headless Chromium, shared by the module's tests.

Without the Playground (`npm ci --prefix tests/js`), npm, Chromium or Python playwright these
tests are skipped on a developer's machine but fail in CI (`CI` set), where skipping would
silently drop them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from tests.playground.page import Browsers
from tests.playground.processes import Missing, RunningBot, meetbot_run, npm_path, playground
from tests.render.browser import Missing as NoChromium
from tests.render.browser import chromium_path

SCREENSHOT_DIR_VARIABLE = "MEETBOT_PLAYGROUND_SCREENSHOT_DIR"
# The Playground's process zone, sent as every message's `localTimezone`: not the machine's
# UTC, so a card in UTC would mean the zone was lost on the way.
ZONE = "America/Los_Angeles"


@dataclass(frozen=True)
class Local:
    bot: RunningBot
    playground_url: str
    browsers: Browsers


def _prerequisites() -> tuple[str, str]:
    try:
        npm = npm_path()
        chromium = chromium_path()
        import playwright.async_api  # noqa: F401, PLC0415
    except (Missing, NoChromium, ImportError) as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Agents Playground tests: {missing}", pytrace=False)
        pytest.skip(str(missing))
    return npm, chromium


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Local]:
    async with _local(tmp_path_factory) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def delegated_local(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Local]:
    """The same, in delegated mode: users sign in through the token service stand-in."""
    settings = {"GRAPH_PERMISSIONS": "delegated", "OAUTH_CONNECTION_NAME": "graph"}
    async with _local(tmp_path_factory, **settings) as running:
        yield running


@contextlib.asynccontextmanager
async def _local(factory: pytest.TempPathFactory, **settings: str) -> AsyncIterator[Local]:
    npm, chromium = _prerequisites()
    tmp_path = factory.mktemp("playground")
    async with (
        meetbot_run(tmp_path, **settings) as bot,
        playground(npm, bot.endpoint, tmp_path, ZONE) as url,
    ):
        browsers = Browsers(chromium)
        await browsers.start()
        try:
            yield Local(bot, url, browsers)
        finally:
            await browsers.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$MEETBOT_PLAYGROUND_SCREENSHOT_DIR (docs/playground, to regenerate the committed
    pictures), else a temporary directory."""
    given = os.environ.get(SCREENSHOT_DIR_VARIABLE)
    return Path(given) if given else tmp_path_factory.mktemp("playground-screenshots")
