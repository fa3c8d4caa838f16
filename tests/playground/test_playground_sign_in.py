"""Delegated mode through Microsoft 365 Agents Playground: what a person sees when Meetbot asks
them to sign in, and that the command they typed runs once they have.

`meetbot run` with `GRAPH_PERMISSIONS=delegated` starts the token service stand-in beside its
Graph emulator. The Playground draws the OAuth card with **Sign in** and **Redeem code**; the
sign-in page (the stand-in's, opened in the user's browser) shows a six-digit code, which the
user pastes into **Redeem code**; the Playground, which cannot redeem a code for another
token service, sends it to the bot as a message, as its own hint says.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Dialog
from playwright.async_api import expect as expect_that

from emulators.graph.people import PEOPLE
from tests.playground.conftest import ZONE, Local
from tests.playground.page import PlaygroundPage

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALEX = PEOPLE[0]  # the Playground's user


@pytest_asyncio.fixture(loop_scope="module")
async def page(delegated_local: Local) -> AsyncIterator[PlaygroundPage]:
    opened = await delegated_local.browsers.open(delegated_local.playground_url, ZONE)
    await opened.wait_for_help_card()
    yield opened
    await opened.close()


async def test_a_first_meet_asks_to_sign_in_and_the_redeemed_code_runs_it(
    delegated_local: Local, page: PlaygroundPage
) -> None:
    await page.send("meet Sign-in check tomorrow 3pm")
    await expect_that(page.page.get_by_text("Sign in to Meetbot so it can work")).to_be_visible()
    # (The Playground names the button with its hint: "Sign in This is a card action with a link".)
    sign_in = page.page.get_by_role("button", name=re.compile(r"^Sign in\b"))
    await expect_that(sign_in).to_be_visible()

    # The button opens the sign-in page in a window of its own, where the user signs in: the
    # test's browser goes only to the Playground, so the page is fetched as that window would.
    context = page.page.context
    async with (
        context.expect_page() as opened,
        context.expect_event(
            "request", lambda request: "/api/oauth/signin" in request.url
        ) as asked,
    ):
        await sign_in.click()
    link = (await asked.value).url
    await (await opened.value).close()
    async with httpx.AsyncClient(timeout=10) as browser:
        shown = await browser.get(link)
    code = shown.headers["X-Magic-Code"]
    assert code in shown.text

    async def paste(dialog: Dialog) -> None:
        assert dialog.type == "prompt"  # "Paste the validation code from the sign-in window"
        await dialog.accept(code)

    page.page.once("dialog", paste)
    await page.page.get_by_role("button", name="Redeem code").click()

    meeting = page.card_with("Sign-in check")
    await expect_that(meeting).to_be_visible()
    async with delegated_local.bot.graph() as graph:
        requests = (await graph.get("/_emulator/requests")).json()
        events = (await graph.get(f"/_emulator/users/{ALEX.aad_object_id}/events")).json()
    assert [e["subject"] for e in events] == ["Sign-in check"]
    creates = [r for r in requests if r["method"] == "POST" and r["path"] == "/v1.0/me/events"]
    assert len(creates) == 1 and creates[0]["oid"] == ALEX.aad_object_id
