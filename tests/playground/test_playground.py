"""Meetbot in local mode through Microsoft 365 Agents Playground, as a developer first meets it.

`meetbot run` (no configuration) and the README's Playground command, the page driven in
headless Chromium: what the page shows is asserted on, and what the bot did on the built-in
Graph emulator's admin API. The Playground sends `localTimezone` (its process zone, set to
Los Angeles here) and no JWT; its roster is `.m365agentsplayground.yml`, the emulator's people.

Screenshots go to $MEETBOT_PLAYGROUND_SCREENSHOT_DIR (docs/playground to regenerate them).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import Locator
from playwright.async_api import expect as expect_that

from bot.graph.models import Event
from emulators.graph.people import PEOPLE
from tests.playground.conftest import ZONE, Local
from tests.playground.page import PlaygroundPage
from tests.playground.processes import RunningBot

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the tests share one bot and Playground

ALEX, MEGAN, ADELE = PEOPLE[0], PEOPLE[1], PEOPLE[2]  # Alex is the Playground's user
TOLL, TOLL_FREE = "+13235550166", "+18665550142"  # the emulator's numbers
JOIN_PREFIX = "https://teams.microsoft.com/l/meetup-join/"


@pytest_asyncio.fixture(loop_scope="module")
async def page(local: Local) -> AsyncIterator[PlaygroundPage]:
    opened = await local.browsers.open(local.playground_url, ZONE)
    await opened.wait_for_help_card()
    yield opened
    await opened.close()


def _today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


async def _event(bot: RunningBot, subject: str) -> Event:
    """Alex's event called `subject` on the Graph emulator's calendar."""
    async with bot.graph() as graph:
        response = await graph.get(f"/_emulator/users/{ALEX.aad_object_id}/events")
    response.raise_for_status()
    found: list[Any] = [e for e in response.json() if e["subject"] == subject]
    assert len(found) == 1, response.json()
    event = Event.model_validate(found[0])
    assert event.organizer is not None and event.organizer.email_address is not None
    assert (event.organizer.email_address.name, event.organizer.email_address.address) == (
        ALEX.name,
        ALEX.email,
    )
    return event


def _local_span(event: Event) -> tuple[datetime, datetime]:
    assert event.start is not None and event.end is not None
    zone = ZoneInfo(ZONE)
    return event.start.to_datetime().astimezone(zone), event.end.to_datetime().astimezone(zone)


async def _join_url(card: Locator) -> str:
    # The Playground draws Action.OpenUrl as a button with the role of a link and the URL as
    # its title.
    join = card.get_by_role("link", name="Join meeting")
    await expect_that(join).to_be_visible()
    url = await join.get_attribute("title")
    assert url and url.startswith(JOIN_PREFIX), url
    return url


async def test_meet_in_the_personal_chat_answers_with_join_and_dial_in_links(
    local: Local, page: PlaygroundPage, screenshot_dir: Path
) -> None:
    sent_on = _today()
    await page.send("meet Design review tomorrow 3pm for 45m")

    card = page.card_with("Design review")
    await expect_that(card).to_be_visible()
    join = await _join_url(card)
    phones = card.locator("a[href^='tel:']")
    await expect_that(phones).to_have_count(2)
    text = await card.inner_text()
    conference = re.search(r"Conference\sID\s+([\d\s]+)#", text)  # (no-break) spaces
    assert conference, text
    digits = re.sub(r"\D", "", conference.group(1))
    assert [await phones.nth(i).get_attribute("href") for i in range(2)] == [
        f"tel:{TOLL},,{digits}#",
        f"tel:{TOLL_FREE},,{digits}#",
    ]
    # The Playground's zone came through: no fallback note.
    assert f"({ZONE})" in text and "did not send its time zone" not in text
    await page.screenshot(screenshot_dir / "meeting.png")

    event = await _event(local.bot, "Design review")
    start, end = _local_span(event)
    assert start.date() in {sent_on + timedelta(days=1), _today() + timedelta(days=1)}
    assert (start.time(), end - start) == (time(15, 0), timedelta(minutes=45))
    assert event.online_meeting is not None and event.online_meeting.join_url == join


async def test_the_schedule_form_filled_in_the_page_becomes_the_meeting_card(
    local: Local, page: PlaygroundPage, screenshot_dir: Path
) -> None:
    await page.send("schedule")
    subject_box = page.page.get_by_placeholder("What is the meeting about?")
    form = page.cards().filter(has=subject_box)
    await expect_that(form).to_be_visible()
    cards_before = await page.cards().count()

    # The form's inputs are plain inputs and Fluent pickers (only the chat box is Lexical).
    await subject_box.fill("Roadmap review")
    # The meeting's date; the form's other date picker is the repeat's optional end.
    date_box = form.get_by_role("combobox", name="Date", exact=True)
    preset = datetime.strptime(await date_box.input_value(), "%B %d, %Y").date()
    day = preset + timedelta(days=1)  # always in the calendar the picker opens on
    await date_box.click()
    calendar = page.page.get_by_role("dialog")
    tomorrow = f"{day.day}, {day:%B}, {day.year}"
    await calendar.get_by_role("button", name=tomorrow, exact=True).click()
    await form.get_by_placeholder("Select a time...").click()
    await page.page.get_by_role("option", name="2:30 PM", exact=True).click()
    await form.get_by_role("combobox", name="Length").click()
    await page.page.get_by_role("option", name="45 min", exact=True).click()
    await form.get_by_role("textbox", name="Invite", exact=True).fill(MEGAN.email)
    await page.screenshot(screenshot_dir / "form.png")
    await form.get_by_role("button", name="Schedule", exact=True).click()

    card = page.card_with("Roadmap review")
    await expect_that(card).to_be_visible()
    await expect_that(subject_box).to_have_count(0)  # the form is gone...
    assert await page.cards().count() == cards_before  # ...replaced, not followed, by the card
    await _join_url(card)
    assert MEGAN.email in await card.inner_text()
    await page.screenshot(screenshot_dir / "form-submitted.png")

    event = await _event(local.bot, "Roadmap review")
    start, end = _local_span(event)
    assert (start.date(), start.time(), end - start) == (day, time(14, 30), timedelta(minutes=45))
    assert [a.email_address.address for a in event.attendees] == [MEGAN.email]


async def test_a_channel_post_mentioning_the_bot_and_a_member_invites_them_in_the_thread(
    local: Local, page: PlaygroundPage, screenshot_dir: Path
) -> None:
    await page.open_channel("Design team - Planning")
    await page.post("@Meetbot", " meet Planning sync tomorrow 10am with ", f"@{ADELE.name}")

    # The post and its replies are one group on the page: the card must be in that one.
    thread = page.page.get_by_role("group").filter(has_text="meet Planning sync tomorrow 10am")
    await expect_that(thread).to_have_count(1)
    card = thread.locator(".ac-adaptiveCard")
    await expect_that(card.filter(has_text="Planning sync")).to_be_visible()
    await expect_that(card).to_have_count(1)
    await _join_url(card)
    # The @mention resolved through the Playground's roster: the card names her as the roster
    # does, and the invitation (below) carries her address.
    assert ADELE.name in await card.inner_text()
    await page.screenshot(screenshot_dir / "channel.png")

    event = await _event(local.bot, "Planning sync")
    start, _ = _local_span(event)
    assert start.time() == time(10, 0)
    assert [a.email_address.address for a in event.attendees] == [ADELE.email]
