"""A `meet` with places, a room, optional attendees and an agenda, and a `meet now` with
participants, end to end: activity JSON to /api/messages, the Graph body the emulator
received, and the card that reached the connector."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import en, zh
from cards import local_numbers_url
from emulators.graph.places import ROOMS
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_conversations import ADELE, mention
from tests.e2e.test_meet import card_text, sent_cards
from tests.factories import USER_AAD_ID, make_message

LA = ZoneInfo("America/Los_Angeles")
MORNING = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
ROOMS_PATH = "/v1.0/places/microsoft.graph.room"
MEGAN = {
    "id": "29:megan",
    "aadObjectId": "aad-megan",
    "name": "Megan Bowen",
    "email": "MeganB@contoso.com",
    "userPrincipalName": "meganb@contoso.com",
}


def create_body(graph: RunningGraph) -> dict[str, Any]:
    [create] = [
        r for r in graph.emulator.requests if r.method == "POST" and r.path.endswith("/events")
    ]
    assert create.path == f"/v1.0/users/{USER_AAD_ID}/events"
    body: dict[str, Any] = create.json
    return body


def room_reads(graph: RunningGraph) -> int:
    return sum(1 for r in graph.emulator.requests if r.path == ROOMS_PATH)


async def say(post: Post, connector: RunningConnector, text: str, **extra: Any) -> dict[str, Any]:
    activity = make_message(text, service_url=connector.url, local_now=MORNING, **extra)
    response = await post(activity)
    assert response.status_code in {200, 201}
    return activity


async def test_one_place_is_the_location_display_name(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(post, connector, "meet Lunch tomorrow noon-2pm at Harry's Bar with sam@contoso.com")
    body = create_body(graph)
    assert body["location"] == {"displayName": "Harry's Bar"}  # seed 004 example 1
    assert "locations" not in body
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert stored["location"]["displayName"] == "Harry's Bar"


async def test_several_places_are_locations_in_order_and_one_combined_location(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(
        post,
        connector,
        "meet Picnic tomorrow 11am for 1h at Conf Room 3; Fourth Coffee; Home Office",
    )
    body = create_body(graph)
    # Seed 004 example 2, field for field.
    assert body["location"] == {
        "displayName": "Conf Room 3; Fourth Coffee; Home Office",
        "locationType": "Default",
    }
    assert body["locations"] == [
        {"displayName": "Conf Room 3"},
        {"displayName": "Fourth Coffee"},
        {"displayName": "Home Office"},
    ]
    assert room_reads(graph) == 0  # "at" names places, not rooms


async def test_a_room_mailbox_is_a_resource_attendee_and_the_location_email(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(post, connector, "meet Review tomorrow 3pm in room baker@contoso.com")
    body = create_body(graph)
    assert body["attendees"] == [
        {
            "emailAddress": {"address": "baker@contoso.com", "name": "Conf Room Baker"},
            "type": "resource",
        }
    ]
    assert body["location"] == {
        "displayName": "Conf Room Baker",
        "locationEmailAddress": "baker@contoso.com",
    }
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert [a["type"] for a in stored["attendees"]] == ["resource"]


async def test_a_room_name_is_booked_through_the_room_list_which_is_cached(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    room = next(r for r in ROOMS if r.display_name == "Conf Room 3")
    await say(post, connector, "meet Review tomorrow 3pm in conf room 3 with adele@contoso.com")
    body = create_body(graph)
    assert body["attendees"] == [
        {"emailAddress": {"address": "adele@contoso.com"}, "type": "required"},
        {
            "emailAddress": {"address": room.email_address, "name": "Conf Room 3"},
            "type": "resource",
        },
    ]
    assert body["location"] == {
        "displayName": "Conf Room 3",
        "locationEmailAddress": room.email_address,
    }
    [card] = sent_cards(connector, "a:1on1-conversation")
    assert en.CATALOG.room_unresolved.format(room="Conf Room 3") not in card_text(card)

    await say(post, connector, "meet Retro tomorrow 4pm in Conf Room Adams")
    assert room_reads(graph) == 1  # the tenant's list, read once


async def test_without_place_read_the_room_is_a_plain_place_and_the_card_says_so(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    graph.emulator.places.readable = False
    activity = await say(post, connector, "meet Review tomorrow 3pm in Conf Room 3")
    [read] = [r for r in graph.emulator.requests if r.path == ROOMS_PATH]
    assert read.status == 403
    body = create_body(graph)
    assert body["location"] == {"displayName": "Conf Room 3"}
    assert body["attendees"] == []
    [card] = sent_cards(connector, activity["conversation"]["id"])
    note = en.CATALOG.room_unresolved.format(room="Conf Room 3")
    assert note in card_text(card)


async def test_an_unknown_room_name_stays_the_place_and_the_chinese_card_says_so(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = await say(post, connector, "开会 评审 明天下午3点 会议室：火星厅", locale="zh-CN")
    body = create_body(graph)
    assert body["location"] == {"displayName": "火星厅"}
    [card] = sent_cards(connector, activity["conversation"]["id"])
    assert zh.CATALOG.room_unresolved.format(room="火星厅") in card_text(card)


async def test_optional_attendees_and_roster_names(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    conversation = "a:1on1-conversation"
    connector.emulator.add_member(conversation, ADELE)
    connector.emulator.add_member(conversation, MEGAN)
    activity = make_message(
        "meet Design review tomorrow 3pm with <at>Adele Vance</at>"
        " and optional <at>Megan Bowen</at>, bob@contoso.com",
        service_url=connector.url,
        local_now=MORNING,
    )
    activity["entities"] += [
        mention(ADELE["id"], "Adele Vance"),
        mention(MEGAN["id"], "Megan Bowen"),
    ]
    await post(activity)
    body = create_body(graph)
    assert body["attendees"] == [
        {
            "emailAddress": {"address": "AdeleV@contoso.com", "name": "Adele Vance"},
            "type": "required",
        },
        # Typed addresses before mentioned people, as for required attendees.
        {"emailAddress": {"address": "bob@contoso.com"}, "type": "optional"},
        {
            "emailAddress": {"address": "MeganB@contoso.com", "name": "Megan Bowen"},
            "type": "optional",
        },
    ]
    [stored] = graph.emulator.events(USER_AAD_ID)
    assert [(a["emailAddress"]["address"], a["type"]) for a in stored["attendees"]] == [
        ("AdeleV@contoso.com", "required"),
        ("bob@contoso.com", "optional"),
        ("MeganB@contoso.com", "optional"),
    ]


async def test_chinese_optional_attendees(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(
        post,
        connector,
        "开会 周会 明天上午10点 邀请 adele@contoso.com 和可选 megan@contoso.com",
        locale="zh-CN",
    )
    assert [(a["emailAddress"]["address"], a["type"]) for a in create_body(graph)["attendees"]] == [
        ("adele@contoso.com", "required"),
        ("megan@contoso.com", "optional"),
    ]


async def test_meet_now_passes_participants_as_seed_001_shows(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    connector.emulator.add_member("a:1on1-conversation", ADELE)
    activity = make_message(
        "meet now Standup with <at>Adele Vance</at> and bob@contoso.com",
        service_url=connector.url,
        local_now=MORNING,
    )
    activity["entities"].append(mention(ADELE["id"], "Adele Vance"))
    await post(activity)
    [create] = [r for r in graph.emulator.requests if r.path.endswith("/createOrGet")]
    assert create.json["subject"] == "Standup"
    assert create.json["participants"] == {
        "attendees": [
            {
                "upn": "AdeleV@contoso.com",
                "role": "attendee",
                "identity": {"user": {"id": "aad-adele"}},
            },
            {"upn": "bob@contoso.com", "role": "attendee"},
        ]
    }
    [meeting] = graph.emulator.online_meetings(USER_AAD_ID)
    upns = [a.get("upn") for a in meeting["participants"]["attendees"]]
    assert upns == ["AdeleV@contoso.com", "bob@contoso.com"]


async def test_an_agenda_is_the_escaped_html_body_and_the_join_block_follows_it(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    activity = await say(
        post, connector, "meet Q3 review tomorrow 3pm agenda: review the Q3 numbers <b>& plan</b>"
    )
    body = create_body(graph)
    assert body["body"] == {
        "contentType": "HTML",
        "content": "review the Q3 numbers &lt;b&gt;&amp; plan&lt;/b&gt;",
    }
    [stored] = graph.emulator.events(USER_AAD_ID)
    content = stored["body"]["content"]
    agenda_at = content.index("review the Q3 numbers &lt;b&gt;")
    join_at = content.index(stored["onlineMeeting"]["joinUrl"].split("?")[0][:60])
    assert agenda_at < join_at  # Graph appends Teams' join block after the given body
    link = local_numbers_url(content)
    assert link is not None
    [card] = sent_cards(connector, activity["conversation"]["id"])
    assert link in card_text(card)  # the bot still finds the local-numbers link


async def test_the_lines_after_the_first_are_the_agenda_with_line_breaks(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(
        post, connector, "meet Planning tomorrow 10am with adele@contoso.com\nReview Q3\nPlan Q4"
    )
    body = create_body(graph)
    assert body["subject"] == "Planning"
    assert body["body"] == {"contentType": "HTML", "content": "Review Q3<br>Plan Q4"}
    assert [a["emailAddress"]["address"] for a in body["attendees"]] == ["adele@contoso.com"]


async def test_a_line_without_a_subject_keeps_its_place_and_agenda_through_the_dialog(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    await say(
        post, connector, "meet tomorrow 3pm at Harry's Bar with optional bob@contoso.com\nTapas"
    )
    assert create_bodies(graph) == []  # asked for the subject first
    await say(post, connector, "Team lunch")
    body = create_body(graph)
    assert body["subject"] == "Team lunch"
    assert body["location"] == {"displayName": "Harry's Bar"}
    assert body["attendees"] == [
        {"emailAddress": {"address": "bob@contoso.com"}, "type": "optional"}
    ]
    assert body["body"] == {"contentType": "HTML", "content": "Tapas"}


def create_bodies(graph: RunningGraph) -> list[Any]:
    return [
        r.json for r in graph.emulator.requests if r.method == "POST" and r.path.endswith("/events")
    ]
