"""Conversations end to end: dialogs, the form, mentions, channels and the calendar commands."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.graph.models import Event
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_meet import card_text, join_url, sent_cards
from tests.factories import BOT_ID, TENANT_ID, USER_AAD_ID, make_message, new_conversation_id
from tests.processes import start_bot, stop

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
TEAM_ID = "19:team-general@thread.tacv2"
ADELE = {
    "id": "29:adele-teams-id",
    "aadObjectId": "aad-adele",
    "name": "Adele Vance",
    "givenName": "Adele",
    "email": "AdeleV@contoso.com",
    "userPrincipalName": "adelev@contoso.com",
    "tenantId": TENANT_ID,
}


def mention(member_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{name}</at>",
        "mentioned": {"id": member_id, "name": name},
    }


def channel_message(
    text: str, connector: RunningConnector, local_now: datetime = MORNING, **kwargs: Any
) -> dict[str, Any]:
    root = "1700000000999"
    activity = make_message(text, service_url=connector.url, local_now=local_now, **kwargs)
    activity["conversation"] = {
        "conversationType": "channel",
        "tenantId": TENANT_ID,
        "id": f"19:general@thread.tacv2;messageid={root}",
        "isGroup": True,
    }
    activity["channelData"] = {
        "teamsChannelId": "19:general@thread.tacv2",
        "teamsTeamId": TEAM_ID,
        "channel": {"id": "19:general@thread.tacv2"},
        "team": {"id": TEAM_ID},
        "tenant": {"id": TENANT_ID},
    }
    return activity


def direct_message(
    connector: RunningConnector, conversation: str, text: str, **kwargs: Any
) -> dict[str, Any]:
    """A 1:1 message in `conversation`, sent on the Saturday morning the tests live in."""
    return make_message(
        text, service_url=connector.url, conversation_id=conversation, local_now=MORNING, **kwargs
    )


def graph_posts(graph: RunningGraph, suffix: str) -> list[Any]:
    return [r for r in graph.emulator.requests if r.method == "POST" and r.path.endswith(suffix)]


def texts(connector: RunningConnector, conversation_id: str) -> list[str]:
    return [str(c.body.get("text") or "") for c in connector.emulator.activities(conversation_id)]


async def test_channel_mention_invites_the_mentioned_member_and_replies_in_the_thread(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    connector.emulator.add_member("19:general@thread.tacv2", ADELE)
    activity = channel_message(
        "<at>Meetbot</at> meet Sprint planning tomorrow 10am with <at>Adele Vance</at>",
        connector,
    )
    activity["entities"] += [mention(BOT_ID, "Meetbot"), mention(ADELE["id"], "Adele Vance")]
    await post(activity)

    [stored] = graph.emulator.events(USER_AAD_ID)
    event = Event.model_validate(stored)
    assert event.subject == "Sprint planning"
    assert [a.email_address.address for a in event.attendees] == ["AdeleV@contoso.com"]
    assert event.start is not None
    assert event.start.to_datetime() == datetime(2026, 11, 22, 10, 0, tzinfo=LA)
    [reply] = connector.emulator.activities(activity["conversation"]["id"])
    assert reply.kind == "reply" and reply.activity_id == activity["id"]
    assert join_url(reply.body["attachments"][0]["content"]) == stored["onlineMeeting"]["joinUrl"]


async def test_an_unresolvable_mention_is_named_and_not_invited(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = channel_message(
        "<at>Meetbot</at> meet Retro tomorrow 4pm with <at>Lee Gu</at> and bob@contoso.com",
        connector,
    )
    activity["entities"] += [mention(BOT_ID, "Meetbot"), mention("29:lee", "Lee Gu")]
    await post(activity)

    [stored] = graph.emulator.events(USER_AAD_ID)
    assert [a["emailAddress"]["address"] for a in stored["attendees"]] == ["bob@contoso.com"]
    assert any("Lee Gu" in text for text in texts(connector, activity["conversation"]["id"]))


async def test_in_a_channel_without_a_mention_the_bot_stays_quiet(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = channel_message("meet Sprint planning tomorrow 10am", connector)
    await post(activity)
    assert connector.emulator.activities(activity["conversation"]["id"]) == []
    assert graph.emulator.events(USER_AAD_ID) == []


async def test_meet_now_in_a_thread_with_a_running_meeting_returns_that_meeting(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    # meet-now meetings start at Graph's "now", so the sender's clock must be the real one here
    now = datetime.now(LA)
    first = channel_message("<at>Meetbot</at> meet now Incident", connector, now)
    first["entities"].append(mention(BOT_ID, "Meetbot"))
    second = channel_message("<at>Meetbot</at> meet now Incident again", connector, now)
    second["entities"].append(mention(BOT_ID, "Meetbot"))
    await post(first)
    await post(second)

    assert len(graph.emulator.online_meetings(USER_AAD_ID)) == 1
    one, two = sent_cards(connector, first["conversation"]["id"])
    assert join_url(one) == join_url(two)
    assert "already running" in card_text(two)


async def sent_form(post: Post, connector: RunningConnector, conversation: str) -> str:
    """The id of the schedule form the bot sent when asked for it in `conversation`."""
    await post(make_message("schedule", service_url=connector.url, conversation_id=conversation))
    form = connector.emulator.activities(conversation)[-1]
    assert form.resource_id
    return form.resource_id


def form_submit(
    connector: RunningConnector, conversation: str, form_id: str, **fields: str
) -> dict[str, Any]:
    """The schedule form `form_id`, submitted on the Saturday morning the tests live in: a
    valid 60-minute Monday 14:30 "Budget" with no attendees, but for `fields`."""
    value = {
        "meetbot": "schedule_form",
        "subject": "Budget",
        "date": "2026-11-23",
        "time": "14:30",
        "duration": "60",
        "attendees": "",
    }
    return make_message(
        "",
        service_url=connector.url,
        conversation_id=conversation,
        local_now=MORNING,
        replyToId=form_id,
        value=value | fields,
    )


async def test_the_schedule_form_creates_the_meeting_and_replaces_itself(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    ask = make_message("schedule", service_url=connector.url, conversation_id=conversation)
    await post(ask)
    [form_reply] = connector.emulator.activities(conversation)
    submit = form_submit(
        connector,
        conversation,
        form_reply.resource_id,
        subject="Budget review",
        attendees="adele@contoso.com, bob@contoso.com",
    )
    await post(submit)

    [stored] = graph.emulator.events(USER_AAD_ID)
    event = Event.model_validate(stored)
    assert event.start is not None and event.end is not None
    assert event.start.to_datetime() == datetime(2026, 11, 23, 14, 30, tzinfo=LA)
    assert event.end.to_datetime() == datetime(2026, 11, 23, 15, 30, tzinfo=LA)
    [update] = [c for c in connector.emulator.activities(conversation) if c.kind == "update"]
    assert update.activity_id == form_reply.resource_id
    assert join_url(update.body["attachments"][0]["content"]) == stored["onlineMeeting"]["joinUrl"]


async def test_an_invalid_form_is_sent_back_with_the_problem_and_creates_nothing(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    form_id = await sent_form(post, connector, conversation)
    submit = form_submit(connector, conversation, form_id, attendees="not-an-email")
    await post(submit)

    assert graph.emulator.events(USER_AAD_ID) == []
    [_, update] = connector.emulator.activities(conversation)
    assert update.kind == "update" and update.activity_id == form_id
    assert "not-an-email" in card_text(update.body["attachments"][0]["content"])


async def test_a_form_duration_in_unicode_digits_is_sent_back_not_crashed_on(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    """ "²" passes `str.isdigit()` but `int()` refuses it: the form comes back naming it."""
    conversation = new_conversation_id()
    form_id = await sent_form(post, connector, conversation)
    submit = form_submit(connector, conversation, form_id, duration="²")
    await post(submit)

    assert graph.emulator.events(USER_AAD_ID) == []
    [_, update] = connector.emulator.activities(conversation)
    assert update.kind == "update" and update.activity_id == form_id
    assert "²" in card_text(update.body["attachments"][0]["content"])


async def test_online_makes_an_event_online_with_exactly_two_fields(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    start = MORNING + timedelta(days=1)
    seeded = graph.emulator.seed_event(
        USER_AAD_ID,
        {
            "subject": "Vendor call",
            "start": {
                "dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "Pacific Standard Time",
            },
            "end": {
                "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "Pacific Standard Time",
            },
        },
    )
    conversation = new_conversation_id()
    await post(
        make_message(
            "online", service_url=connector.url, conversation_id=conversation, local_now=MORNING
        )
    )
    [listing] = sent_cards(connector, conversation)
    assert "Vendor call" in card_text(listing)
    [button] = [a for a in _actions(listing) if a.get("data", {}).get("meetbot") == "make_online"]
    await post(
        make_message(
            "",
            service_url=connector.url,
            conversation_id=conversation,
            local_now=MORNING,
            value=button["data"],
        )
    )

    [patch] = [r for r in graph.emulator.requests if r.method == "PATCH"]
    assert patch.json == {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    assert patch.path.endswith(seeded["id"])
    card = sent_cards(connector, conversation)[-1]
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert join_url(card) == stored["onlineMeeting"]["joinUrl"]
    assert stored["onlineMeeting"]["tollNumber"] in card_text(card)


async def test_a_button_made_for_someone_else_changes_nothing(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    value = {"meetbot": "make_online", "eventId": "AAMkAD-x", "for": "someone-else"}
    await post(
        make_message("", service_url=connector.url, conversation_id=conversation, value=value)
    )
    assert [r for r in graph.emulator.requests if r.method == "PATCH"] == []
    assert texts(connector, conversation)[0]


async def test_offline_is_explained(post: Post, connector: RunningConnector) -> None:
    conversation = new_conversation_id()
    await post(
        make_message(
            "offline Design review", service_url=connector.url, conversation_id=conversation
        )
    )
    [card] = sent_cards(connector, conversation)
    assert "Graph" in card_text(card)


async def test_upcoming_join_cancel_and_providers(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()

    message = partial(direct_message, connector, conversation)

    await post(message("meet Design review tomorrow 3pm"))
    await post(message("meet Budget sync tomorrow 5pm"))
    await post(message("upcoming"))
    agenda = sent_cards(connector, conversation)[-1]
    assert "Design review" in card_text(agenda) and "Budget sync" in card_text(agenda)
    assert len([a for a in _actions(agenda) if a["type"] == "Action.OpenUrl"]) == 2

    await post(message("join design"))
    joined = sent_cards(connector, conversation)[-1]
    design = next(e for e in graph.emulator.events(USER_AAD_ID) if e["subject"] == "Design review")
    assert join_url(joined) == design["onlineMeeting"]["joinUrl"]
    selects = [
        r.query.get("$select")
        for r in graph.emulator.requests
        if r.method == "GET" and r.path.endswith(design["id"])
    ]
    assert selects == ["isOnlineMeeting,onlineMeetingProvider,onlineMeeting"]

    await post(message("cancel meeting budget"))
    confirm = sent_cards(connector, conversation)[-1]
    [yes] = [a for a in _actions(confirm) if a.get("data", {}).get("confirm") is True]
    assert graph_posts(graph, "/cancel") == []  # nothing happens before the confirm
    confirm_id = connector.emulator.activities(conversation)[-1].resource_id
    await post(message("", value=yes["data"], replyToId=confirm_id))
    assert len(graph_posts(graph, "/cancel")) == 1
    assert [
        e["subject"] for e in graph.emulator.events(USER_AAD_ID) if not e.get("isCancelled")
    ] == ["Design review"]

    await post(message("providers"))
    assert "Microsoft Teams" in card_text(sent_cards(connector, conversation)[-1])


async def test_chinese_commands_get_chinese_answers(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    activity = make_message(
        "会议 设计评审 明天下午3点 45分钟",
        service_url=connector.url,
        conversation_id=conversation,
        local_now=datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        zone="Asia/Shanghai",
        locale="zh-CN",
    )
    await post(activity)
    [stored] = graph.emulator.events(USER_AAD_ID)
    event = Event.model_validate(stored)
    assert event.subject == "设计评审"
    assert event.start is not None and event.end is not None
    shanghai = ZoneInfo("Asia/Shanghai")
    assert event.start.to_datetime() == datetime(2026, 11, 22, 15, 0, tzinfo=shanghai)
    assert event.end.to_datetime() == datetime(2026, 11, 22, 15, 45, tzinfo=shanghai)
    [card] = sent_cards(connector, conversation)
    assert "加入" in card_text(card)


async def test_a_dialog_re_asks_on_bad_input_and_cancel_leaves_it(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()

    message = partial(direct_message, connector, conversation)

    for text in ("meet", "Design review", "25pm", "tomorrow 3", "cancel"):
        await post(message(text))
    said = texts(connector, conversation)
    assert "about" in said[0]  # what is it about?
    assert "Design review" in said[1]  # when should "Design review" be?
    assert "25pm" in said[2] and "Design review" in said[2]  # re-asked with the reason
    assert "morning or the afternoon" in said[3]
    assert "Nothing was created" in said[4]
    assert graph.emulator.events(USER_AAD_ID) == []
    await post(message("tomorrow 3pm"))  # the dialog is gone: this is not an answer any more
    assert graph.emulator.events(USER_AAD_ID) == []


async def test_a_two_step_dialog_survives_restarts_of_the_bot_process(
    graph: RunningGraph, connector: RunningConnector, tmp_path: Path
) -> None:
    env = {
        "GRAPH_BASE_URL": f"{graph.url}/v1.0",
        "GRAPH_CA_BUNDLE": str(graph.ca_file),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'meetbot.db'}",
    }
    conversation = new_conversation_id()
    for text in ("meet", "Design review", "tomorrow 3pm"):
        process, url = await start_bot(tmp_path, **env)
        try:
            activity = make_message(
                text, service_url=connector.url, conversation_id=conversation, local_now=MORNING
            )
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                assert (await client.post("/api/messages", json=activity)).status_code < 300
        finally:
            await stop(process)

    [stored] = graph.emulator.events(USER_AAD_ID)
    event = Event.model_validate(stored)
    assert event.subject == "Design review"
    assert event.start is not None
    assert event.start.to_datetime() == datetime(2026, 11, 22, 15, 0, tzinfo=LA)
    [card] = sent_cards(connector, conversation)
    assert join_url(card) == stored["onlineMeeting"]["joinUrl"]


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action anywhere in the card (top level and inside ActionSets)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_todays_weekday_is_asked_back_in_chat(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()  # MORNING is a Saturday
    await post(
        make_message(
            "meet Sync saturday 5pm",
            service_url=connector.url,
            conversation_id=conversation,
            local_now=MORNING,
        )
    )
    [said] = texts(connector, conversation)
    assert "next week" in said and "saturday" in said
    assert graph.emulator.events(USER_AAD_ID) == []


async def test_an_unusable_subject_is_asked_again(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()

    message = partial(direct_message, connector, conversation)

    for text in ("meet tomorrow 3pm", "x" * 300, "Design review"):
        await post(message(text))
    said = texts(connector, conversation)
    assert "about" in said[0] and "about" in said[1]  # asked, then asked again
    [stored] = graph.emulator.events(USER_AAD_ID)  # the time from the first line was kept
    event = Event.model_validate(stored)
    assert event.subject == "Design review" and event.start is not None
    assert event.start.to_datetime() == datetime(2026, 11, 22, 15, 0, tzinfo=LA)


async def test_members_answering_at_once_in_a_thread_each_keep_their_dialog(
    post: Post, connector: RunningConnector
) -> None:
    """The thread's state is one value: turns that read and write it at the same time must
    not lose each other's dialogs (the second write used to win, silently)."""

    def said(member: str, text: str) -> dict[str, Any]:
        activity = channel_message(
            f"<at>Meetbot</at> {text}", connector, entities=[mention(BOT_ID, "Meetbot")]
        )
        activity["from"] = {"id": f"29:{member}", "aadObjectId": f"aad-{member}", "name": member}
        return activity

    thread = said("ann", "")["conversation"]["id"]
    members = ("ann", "bob", "cyd")
    answers = await asyncio.gather(*(post(said(member, "meet")) for member in members))
    assert [answer.status_code for answer in answers] == [201] * 3
    assert texts(connector, thread) == ["What is the meeting about?"] * 3

    await asyncio.gather(*(post(said(member, f"Review {member}")) for member in members))
    asked = sorted(texts(connector, thread)[3:])
    assert [line.split("”")[0] for line in asked] == [f"When should “Review {m}" for m in members]


async def test_a_sender_whose_id_is_a_jsonpickle_tag_keeps_the_conversation_working(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    """Per-sender dialog stacks are keyed by sender id inside the stored state. Unprefixed, an
    id such as `py/b64` was read back as jsonpickle's tag: the state failed to load, and every
    later turn of the conversation with it. Two members are in the middle of a dialog each."""
    conversation = new_conversation_id()

    async def say(text: str, sender: str) -> None:
        activity = make_message(
            text,
            service_url=connector.url,
            conversation_id=conversation,
            aad_object_id=sender,
            local_now=MORNING,
        )
        response = await post(activity)
        assert response.status_code in {200, 201}

    await say("meet", "py/b64")
    await say("meet", "py/object")
    await say("meet", USER_AAD_ID)
    await say("Design review", "py/b64")
    await say("Budget", USER_AAD_ID)

    asked = texts(connector, conversation)
    assert asked[:3] == ["What is the meeting about?"] * 3
    assert asked[3].startswith("When should \u201cDesign review\u201d be?")
    assert asked[4].startswith("When should \u201cBudget\u201d be?")


async def test_one_form_submitted_twice_books_one_meeting(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = new_conversation_id()
    await post(make_message("schedule", service_url=connector.url, conversation_id=conversation))
    [form_reply] = connector.emulator.activities(conversation)
    fields = {"subject": "Budget review", "attendees": "adele@contoso.com"}
    for _ in range(2):  # a double click: two activities, each with its own id, from one card
        await post(form_submit(connector, conversation, form_reply.resource_id, **fields))

    creates = [r for r in graph.emulator.requests if r.method == "POST" and "/events" in r.path]
    assert len(creates) == 2
    assert creates[0].json["transactionId"] == creates[1].json["transactionId"]
    assert len(graph.emulator.events(USER_AAD_ID)) == 1
