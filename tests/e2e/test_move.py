"""`move` / `push` / `pull` and the series scope of `move` and `cancel meeting`, end to end.

Activities in through /api/messages, with a ManualClock; assertions on the PATCH and cancel
requests the Graph emulator recorded, the cards that reached the connector, and the reminder
in the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.graph.models import Event
from bot.i18n import catalog_for
from cards.schema import validate_card
from emulators.graph.recording import RecordedRequest
from emulators.graph.series import occurrence_id
from tests.conftest import RunningConnector, RunningGraph
from tests.e2e.test_meet import card_text, join_url
from tests.e2e.test_reminders import LA, TOMORROW_3PM, Bot, _submit, running_bot
from tests.factories import USER_AAD_ID

MEET = "meet Design review tomorrow 3pm for 45m remind 5m"
EVENTS = f"/v1.0/users/{USER_AAD_ID}/events"
EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")


@pytest.fixture
async def bot(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Bot]:
    monkeypatch.chdir(tmp_path)
    async with running_bot(graph, connector) as running:
        yield running


def requests(bot: Bot, method: str) -> list[RecordedRequest]:
    return [r for r in bot.graph.emulator.requests if r.method == method and "/events" in r.path]


def buttons(card: dict[str, Any]) -> list[str]:
    """The titles of a question's buttons in order: in its actions, or stacked in its body."""
    stacked = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    return [a["title"] for a in [*card.get("actions", []), *stacked]]


def local(value: str) -> dict[str, str]:
    return {"dateTime": value, "timeZone": "Pacific Standard Time"}


def only_event(bot: Bot) -> Event:
    [stored] = [e for e in bot.graph.emulator.events(USER_AAD_ID) if not e.get("isCancelled")]
    return Event.model_validate(stored)


def seed(bot: Bot, subject: str, start: datetime, **fields: Any) -> Event:
    body = {
        "subject": subject,
        "start": {
            "dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": "UTC",
        },
        "end": {
            "dateTime": (start + timedelta(minutes=30))
            .astimezone(UTC)
            .strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": "UTC",
        },
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        **fields,
    }
    return Event.model_validate(bot.graph.emulator.seed_event(USER_AAD_ID, body))


async def test_move_patches_only_start_and_end_and_the_reminder_follows(bot: Bot) -> None:
    await bot.say(MEET)
    made = only_event(bot)
    await bot.say("move Design review to Thursday 4pm")

    [patch] = requests(bot, "PATCH")
    assert patch.path == f"{EVENTS}/{made.id}"
    # Nothing but the times: a `body` would re-mint the join link (microsoft-graph-docs#9743).
    assert patch.json == {
        "start": local("2030-03-07T16:00:00"),
        "end": local("2030-03-07T16:45:00"),
    }
    moved = only_event(bot)
    assert moved.start is not None and moved.start.to_datetime() == datetime(
        2030, 3, 7, 16, tzinfo=LA
    )
    assert moved.join_url == made.join_url

    *_, card = bot.cards()
    validate_card(card)
    assert join_url(card) == made.join_url
    assert "moved to Thu, Mar 7, 4:00 PM" in card_text(card)
    # The reminder moved at once, before the scheduler looked at the meeting again.
    [reminder] = await bot.store.open_reminders(USER_AAD_ID)
    assert reminder.starts_at == datetime(2030, 3, 7, 16, tzinfo=LA)
    assert reminder.due_at == datetime(2030, 3, 7, 15, 55, tzinfo=LA)

    await bot.at(TOMORROW_3PM - timedelta(minutes=5))  # the old reminder time
    assert bot.reminders_sent() == []
    await bot.at(datetime(2030, 3, 7, 15, 55, tzinfo=LA))
    [sent] = bot.reminders_sent()
    assert "Design review" in card_text(sent["attachments"][0]["content"])


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("push Design review 30m", "2030-03-05T15:30:00", "2030-03-05T16:15:00"),
        ("push design review back 1h", "2030-03-05T16:00:00", "2030-03-05T16:45:00"),
        ("pull Design review forward 15m", "2030-03-05T14:45:00", "2030-03-05T15:30:00"),
        ("move Design review to 4pm", "2030-03-05T16:00:00", "2030-03-05T16:45:00"),  # its day
        ("move Design review to Friday", "2030-03-08T15:00:00", "2030-03-08T15:45:00"),  # its time
        ("reschedule design review to tomorrow 9am", "2030-03-05T09:00:00", "2030-03-05T09:45:00"),
    ],
)
async def test_each_way_of_saying_a_move(bot: Bot, text: str, start: str, end: str) -> None:
    await bot.say(MEET)
    await bot.say(text)
    assert [r.json for r in requests(bot, "PATCH")] == [{"start": local(start), "end": local(end)}]


async def test_a_chinese_move_gets_a_chinese_card(bot: Bot) -> None:
    await bot.say("meet 设计评审 tomorrow 3pm for 45m")
    await bot.say("把设计评审改到周四下午4点", locale="zh-CN")
    [patch] = requests(bot, "PATCH")
    assert patch.json == {
        "start": local("2030-03-07T16:00:00"),
        "end": local("2030-03-07T16:45:00"),
    }
    assert "已改到" in card_text(bot.cards()[-1])

    await bot.say("推迟设计评审30分钟", locale="zh-CN")
    assert requests(bot, "PATCH")[-1].json["start"] == local("2030-03-07T16:30:00")


async def test_an_attendee_cannot_move_someone_elses_meeting(bot: Bot) -> None:
    organizer = {"emailAddress": {"address": "megan@contoso.com", "name": "Megan"}}
    seed(bot, "Budget", datetime(2030, 3, 5, 11, tzinfo=LA), organizer=organizer)
    await bot.say("push budget 30m")
    assert requests(bot, "PATCH") == []
    assert "not its organizer" in card_text(bot.cards()[-1])


async def test_nothing_moves_into_the_past_or_without_a_match(bot: Bot) -> None:
    await bot.say("meet Sync today 10am")
    await bot.say("move sync to 7am")  # today, and it is 8 already
    await bot.say("move retro to 4pm")
    assert requests(bot, "PATCH") == []
    past, missing = (card_text(card) for card in bot.cards()[-2:])
    assert "already passed" in past
    assert "couldn't find an upcoming meeting matching \u201cretro\u201d" in missing


@pytest.mark.parametrize("status", [500, 503])
async def test_a_refused_move_is_an_error_card_and_the_reminder_stays(
    bot: Bot, status: int
) -> None:
    await bot.say(MEET)
    bot.graph.emulator.faults.inject(
        "PATCH /users/{user}/events/{event}", status=status, times=None
    )
    await bot.say("push design review 1h")
    text = card_text(bot.cards()[-1])
    assert "The meeting was not moved" in text
    assert only_event(bot).start is not None
    assert only_event(bot).start.to_datetime() == TOMORROW_3PM  # type: ignore[union-attr]
    [reminder] = await bot.store.open_reminders(USER_AAD_ID)
    assert reminder.starts_at == TOMORROW_3PM


def series(bot: Bot) -> Event:
    """A weekly standup on Tuesdays at 9:00 in Los Angeles since February (before DST)."""
    master = bot.graph.emulator.seed_event(
        USER_AAD_ID,
        {
            "subject": "Standup",
            "start": local("2030-02-05T09:00:00"),
            "end": local("2030-02-05T09:30:00"),
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
                "range": {
                    "type": "noEnd",
                    "startDate": "2030-02-05",
                    "recurrenceTimeZone": "Pacific Standard Time",
                },
            },
        },
    )
    return Event.model_validate(master)


async def instances(bot: Bot, master_id: str) -> list[Event]:
    """The series' meetings over the next weeks (across the DST change of March 10), as the
    bot's own Graph client reads them."""
    config = bot.graph.emulator.config
    form = {
        "grant_type": "client_credentials",
        "client_id": "meetbot-local",
        "client_secret": config.clients["meetbot-local"],
        "scope": "https://graph.microsoft.com/.default",
    }
    async with bot.graph.client() as client:
        token = (await client.post(f"/{config.tenant_id}/oauth2/v2.0/token", data=form)).json()
        response = await client.get(
            f"/v1.0/users/{USER_AAD_ID}/events/{master_id}/instances",
            params={"startDateTime": "2030-03-04T00:00:00Z", "endDateTime": "2030-03-20T00:00:00Z"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    assert response.status_code == 200, response.text
    return [Event.model_validate(item) for item in response.json()["value"]]


async def test_one_occurrence_moves_as_said(bot: Bot) -> None:
    master = series(bot)
    await bot.say("move standup to 10am this one")
    [patch] = requests(bot, "PATCH")
    assert patch.path == f"{EVENTS}/{occurrence_id(master.id, date(2030, 3, 5))}"
    assert patch.json == {
        "start": local("2030-03-05T10:00:00"),
        "end": local("2030-03-05T10:30:00"),
    }
    first, second, third = await instances(bot, master.id)
    assert (first.type, second.type, third.type) == ("exception", "occurrence", "occurrence")
    assert [at(e) for e in (first, second, third)] == [
        datetime(2030, 3, 5, 10, tzinfo=LA),
        datetime(2030, 3, 12, 9, tzinfo=LA),
        datetime(2030, 3, 19, 9, tzinfo=LA),
    ]


async def test_the_whole_series_moves_its_master_and_every_meeting_follows(bot: Bot) -> None:
    master = series(bot)
    await bot.say("push standup back 1h the whole series")
    [patch] = requests(bot, "PATCH")
    assert patch.path == f"{EVENTS}/{master.id}"
    # The master's own first date, at the new time of day; its length kept.
    assert patch.json == {
        "start": local("2030-02-05T10:00:00"),
        "end": local("2030-02-05T10:30:00"),
    }
    assert [at(e) for e in await instances(bot, master.id)] == [
        datetime(2030, 3, 5, 10, tzinfo=LA),
        datetime(2030, 3, 12, 10, tzinfo=LA),  # summer time by then: the wall time holds
        datetime(2030, 3, 19, 10, tzinfo=LA),
    ]
    text = card_text(bot.cards()[-1])
    assert (
        "Every meeting of \u201cStandup\u201d moved; the next one is Tue, Mar 5, 10:00 AM" in text
    )
    assert join_url(bot.cards()[-1]) == master.join_url


async def test_a_move_in_a_series_asks_which_and_the_answer_replaces_the_question(
    bot: Bot,
) -> None:
    master = series(bot)
    await bot.say("push standup 15m")
    assert requests(bot, "PATCH") == []
    question = bot.cards()[-1]
    validate_card(question)
    assert buttons(question) == [EN.move_this_one, EN.move_whole_series]
    assert "\u201cStandup\u201d repeats. Move only the one on Tue, Mar 5, 9:00 AM" in (
        card_text(question)
    )
    [asked] = bot.connector.emulator.activities("a:1on1")
    await bot.click(_submit(question, EN.move_whole_series), replyToId=asked.resource_id)

    [patch] = requests(bot, "PATCH")
    assert patch.path == f"{EVENTS}/{master.id}"
    assert patch.json == {
        "start": local("2030-02-05T09:15:00"),
        "end": local("2030-02-05T09:45:00"),
    }
    answer = bot.connector.emulator.activities("a:1on1")[-1]
    assert answer.kind == "update" and answer.activity_id == asked.resource_id

    await bot.say("move standup to 11am")
    await bot.click(_submit(bot.cards()[-1], EN.move_this_one))
    assert (
        requests(bot, "PATCH")[-1].path == f"{EVENTS}/{occurrence_id(master.id, date(2030, 3, 5))}"
    )


async def test_a_whole_series_is_not_moved_to_another_day(bot: Bot) -> None:
    series(bot)
    await bot.say("move standup to Thursday 9am the whole series")
    assert requests(bot, "PATCH") == []
    assert "not to another day" in card_text(bot.cards()[-1])


async def test_cancel_in_a_series_asks_which_and_cancels_the_occurrence(bot: Bot) -> None:
    master = series(bot)
    await bot.say("cancel meeting standup")
    question = bot.cards()[-1]
    validate_card(question)
    assert buttons(question) == [EN.cancel_this_one, EN.cancel_whole_series, EN.cancel_confirm_no]
    assert requests(bot, "POST") == []
    await bot.click(_submit(question, EN.cancel_this_one))
    [cancel] = requests(bot, "POST")
    assert cancel.path == f"{EVENTS}/{occurrence_id(master.id, date(2030, 3, 5))}/cancel"
    assert "the rest of the series stays" in card_text(bot.cards()[-1])
    assert [at(e) for e in await instances(bot, master.id)] == [
        datetime(2030, 3, 12, 9, tzinfo=LA),
        datetime(2030, 3, 19, 9, tzinfo=LA),
    ]


async def test_cancel_the_whole_series_cancels_the_master(bot: Bot) -> None:
    master = series(bot)
    await bot.say("取消会议 站会 整个系列", locale="zh-CN")  # no such subject: nothing to ask
    await bot.say("cancel meeting standup the whole series")
    question = bot.cards()[-1]
    assert buttons(question) == [EN.cancel_whole_series, EN.cancel_confirm_no]
    await bot.click(_submit(question, EN.cancel_whole_series))
    [cancel] = requests(bot, "POST")
    assert cancel.path == f"{EVENTS}/{master.id}/cancel"
    assert "Every meeting of \u201cStandup\u201d was cancelled" in card_text(bot.cards()[-1])
    assert [e for e in bot.graph.emulator.events(USER_AAD_ID) if not e.get("isCancelled")] == []


async def test_keep_leaves_the_series_alone(bot: Bot) -> None:
    series(bot)
    await bot.say("cancel meeting standup")
    await bot.click(_submit(bot.cards()[-1], EN.cancel_confirm_no))
    assert requests(bot, "POST") == []


def at(event: Event) -> datetime:
    assert event.start is not None
    return event.start.to_datetime()


async def test_only_the_one_who_asked_can_answer_the_question(bot: Bot) -> None:
    series(bot)
    await bot.say("push standup 15m")
    choice = _submit(bot.cards()[-1], EN.move_whole_series)
    await bot.click(choice, aad_object_id="aad-someone-else")
    assert requests(bot, "PATCH") == []
    # A payload rewritten for them acts on their own calendar, which has no such series.
    await bot.click({**choice, "for": "aad-someone-else"}, aad_object_id="aad-someone-else")
    assert requests(bot, "PATCH") == []
    [read] = [r for r in requests(bot, "GET") if r.path.endswith(choice["seriesId"])]
    assert read.path.startswith("/v1.0/users/aad-someone-else/")


async def test_the_series_question_in_chinese(bot: Bot) -> None:
    master = series(bot)
    await bot.say("把 Standup 改到上午10点", locale="zh-CN")
    question = bot.cards()[-1]
    assert buttons(question) == [ZH.move_this_one, ZH.move_whole_series]
    assert "是重复会议" in card_text(question)
    await bot.click(_submit(question, ZH.move_whole_series), locale="zh-CN")
    [patch] = requests(bot, "PATCH")
    assert patch.path == f"{EVENTS}/{master.id}"
    assert "的整个系列都已改时间" in card_text(bot.cards()[-1])

    await bot.say("取消会议 Standup 仅这一次", locale="zh-CN")
    assert buttons(bot.cards()[-1]) == [ZH.cancel_this_one, ZH.cancel_confirm_no]
