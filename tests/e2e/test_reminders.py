"""Reminders end to end: Teams activities in, reminder cards out through the connector.

The bot runs in-process on a real socket with a ManualClock: the test moves time, the bot's
own scheduler loop does the rest, and `settle()` says when it has caught up.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import create_app
from bot.graph.models import Event
from bot.i18n import catalog_for
from bot.reminders import ManualClock, ReminderScheduler
from bot.serve import serve
from bot.services import SERVICES
from bot.settings import load_settings, resolve
from bot.store import ReminderState, Store
from tests.cards.helpers import readable
from tests.conftest import RunningConnector, RunningGraph
from tests.factories import TENANT_ID, USER_AAD_ID, make_message
from tests.reminders.test_series_on_emulator import graph_call

LA = ZoneInfo("America/Los_Angeles")
T0 = datetime(2030, 3, 4, 16, 0, tzinfo=UTC)  # Monday 8:00 in Los Angeles
TOMORROW_3PM = datetime(2030, 3, 5, 15, 0, tzinfo=LA)


@dataclass
class Bot:
    client: httpx.AsyncClient
    clock: ManualClock
    scheduler: ReminderScheduler
    store: Store
    graph: RunningGraph
    connector: RunningConnector

    async def say(self, text: str, conversation_id: str = "a:1on1", **extra: Any) -> None:
        activity = make_message(
            text,
            service_url=self.connector.url,
            conversation_id=conversation_id,
            local_now=self.clock.now().astimezone(LA),
            **extra,
        )
        response = await self.client.post("/api/messages", json=activity)
        assert response.status_code in (200, 201), response.text

    async def click(self, data: dict[str, Any], **extra: Any) -> None:
        """Submit a card button, as Teams posts it: a message with `value` and no text."""
        activity = make_message(
            "",
            service_url=self.connector.url,
            conversation_id="a:1on1",
            local_now=self.clock.now().astimezone(LA),
            **extra,
        )
        activity.pop("text")
        activity["value"] = data
        response = await self.client.post("/api/messages", json=activity)
        assert response.status_code in (200, 201), response.text

    async def at(self, when: datetime) -> None:
        """Move the clock to `when` and wait for the bot's scheduler to catch up."""
        self.clock.set(when)
        await self.scheduler.settle()

    def cards(self, conversation_id: str = "a:1on1") -> list[dict[str, Any]]:
        return [
            attachment["content"]
            for call in self.connector.emulator.activities(conversation_id)
            for attachment in call.body.get("attachments") or []
        ]

    def reminders_sent(self, conversation_id: str = "a:1on1") -> list[dict[str, Any]]:
        return [
            call.body
            for call in self.connector.emulator.activities(conversation_id)
            if "deliveryKey" in (call.body.get("channelData") or {}).get("meetbot", {})
        ]

    def texts(self, conversation_id: str = "a:1on1") -> list[str]:
        return [
            call.body["text"]
            for call in self.connector.emulator.activities(conversation_id)
            if call.body.get("text")
        ]


@pytest.fixture
async def bot(
    graph: RunningGraph,
    connector: RunningConnector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Bot]:
    """A test may ask for more settings with `indirect` parametrization."""
    monkeypatch.chdir(tmp_path)
    async with running_bot(graph, connector, **getattr(request, "param", {})) as running:
        yield running


@asynccontextmanager
async def running_bot(
    graph: RunningGraph, connector: RunningConnector, **settings: str
) -> AsyncIterator[Bot]:
    """Meetbot served on the emulators, its clock at T0: the `bot` of the e2e modules."""
    resolved = resolve(
        load_settings(
            GRAPH_BASE_URL=f"{graph.url}/v1.0", GRAPH_CA_BUNDLE=str(graph.ca_file), **settings
        )
    )
    clock = ManualClock(T0)
    app = create_app(resolved, clock=clock)
    served = await serve(app)
    services = app[SERVICES]
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            yield Bot(client, clock, services.scheduler, services.store, graph, connector)
    finally:
        await served.close()


def _text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def _facts(card: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "FactSet":
                found.update({readable(fact["title"]): fact["value"] for fact in node["facts"]})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def _submit(card: dict[str, Any], title: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and node.get("title") == title:
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert found, f"no {title!r} button"
    return found[0]


async def test_remind_5m_sends_the_reminder_card_five_minutes_before(bot: Bot) -> None:
    await bot.say("meet Design review tomorrow 3pm for 45m remind 5m")
    (card,) = bot.cards()
    assert _facts(card)["Reminder"] == "5 min before (2:55 PM)"

    await bot.at(TOMORROW_3PM - timedelta(minutes=6))
    assert bot.reminders_sent() == []
    await bot.at(TOMORROW_3PM - timedelta(minutes=5))
    (reminder,) = bot.reminders_sent()
    content = reminder["attachments"][0]["content"]
    assert "Starts in 5 min" in _text(content)
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    joins = [a["url"] for a in content["actions"] if a["type"] == "Action.OpenUrl"]
    assert joins == [event["onlineMeeting"]["joinUrl"]]
    assert "tel:" in _text(content)


@pytest.mark.parametrize("bot", [{"ALLOWED_TENANTS": TENANT_ID}], indirect=True, ids=["allow-list"])
async def test_with_an_allow_list_of_tenants_reminders_still_go_out(bot: Bot) -> None:
    """A reminder's send is a turn the bot starts itself: no tenant check holds it back."""
    await bot.say("meet Design review tomorrow 3pm for 45m remind 5m")
    await bot.at(TOMORROW_3PM - timedelta(minutes=5))
    (reminder,) = bot.reminders_sent()
    assert "Starts in 5 min" in _text(reminder["attachments"][0]["content"])
    assert bot.texts() == []  # nothing refused along the way


async def test_the_default_reminder_goes_to_the_channel_thread(bot: Bot) -> None:
    thread = "19:general@thread.tacv2;messageid=1700000000001"
    await bot.say(
        "<at>Meetbot</at> meet Sprint review tomorrow 3pm",
        conversation_id=thread,
        conversation={
            "conversationType": "channel",
            "id": thread,
            "tenantId": "98a79ebe-74bf-4e07-a017-7b410848cb32",
        },
        entities=[
            {
                "type": "mention",
                "text": "<at>Meetbot</at>",
                "mentioned": {"id": "28:meetbot-app-id", "name": "Meetbot"},
            }
        ],
    )
    (card,) = bot.cards(thread)
    assert _facts(card)["Reminder"] == "10 min before (2:50 PM)"
    await bot.at(TOMORROW_3PM - timedelta(minutes=10))
    assert len(bot.reminders_sent(thread)) == 1


async def test_no_reminder_then_the_card_button_turns_one_on(bot: Bot) -> None:
    await bot.say("meet Quiet time tomorrow 3pm no reminder")
    (card,) = bot.cards()
    assert _facts(card)["Reminder"] == "Off"
    data = _submit(card, "Save") | {"minutes": "15"}
    await bot.click(data)
    assert bot.texts()[-1].startswith("I\u2019ll remind this chat about \u201cQuiet time\u201d")

    await bot.at(TOMORROW_3PM - timedelta(minutes=16))
    assert bot.reminders_sent() == []
    await bot.at(TOMORROW_3PM - timedelta(minutes=15))
    assert len(bot.reminders_sent()) == 1


async def test_a_reminder_choice_in_unicode_digits_is_refused_politely(bot: Bot) -> None:
    """ "²" passes `str.isdigit()` but not `int()`: the sender is told, the reminder stays."""
    await bot.say("meet Quiet time tomorrow 3pm no reminder")
    data = _submit(bot.cards()[-1], "Save") | {"minutes": "²"}
    await bot.click(data)
    assert bot.texts()[-1] == catalog_for("en").bad_reminder.format(detail="²")
    await bot.at(TOMORROW_3PM)
    assert bot.reminders_sent() == []


async def test_reminders_lists_them_and_cancel_stops_one(bot: Bot) -> None:
    await bot.say("meet Alpha tomorrow 3pm")
    await bot.say("meet Beta tomorrow 4pm")
    await bot.say("reminders")
    listing = bot.cards()[-1]
    assert "Alpha" in _text(listing) and "Beta" in _text(listing)
    assert _text(listing).index("Alpha") < _text(listing).index("Beta")
    cancel_alpha = _submit(listing, "Cancel reminder")
    listing_id = bot.connector.emulator.activities("a:1on1")[-1].resource_id

    await bot.click(cancel_alpha, replyToId=listing_id)
    update = bot.connector.emulator.activities("a:1on1")[-1]
    assert update.kind == "update" and update.activity_id == listing_id
    refreshed = update.body["attachments"][0]["content"]
    assert "Alpha" not in _text(refreshed) and "Beta" in _text(refreshed)

    await bot.at(TOMORROW_3PM - timedelta(minutes=10))
    assert bot.reminders_sent() == []
    await bot.at(TOMORROW_3PM + timedelta(minutes=50))
    (beta,) = bot.reminders_sent()
    assert "Beta" in _text(beta)


async def test_someone_else_cannot_cancel_my_reminder(bot: Bot) -> None:
    await bot.say("meet Alpha tomorrow 3pm")
    await bot.say("reminders")
    cancel = _submit(bot.cards()[-1], "Cancel reminder")
    await bot.click(cancel, aad_object_id="someone-else-entirely")
    await bot.at(TOMORROW_3PM - timedelta(minutes=10))
    assert len(bot.reminders_sent()) == 1


async def test_a_meeting_cancelled_in_graph_is_not_reminded(bot: Bot) -> None:
    await bot.say("meet Retro tomorrow 3pm")
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    bot.graph.emulator.cancel_event(USER_AAD_ID, event["id"])
    await bot.at(TOMORROW_3PM - timedelta(minutes=10))
    await bot.at(TOMORROW_3PM + timedelta(hours=1))
    assert bot.reminders_sent() == []


async def test_a_meeting_moved_in_graph_is_reminded_at_its_new_time_only(bot: Bot) -> None:
    await bot.say("meet Budget tomorrow 3pm")
    (event,) = bot.graph.emulator.events(USER_AAD_ID)
    bot.graph.emulator.update_event(
        USER_AAD_ID,
        event["id"],
        {
            "start": {"dateTime": "2030-03-05T17:00:00", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "2030-03-05T17:30:00", "timeZone": "Pacific Standard Time"},
        },
    )
    await bot.at(TOMORROW_3PM - timedelta(minutes=10))
    assert bot.reminders_sent() == []
    five_pm = datetime(2030, 3, 5, 17, 0, tzinfo=LA)
    await bot.at(five_pm - timedelta(minutes=11))
    assert bot.reminders_sent() == []
    await bot.at(five_pm - timedelta(minutes=10))
    (sent,) = bot.reminders_sent()
    assert "Starts in 10 min" in _text(sent)


async def test_remind_me_about_all_my_meetings_covers_meetings_made_elsewhere(bot: Bot) -> None:
    await bot.say("remind me about all my meetings")
    assert "I\u2019ll remind you here 10 minutes before" in bot.texts()[-1]
    start = T0 + timedelta(minutes=40)
    bot.graph.emulator.seed_event(
        USER_AAD_ID,
        {
            "subject": "All hands",
            "start": {"dateTime": "2030-03-04T16:40:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-03-04T17:40:00", "timeZone": "UTC"},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
        },
    )
    await bot.at(T0 + timedelta(minutes=6))  # the next calendar scan
    await bot.at(start - timedelta(minutes=10))
    (sent,) = bot.reminders_sent()
    assert "All hands" in _text(sent)

    await bot.say("stop reminders")
    assert bot.texts()[-1].startswith("OK, no more calendar reminders")


async def test_calendar_watch_is_only_for_the_personal_chat(bot: Bot) -> None:
    group = "19:group@thread.v2"
    await bot.say(
        "<at>Meetbot</at> remind me about all my meetings",
        conversation_id=group,
        conversation={"conversationType": "groupChat", "id": group},
        entities=[
            {
                "type": "mention",
                "text": "<at>Meetbot</at>",
                "mentioned": {"id": "28:meetbot-app-id", "name": "Meetbot"},
            }
        ],
    )
    assert bot.texts(group)[-1].startswith("Calendar reminders come in our 1:1 chat")
    assert await bot.store.get_watch(USER_AAD_ID) is None


async def test_references_are_kept_on_install_and_dropped_on_removal(bot: Bot) -> None:
    base = make_message("", service_url=bot.connector.url, conversation_id="a:fresh")
    installed = base | {"type": "installationUpdate", "action": "add", "text": None}
    response = await bot.client.post("/api/messages", json=installed)
    assert response.status_code in (200, 201)
    reference = await bot.store.get_reference("a:fresh")
    assert reference is not None and reference["serviceUrl"] == bot.connector.url

    removed = base | {"type": "installationUpdate", "action": "remove", "text": None}
    await bot.client.post("/api/messages", json=removed)
    assert await bot.store.get_reference("a:fresh") is None


async def test_a_reference_is_written_only_when_it_changed(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    real = bot.store.save_reference

    async def counting(conversation_id: str, reference: Any, **kwargs: Any) -> None:
        written.append(conversation_id)
        await real(conversation_id, reference, **kwargs)

    monkeypatch.setattr(bot.store, "save_reference", counting)
    await bot.say("help", conversation_id="a:kept")
    await bot.say("help", conversation_id="a:kept")  # same accounts, service URL, locale
    assert len(written) == 1
    assert (await bot.store.get_reference("a:kept") or {})["locale"] == "en-US"

    await bot.say("help", conversation_id="a:kept", locale="de-DE")
    assert len(written) == 2
    assert (await bot.store.get_reference("a:kept") or {})["locale"] == "de-DE"

    base = make_message("", service_url=bot.connector.url, conversation_id="a:kept")
    removed = base | {"type": "installationUpdate", "action": "remove", "text": None}
    await bot.client.post("/api/messages", json=removed)
    assert await bot.store.get_reference("a:kept") is None
    await bot.say("help", conversation_id="a:kept", locale="de-DE")  # forgotten: written again
    assert len(written) == 3
    assert (await bot.store.get_reference("a:kept") or {})["locale"] == "de-DE"


# --- a recurring meeting --------------------------------------------------------------------


async def _occurrences(bot: Bot, master_id: str) -> list[Event]:
    listed = await graph_call(
        bot.graph,
        "GET",
        f"/events/{master_id}/instances",
        user=USER_AAD_ID,
        params={"startDateTime": "2030-03-04T00:00:00Z", "endDateTime": "2030-03-10T00:00:00Z"},
    )
    return [Event.model_validate(item) for item in listed["value"]]


def _reminded_joins(bot: Bot) -> list[str]:
    return [
        action["url"]
        for body in bot.reminders_sent()
        for action in body["attachments"][0]["content"]["actions"]
        if action["type"] == "Action.OpenUrl"
    ]


async def test_meet_every_day_reminds_each_occurrence_skips_the_cancelled_follows_the_moved(
    bot: Bot,
) -> None:
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2030, 3, day, hour, minute, tzinfo=LA)

    await bot.say("meet Standup every day at 9am 4 times")  # Monday to Thursday
    (master,) = bot.graph.emulator.events(USER_AAD_ID)
    assert master["type"] == "seriesMaster"
    monday, tuesday, wednesday, thursday = await _occurrences(bot, master["id"])
    # Through Graph's API: Tuesday's is cancelled, Wednesday's moved to two o'clock.
    await graph_call(bot.graph, "POST", f"/events/{tuesday.id}/cancel", user=USER_AAD_ID, json={})
    pst = "Pacific Standard Time"
    two = {
        "start": {"dateTime": "2030-03-06T14:00:00", "timeZone": pst},
        "end": {"dateTime": "2030-03-06T14:30:00", "timeZone": pst},
    }
    await graph_call(bot.graph, "PATCH", f"/events/{wednesday.id}", user=USER_AAD_ID, json=two)

    await bot.at(at(4, 8, 49))
    assert bot.reminders_sent() == []
    await bot.at(at(4, 8, 50))
    assert _reminded_joins(bot) == [monday.join_url]
    await bot.say("reminders")  # the next one to come is Wednesday's, at its new time
    assert "2:00" in _text(bot.cards()[-1]) and "Standup" in _text(bot.cards()[-1])

    await bot.at(at(5, 10))  # Tuesday: cancelled
    await bot.at(at(6, 8, 50))  # Wednesday's old time
    assert len(bot.reminders_sent()) == 1
    await bot.at(at(6, 13, 50))
    await bot.at(at(7, 8, 50))
    await bot.at(at(9, 9))
    assert _reminded_joins(bot) == [monday.join_url, wednesday.join_url, thursday.join_url]
    for body in bot.reminders_sent():  # each says how the series repeats, as the master does
        assert "Starts in 10 min" in _text(body)
        assert _facts(body["attachments"][0]["content"])["Repeats"] == "Every day, 4 times"
    # Three sent; the fourth found that the series had ended, and nothing is left to send.
    counts = await bot.store.reminder_counts()
    assert counts == {ReminderState.SENT: 3, ReminderState.SKIPPED: 1}
