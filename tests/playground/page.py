"""The Agents Playground's web page in headless Chromium, driven as a person uses it.

Debian's Chromium through Playwright's async API (no browser download; the launch flags are
the render tests'). Every request that is not to the Playground is aborted: the page asks
Microsoft's CDN for Segoe UI and an animation script, and without them falls back to the
system font, as it does offline. The chat box is a Lexical editor, so text is typed with the
keyboard; an @mention is typed as `@` and a name, and picked from the menu that opens.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import Browser, Locator, Page, Route, async_playwright
from playwright.async_api import expect as expect_that

from tests.render.browser import CHROMIUM_ARGS

TIMEOUT_MS = 20_000  # for an answer to show: the bot and the Playground share 2 busy cores
VIEWPORT = {"width": 1280, "height": 900}


class Browsers:
    """One Chromium; `open` gives a fresh page (a fresh Playground session) per test."""

    def __init__(self, executable: str) -> None:
        self._executable = executable
        self._playwright: Any = None
        self._browser: Browser | None = None

    async def start(self) -> None:
        expect_that.set_options(timeout=TIMEOUT_MS)
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=self._executable, args=list(CHROMIUM_ARGS)
        )

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    async def open(self, url: str, zone: str) -> PlaygroundPage:
        assert self._browser is not None
        context = await self._browser.new_context(
            viewport=VIEWPORT,  # type: ignore[arg-type]
            locale="en-US",
            timezone_id=zone,  # the date picker's "today" is the browser's
            reduced_motion="reduce",
            service_workers="block",
        )

        async def only_the_playground(route: Route) -> None:
            if route.request.url.startswith(url + "/"):
                await route.continue_()
            else:
                await route.abort()

        await context.route("**/*", only_the_playground)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(url + "/")
        return PlaygroundPage(page)


class PlaygroundPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def close(self) -> None:
        await self.page.context.close()

    def cards(self) -> Locator:
        return self.page.locator(".ac-adaptiveCard")

    def card_with(self, text: str) -> Locator:
        """The meeting card about `text` (a card with a Join button: not the help card)."""
        join = self.page.get_by_role("link", name="Join meeting")
        return self.cards().filter(has_text=text).filter(has=join)

    async def wait_for_help_card(self) -> None:
        """Opening the page installs the bot afresh; its help card comes first."""
        await expect_that(self.cards().filter(has_text="Show this list").first).to_be_visible()

    async def open_channel(self, team_and_channel: str) -> None:
        await self.page.get_by_role("treeitem", name=team_and_channel).click()
        await self.wait_for_help_card()

    async def send(self, text: str) -> None:
        """Type `text` into the chat box and press Enter."""
        await self.page.locator("[data-lexical-editor=true]").last.click()
        await self.page.keyboard.type(text)
        await self.page.keyboard.press("Enter")

    async def post(self, *parts: str) -> None:
        """A new channel post; a part `@Name` is an @mention of the member called Name."""
        await self.page.locator("[data-lexical-editor=true]").first.click()
        for part in parts:
            if part.startswith("@"):
                await self.page.keyboard.type(part[:4])  # the menu narrows as one types
                # (The item's name is the avatar's label and the name: "Meetbot Meetbot".)
                await self.page.get_by_role("menuitem", name=part[1:]).click()
            else:
                await self.page.keyboard.type(part)
        await self.page.get_by_role("button", name="Post", exact=True).click()

    async def screenshot(self, path: Path) -> None:
        """The whole window as a 256-colour PNG (the pictures in docs/playground/)."""
        await self.page.mouse.move(0, 0)  # no hover styles in the picture
        png = await self.page.screenshot(animations="disabled", caret="hide")
        with Image.open(io.BytesIO(png)) as image:
            palette = image.convert("RGB").quantize(
                colors=256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        palette.save(path, format="PNG", optimize=True)
