"""Recurring series in the Graph emulator, over HTTP as the bot drives it: a POSTed recurrence
checked and answered as seed 004 shows it, calendarView and instances expanding series, one
occurrence changed or cancelled against the whole series, and rooms answering."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from emulators.graph.series import occurrence_id
from tests.emulators import test_graph_emulator as base
from tests.emulators.test_graph_emulator import USER, Env, graph_error

env = base.env
identity = base.identity

PST = "Pacific Standard Time"
PREFER_PST = {"Prefer": f'outlook.timezone="{PST}"'}
LUNCH_DATES = [  # every Monday from 2017-09-04 to the end of the year (seed 004, example 3)
    "2017-09-04", "2017-09-11", "2017-09-18", "2017-09-25", "2017-10-02", "2017-10-09",
    "2017-10-16", "2017-10-23", "2017-10-30", "2017-11-06", "2017-11-13", "2017-11-20",
    "2017-11-27", "2017-12-04", "2017-12-11", "2017-12-18", "2017-12-25",
]  # fmt: skip


def seed_example_3() -> dict[str, Any]:
    """Seed 004, example 3: lunch every Monday from 2017-09-04 until the end of the year."""
    return {
        "subject": "Let's go for lunch",
        "body": {"contentType": "HTML", "content": "Does noon time work for you?"},
        "start": {"dateTime": "2017-09-04T12:00:00", "timeZone": PST},
        "end": {"dateTime": "2017-09-04T14:00:00", "timeZone": PST},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
            "range": {"type": "endDate", "startDate": "2017-09-04", "endDate": "2017-12-31"},
        },
        "location": {"displayName": "Harry's Bar"},
        "attendees": [
            {
                "emailAddress": {
                    "address": "AdeleV@contoso.onmicrosoft.com",
                    "name": "Adele Vance",
                },
                "type": "required",
            }
        ],
    }


def series(
    start: str,
    end: str,
    pattern: dict[str, Any],
    range_: dict[str, Any],
    zone: str = PST,
    **extra: Any,
) -> dict[str, Any]:
    """A create body for a series whose first occurrence is `start`-`end` (local, in `zone`)."""
    return {
        "subject": extra.pop("subject", "series"),
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        "recurrence": {"pattern": pattern, "range": range_},
        **extra,
    }


async def create(env: Env, body: dict[str, Any]) -> dict[str, Any]:
    response = await env.graph("POST", f"/users/{USER}/events", json=body, headers=PREFER_PST)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def view(
    env: Env, start: str, end: str, headers: dict[str, str] | None = None, **params: str
) -> httpx.Response:
    window = {"startDateTime": start, "endDateTime": end, "$top": "100", **params}
    return await env.graph(
        "GET", f"/users/{USER}/calendarView", params=window, headers=headers or PREFER_PST
    )


def values(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["value"]
    return found


def local_starts(response: httpx.Response) -> list[str]:
    return [event["start"]["dateTime"] for event in values(response)]


def days(response: httpx.Response) -> list[str]:
    return [start[:10] for start in local_starts(response)]


# --- 1. a POSTed recurrence, normalised ------------------------------------------------------


async def test_seed_example_3_is_answered_with_the_normalised_recurrence(env: Env) -> None:
    created = await create(env, seed_example_3())

    assert created["type"] == "seriesMaster"
    assert created["seriesMasterId"] is None
    assert created["recurrence"] == {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["monday"],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "endDate",
            "startDate": "2017-09-04",
            "endDate": "2017-12-31",
            "recurrenceTimeZone": PST,
            "numberOfOccurrences": 0,
        },
    }
    assert created["location"] == {
        "displayName": "Harry's Bar",
        "locationType": "default",
        "uniqueId": "Harry's Bar",
        "uniqueIdType": "private",
    }
    assert created["locations"] == [
        {"displayName": "Harry's Bar", "locationType": "default", "uniqueIdType": "unknown"}
    ]
    assert created["start"] == {"dateTime": "2017-09-04T12:00:00.0000000", "timeZone": PST}
    read = await env.graph("GET", f"/users/{USER}/events/{created['id']}")
    assert read.json()["recurrence"] == created["recurrence"]


async def test_seed_example_4_daily_numbered_is_normalised_as_the_seed_answers(env: Env) -> None:
    created = await create(
        env,
        series(
            "2020-02-25T12:00:00",
            "2020-02-25T14:00:00",
            {"type": "daily", "interval": 1},
            {"type": "numbered", "startDate": "2020-02-25", "numberOfOccurrences": 2},
        ),
    )

    assert created["recurrence"] == {
        "pattern": {
            "type": "daily",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "numbered",
            "startDate": "2020-02-25",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": PST,
            "numberOfOccurrences": 2,
        },
    }


async def test_seed_example_2_locations_are_answered_as_the_seed_shows(env: Env) -> None:
    address = {
        "street": "4567 Main St",
        "city": "Redmond",
        "state": "WA",
        "countryOrRegion": "US",
        "postalCode": "32008",
    }
    coordinates = {"latitude": 47.672, "longitude": -102.103}
    body = {
        "subject": "Plan summer company picnic",
        "start": {"dateTime": "2017-08-30T11:00:00", "timeZone": PST},
        "end": {"dateTime": "2017-08-30T12:00:00", "timeZone": PST},
        "location": {
            "displayName": "Conf Room 3; Fourth Coffee; Home Office",
            "locationType": "Default",
        },
        "locations": [
            {"displayName": "Conf Room 3"},
            {"displayName": "Fourth Coffee", "address": address, "coordinates": coordinates},
            {"displayName": "Home Office"},
        ],
    }

    created = await create(env, body)

    assert created["type"] == "singleInstance" and created["recurrence"] is None
    assert created["location"] == {
        "displayName": "Conf Room 3; Fourth Coffee; Home Office",
        "locationType": "default",
        "uniqueId": "Conf Room 3; Fourth Coffee; Home Office",
        "uniqueIdType": "private",
    }
    assert created["locations"] == [
        {"displayName": "Conf Room 3", "locationType": "default", "uniqueIdType": "unknown"},
        {
            "displayName": "Fourth Coffee",
            "locationType": "default",
            "uniqueId": "Fourth Coffee",
            "uniqueIdType": "private",
            "address": {"type": "unknown", **address},
            "coordinates": coordinates,
        },
        {"displayName": "Home Office", "locationType": "default", "uniqueIdType": "unknown"},
    ]


async def test_the_range_takes_its_zone_from_the_start_unless_it_names_one(env: Env) -> None:
    own = await create(
        env,
        series(
            "2024-05-06T09:00:00",
            "2024-05-06T09:15:00",
            {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"], "firstDayOfWeek": "Monday"},
            {"type": "noEnd", "startDate": "2024-05-06", "recurrenceTimeZone": "Europe/Berlin"},
            zone="Europe/Berlin",
        ),
    )
    iana = await create(
        env,
        series(
            "2024-05-06T09:00:00",
            "2024-05-06T09:15:00",
            {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 6},
            {"type": "noEnd", "startDate": "2024-05-06"},
            zone="Asia/Shanghai",
        ),
    )

    assert own["recurrence"]["range"]["recurrenceTimeZone"] == "Europe/Berlin"
    assert own["recurrence"]["pattern"]["firstDayOfWeek"] == "monday"
    assert iana["recurrence"]["range"]["recurrenceTimeZone"] == "Asia/Shanghai"
    assert iana["recurrence"]["pattern"]["dayOfMonth"] == 6
    assert "daysOfWeek" not in iana["recurrence"]["pattern"]
    assert iana["recurrence"]["range"]["endDate"] == "0001-01-01"


WEEKLY = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}
NO_END = {"type": "noEnd", "startDate": "2024-05-06"}


@pytest.mark.parametrize(
    ("pattern", "range_", "code"),
    [
        ({"type": "weekly", "interval": 1}, NO_END, "ErrorPropertyValidationFailure"),
        (
            {"type": "weekly", "interval": 1, "daysOfWeek": []},
            NO_END,
            "ErrorPropertyValidationFailure",
        ),
        ({**WEEKLY, "interval": 0}, NO_END, "ErrorPropertyValidationFailure"),
        ({"type": "daily"}, NO_END, "ErrorPropertyValidationFailure"),
        ({"type": "hourly", "interval": 1}, NO_END, "ErrorInvalidRequest"),
        ({**WEEKLY, "daysOfWeek": ["funday"]}, NO_END, "ErrorInvalidRequest"),
        ({**WEEKLY, "index": "fifth"}, NO_END, "ErrorInvalidRequest"),
        ({"type": "absoluteMonthly", "interval": 1}, NO_END, "ErrorPropertyValidationFailure"),
        (
            {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 3},
            NO_END,
            "ErrorPropertyValidationFailure",
        ),
        (WEEKLY, {"type": "noEnd"}, "ErrorPropertyValidationFailure"),
        (WEEKLY, {"type": "forever", "startDate": "2024-05-06"}, "ErrorInvalidRequest"),
        (WEEKLY, {"type": "endDate", "startDate": "2024-05-06"}, "ErrorPropertyValidationFailure"),
        (
            WEEKLY,
            {"type": "endDate", "startDate": "2024-05-06", "endDate": "2024-05-05"},
            "ErrorPropertyValidationFailure",
        ),
        (WEEKLY, {"type": "numbered", "startDate": "2024-05-06"}, "ErrorPropertyValidationFailure"),
        (
            WEEKLY,
            {"type": "numbered", "startDate": "2024-05-06", "numberOfOccurrences": 0},
            "ErrorPropertyValidationFailure",
        ),
        (WEEKLY, {"type": "noEnd", "startDate": "May 6"}, "ErrorInvalidRequest"),
        (
            WEEKLY,
            {"type": "noEnd", "startDate": "2024-05-06", "recurrenceTimeZone": "Mars/Olympus"},
            "TimeZoneNotSupportedException",
        ),
    ],
)
async def test_a_recurrence_graph_would_refuse_is_a_400(
    env: Env, pattern: dict[str, Any], range_: dict[str, Any], code: str
) -> None:
    body = series("2024-05-06T09:00:00", "2024-05-06T09:15:00", pattern, range_)

    response = await env.graph("POST", f"/users/{USER}/events", json=body)
    events = await env.graph("GET", f"/users/{USER}/events")

    assert graph_error(response)[:2] == (400, code)
    assert events.json()["value"] == []


@pytest.mark.parametrize("recurrence", [{"pattern": WEEKLY}, {"range": NO_END}, "weekly"])
async def test_a_recurrence_needs_a_pattern_and_a_range(env: Env, recurrence: Any) -> None:
    body = series("2024-05-06T09:00:00", "2024-05-06T09:15:00", WEEKLY, NO_END)
    body["recurrence"] = recurrence

    response = await env.graph("POST", f"/users/{USER}/events", json=body)

    assert graph_error(response)[0] == 400


# --- 2. calendarView expands series ---------------------------------------------------------


async def test_calendar_view_shows_occurrences_not_the_master(env: Env) -> None:
    master = await create(env, seed_example_3())
    single = await create(
        env,
        {
            "subject": "one-off",
            "start": {"dateTime": "2017-09-12T09:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-09-12T10:00:00", "timeZone": PST},
        },
    )

    first = await view(env, "2017-09-01T00:00:00Z", "2017-09-30T00:00:00Z")
    again = await view(env, "2017-09-01T00:00:00Z", "2017-09-30T00:00:00Z")

    found = values(first)
    occurrences = [e for e in found if e["id"] != single["id"]]
    assert days(first) == ["2017-09-04", "2017-09-11", "2017-09-12", "2017-09-18", "2017-09-25"]
    assert {e["type"] for e in occurrences} == {"occurrence"}
    assert {e["seriesMasterId"] for e in occurrences} == {master["id"]}
    assert master["id"] not in {e["id"] for e in found}
    assert len({e["id"] for e in occurrences}) == 4
    assert [e["id"] for e in values(again)] == [e["id"] for e in found]
    for occurrence in occurrences:
        assert occurrence["recurrence"] is None
        assert occurrence["start"]["dateTime"].endswith("T12:00:00.0000000")
        assert occurrence["end"]["dateTime"].endswith("T14:00:00.0000000")
        assert occurrence["attendees"] == master["attendees"]
        assert occurrence["location"] == master["location"]
        assert occurrence["isOnlineMeeting"] == master["isOnlineMeeting"]
        assert occurrence["iCalUId"] != master["iCalUId"]
    assert next(e for e in found if e["id"] == single["id"])["type"] == "singleInstance"


async def test_the_whole_seed_series_ends_at_its_end_date(env: Env) -> None:
    await create(env, seed_example_3())

    response = await view(env, "2017-08-01T00:00:00Z", "2018-03-01T00:00:00Z")

    assert days(response) == LUNCH_DATES


async def test_a_weekly_series_keeps_its_wall_time_across_a_dst_change(env: Env) -> None:
    # Pacific time leaves daylight saving on 2024-11-03: noon is 19:00 UTC before, 20:00 after.
    await create(
        env,
        series(
            "2024-10-21T12:00:00",
            "2024-10-21T12:30:00",
            {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            {"type": "noEnd", "startDate": "2024-10-21"},
        ),
    )

    local = await view(env, "2024-10-20T00:00:00Z", "2024-11-20T00:00:00Z")
    utc = await view(env, "2024-10-20T00:00:00Z", "2024-11-20T00:00:00Z", headers={"X": "y"})

    assert local_starts(local) == [
        "2024-10-21T12:00:00.0000000",
        "2024-10-28T12:00:00.0000000",
        "2024-11-04T12:00:00.0000000",
        "2024-11-11T12:00:00.0000000",
        "2024-11-18T12:00:00.0000000",
    ]
    assert local_starts(utc) == [
        "2024-10-21T19:00:00.0000000",
        "2024-10-28T19:00:00.0000000",
        "2024-11-04T20:00:00.0000000",
        "2024-11-11T20:00:00.0000000",
        "2024-11-18T20:00:00.0000000",
    ]
    assert [e["end"]["dateTime"][11:19] for e in values(local)] == ["12:30:00"] * 5


@pytest.mark.parametrize(
    ("first", "pattern", "range_", "expected"),
    [
        (
            "2024-05-01",
            {"type": "daily", "interval": 2},
            {"type": "endDate", "startDate": "2024-05-01", "endDate": "2024-05-09"},
            ["2024-05-01", "2024-05-03", "2024-05-05", "2024-05-07", "2024-05-09"],
        ),
        (
            "2024-05-01",
            {"type": "weekly", "interval": 2, "daysOfWeek": ["friday", "Wednesday"]},
            {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 5},
            ["2024-05-01", "2024-05-03", "2024-05-15", "2024-05-17", "2024-05-29"],
        ),
        (
            # Weeks start on Monday: Sunday 2024-05-05 closes the first week, not the next.
            "2024-05-01",
            {
                "type": "weekly",
                "interval": 2,
                "daysOfWeek": ["sunday", "wednesday"],
                "firstDayOfWeek": "monday",
            },
            {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 4},
            ["2024-05-01", "2024-05-05", "2024-05-15", "2024-05-19"],
        ),
        (
            "2024-01-31",
            {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            {"type": "numbered", "startDate": "2024-01-31", "numberOfOccurrences": 4},
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"],
        ),
        (
            "2024-05-31",
            {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
            {"type": "endDate", "startDate": "2024-05-01", "endDate": "2024-08-31"},
            ["2024-05-31", "2024-06-28", "2024-07-26", "2024-08-30"],
        ),
        (
            "2024-05-06",
            {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["monday"]},
            {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 3},
            ["2024-05-06", "2024-07-01", "2024-09-02"],
        ),
        (
            # The second day of the month that is a Thursday or a Friday.
            "2024-05-03",
            {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["thursday", "friday"],
                "index": "second",
            },
            {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 2},
            ["2024-05-03", "2024-06-07"],
        ),
        (
            "2024-03-15",
            {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 15, "month": 3},
            {"type": "numbered", "startDate": "2024-03-15", "numberOfOccurrences": 3},
            ["2024-03-15", "2025-03-15", "2026-03-15"],
        ),
        (
            "2024-11-28",
            {
                "type": "relativeYearly",
                "interval": 1,
                "daysOfWeek": ["thursday"],
                "index": "fourth",
                "month": 11,
            },
            {"type": "noEnd", "startDate": "2024-11-01"},
            ["2024-11-28", "2025-11-27", "2026-11-26"],
        ),
    ],
)
async def test_calendar_view_expands_every_pattern_type(
    env: Env,
    first: str,
    pattern: dict[str, Any],
    range_: dict[str, Any],
    expected: list[str],
) -> None:
    await create(env, series(f"{first}T10:00:00", f"{first}T11:00:00", pattern, range_))

    response = await view(env, "2024-01-01T00:00:00Z", "2026-12-31T00:00:00Z")

    assert days(response) == expected
    assert {start[11:] for start in local_starts(response)} == {"10:00:00.0000000"}


async def test_a_window_late_in_a_numbered_series_sees_only_what_is_left(env: Env) -> None:
    await create(
        env,
        series(
            "2024-05-01T10:00:00",
            "2024-05-01T11:00:00",
            {"type": "daily", "interval": 1},
            {"type": "numbered", "startDate": "2024-05-01", "numberOfOccurrences": 10},
        ),
    )

    late = await view(env, "2024-05-08T00:00:00Z", "2024-06-01T00:00:00Z")
    partly = await view(env, "2024-05-03T17:30:00Z", "2024-05-04T17:30:00Z")

    assert days(late) == ["2024-05-08", "2024-05-09", "2024-05-10"]
    # 10:00-11:00 Pacific is 17:00-18:00 UTC: the window overlaps both days' occurrences.
    assert days(partly) == ["2024-05-03", "2024-05-04"]


async def test_occurrences_page_and_order_like_any_event(env: Env) -> None:
    await create(
        env,
        series(
            "2024-05-01T10:00:00",
            "2024-05-01T11:00:00",
            {"type": "daily", "interval": 1},
            {"type": "noEnd", "startDate": "2024-05-01"},
        ),
    )
    window = ("2024-05-01T00:00:00Z", "2024-05-06T00:00:00Z")

    first = await view(env, *window, **{"$top": "2"})
    rest = await env.client.get(first.json()["@odata.nextLink"], headers=first.request.headers)
    newest = await view(env, *window, **{"$orderby": "start/dateTime desc", "$top": "2"})
    chosen = await view(env, *window, **{"$select": "subject,type,seriesMasterId", "$top": "1"})

    assert days(first) == ["2024-05-01", "2024-05-02"]
    assert days(rest) == ["2024-05-03", "2024-05-04"]
    assert days(newest) == ["2024-05-05", "2024-05-04"]
    assert list(values(chosen)[0]) == ["@odata.etag", "id", "subject", "type", "seriesMasterId"]


# --- 3. instances -------------------------------------------------------------------------------


async def test_instances_lists_a_masters_occurrences_in_the_window(env: Env) -> None:
    master = await create(env, seed_example_3())
    path = f"/users/{USER}/events/{master['id']}/instances"
    window = {"startDateTime": "2017-10-01T00:00:00", "endDateTime": "2017-10-20T00:00:00"}

    listed = await env.graph("GET", path, params=window, headers=PREFER_PST)
    missing = await env.graph("GET", path, params={"startDateTime": window["startDateTime"]})
    unknown = await env.graph("GET", f"/users/{USER}/events/AAMkADnope=/instances", params=window)
    in_view = await view(env, window["startDateTime"] + "Z", window["endDateTime"] + "Z")

    assert days(listed) == ["2017-10-02", "2017-10-09", "2017-10-16"]
    assert [e["id"] for e in values(listed)] == [e["id"] for e in values(in_view)]
    assert {e["seriesMasterId"] for e in values(listed)} == {master["id"]}
    assert listed.json()["@odata.context"].endswith(f"events('{master['id']}')/instances")
    assert graph_error(missing)[:2] == (400, "ErrorInvalidParameter")
    assert graph_error(unknown)[:2] == (404, "ErrorItemNotFound")


# --- 4. one occurrence vs the series ------------------------------------------------------------


async def occurrences_in_september(env: Env) -> list[dict[str, Any]]:
    return values(await view(env, "2017-09-01T00:00:00Z", "2017-10-01T00:00:00Z"))


async def test_an_occurrence_reads_and_a_moved_one_becomes_an_exception(env: Env) -> None:
    master = await create(env, seed_example_3())
    second = (await occurrences_in_september(env))[1]
    path = f"/users/{USER}/events/{second['id']}"

    read = await env.graph("GET", path, headers=PREFER_PST)
    moved = await env.graph(
        "PATCH",
        path,
        json={
            "start": {"dateTime": "2017-09-12T15:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-09-12T16:00:00", "timeZone": PST},
        },
        headers=PREFER_PST,
    )
    after = await occurrences_in_september(env)
    again = await env.graph("GET", path, headers=PREFER_PST)
    master_now = await env.graph("GET", f"/users/{USER}/events/{master['id']}")

    assert read.status_code == 200
    assert (read.json()["type"], read.json()["seriesMasterId"]) == ("occurrence", master["id"])
    assert read.json()["start"]["dateTime"] == "2017-09-11T12:00:00.0000000"
    assert moved.status_code == 200, moved.text
    assert moved.json()["type"] == "exception"
    assert moved.json()["seriesMasterId"] == master["id"]
    assert moved.json()["id"] == second["id"]
    assert [(e["type"], e["start"]["dateTime"]) for e in after] == [
        ("occurrence", "2017-09-04T12:00:00.0000000"),
        ("exception", "2017-09-12T15:00:00.0000000"),
        ("occurrence", "2017-09-18T12:00:00.0000000"),
        ("occurrence", "2017-09-25T12:00:00.0000000"),
    ]
    assert again.json()["type"] == "exception"
    assert again.json()["start"]["dateTime"] == "2017-09-12T15:00:00.0000000"
    assert master_now.json()["type"] == "seriesMaster"
    assert master_now.json()["start"]["dateTime"] == "2017-09-04T19:00:00.0000000"  # UTC


async def test_an_exception_moved_out_of_its_week_is_found_where_it_went(env: Env) -> None:
    await create(env, seed_example_3())
    second = (await occurrences_in_september(env))[1]

    await env.graph(
        "PATCH",
        f"/users/{USER}/events/{second['id']}",
        json={
            "start": {"dateTime": "2017-10-03T12:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-10-03T13:00:00", "timeZone": PST},
        },
    )
    october = await view(env, "2017-10-01T00:00:00Z", "2017-10-08T00:00:00Z")

    assert days(october) == ["2017-10-02", "2017-10-03"]
    assert [e["type"] for e in values(october)] == ["occurrence", "exception"]
    assert "2017-09-11" not in days(await view(env, "2017-09-01T00:00:00Z", "2017-10-01T00:00:00Z"))


async def test_a_renamed_occurrence_is_an_exception_and_the_rest_follow_the_master(
    env: Env,
) -> None:
    master = await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]

    await env.graph("PATCH", f"/users/{USER}/events/{first['id']}", json={"subject": "Brunch"})
    await env.graph("PATCH", f"/users/{USER}/events/{master['id']}", json={"subject": "Lunch!"})
    after = await occurrences_in_september(env)

    assert [(e["type"], e["subject"]) for e in after] == [
        ("exception", "Brunch"),
        ("occurrence", "Lunch!"),
        ("occurrence", "Lunch!"),
        ("occurrence", "Lunch!"),
    ]


async def test_cancelling_an_occurrence_leaves_the_series(env: Env) -> None:
    master = await create(env, seed_example_3())
    second = (await occurrences_in_september(env))[1]

    cancelled = await env.graph(
        "POST", f"/users/{USER}/events/{second['id']}/cancel", json={"comment": "Holiday"}
    )
    after = await occurrences_in_september(env)
    gone = await env.graph("GET", f"/users/{USER}/events/{second['id']}")
    again = await env.graph("POST", f"/users/{USER}/events/{second['id']}/cancel", json={})
    still = await env.graph("GET", f"/users/{USER}/events/{master['id']}")

    assert cancelled.status_code == 202
    assert [e["start"]["dateTime"][:10] for e in after] == [
        "2017-09-04",
        "2017-09-18",
        "2017-09-25",
    ]
    assert graph_error(gone)[:2] == (404, "ErrorItemNotFound")
    assert graph_error(again)[:2] == (404, "ErrorItemNotFound")
    assert still.status_code == 200 and still.json()["type"] == "seriesMaster"
    record = env.emulator.cancelled_events(USER)
    assert [(r["event"]["id"], r["event"]["type"], r["comment"]) for r in record] == [
        (second["id"], "occurrence", "Holiday")
    ]


async def test_cancelling_the_master_cancels_the_whole_series(env: Env) -> None:
    master = await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]

    cancelled = await env.graph("POST", f"/users/{USER}/events/{master['id']}/cancel")
    after = await view(env, "2017-08-01T00:00:00Z", "2018-03-01T00:00:00Z")
    occurrence = await env.graph("GET", f"/users/{USER}/events/{first['id']}")

    assert cancelled.status_code == 202
    assert values(after) == []
    assert graph_error(occurrence)[:2] == (404, "ErrorItemNotFound")
    assert [r["event"]["type"] for r in env.emulator.cancelled_events(USER)] == ["seriesMaster"]


async def test_deleting_an_occurrence_or_the_master(env: Env) -> None:
    master = await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]

    deleted = await env.graph("DELETE", f"/users/{USER}/events/{first['id']}")
    after_one = days(await view(env, "2017-09-01T00:00:00Z", "2017-10-01T00:00:00Z"))
    whole = await env.graph("DELETE", f"/users/{USER}/events/{master['id']}")
    after_all = await view(env, "2017-08-01T00:00:00Z", "2018-03-01T00:00:00Z")

    assert deleted.status_code == 204 and whole.status_code == 204
    assert after_one == ["2017-09-11", "2017-09-18", "2017-09-25"]
    assert values(after_all) == []


async def test_an_occurrence_id_that_names_no_occurrence_is_not_found(env: Env) -> None:
    master = await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]
    # The same series on a Tuesday, and after its range: no such occurrence.
    not_monday = occurrence_id(master["id"], date(2017, 9, 5))
    after_end = occurrence_id(master["id"], date(2018, 1, 1))

    for event_id in (not_monday, after_end, "AAMkADoccur!!", "AAMkADoccurbm9wZQ=="):
        response = await env.graph("GET", f"/users/{USER}/events/{event_id}")
        assert graph_error(response)[:2] == (404, "ErrorItemNotFound"), event_id
    assert first["id"] == occurrence_id(master["id"], date(2017, 9, 4))
    assert (await env.graph("GET", f"/users/{USER}/events/{first['id']}")).status_code == 200


async def test_moving_the_master_moves_every_occurrence(env: Env) -> None:
    master = await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]
    await env.graph(
        "PATCH", f"/users/{USER}/events/{first['id']}", json={"subject": "changed alone"}
    )

    moved = await env.graph(
        "PATCH",
        f"/users/{USER}/events/{master['id']}",
        json={
            "start": {"dateTime": "2017-09-04T13:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-09-04T13:30:00", "timeZone": PST},
        },
    )
    after = await occurrences_in_september(env)

    assert moved.status_code == 200
    assert moved.json()["recurrence"] == master["recurrence"]
    assert [(e["type"], e["start"]["dateTime"][11:19]) for e in after] == [
        ("occurrence", "13:00:00")
    ] * 4
    assert {e["end"]["dateTime"][11:19] for e in after} == {"13:30:00"}


async def test_moving_the_master_to_another_day_starts_the_range_there(env: Env) -> None:
    master = await create(env, seed_example_3())

    moved = await env.graph(
        "PATCH",
        f"/users/{USER}/events/{master['id']}",
        json={
            "start": {"dateTime": "2017-09-11T12:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-09-11T14:00:00", "timeZone": PST},
        },
    )

    assert moved.json()["recurrence"]["range"]["startDate"] == "2017-09-11"
    assert days(await view(env, "2017-09-01T00:00:00Z", "2017-10-01T00:00:00Z")) == [
        "2017-09-11",
        "2017-09-18",
        "2017-09-25",
    ]


async def test_an_occurrence_cannot_take_a_recurrence_of_its_own(env: Env) -> None:
    await create(env, seed_example_3())
    first = (await occurrences_in_september(env))[0]

    response = await env.graph(
        "PATCH",
        f"/users/{USER}/events/{first['id']}",
        json={"recurrence": seed_example_3()["recurrence"]},
    )

    assert graph_error(response)[0] == 400


async def test_the_admin_api_changes_and_cancels_one_occurrence(env: Env) -> None:
    await create(env, seed_example_3())
    first, second = (await occurrences_in_september(env))[:2]

    env.emulator.update_event(
        USER,
        first["id"],
        {"start": {"dateTime": "2017-09-04T18:00:00Z", "timeZone": "UTC"},
         "end": {"dateTime": "2017-09-04T19:00:00Z", "timeZone": "UTC"}},
    )  # fmt: skip
    env.emulator.cancel_event(USER, second["id"])
    after = await occurrences_in_september(env)

    assert [(e["type"], e["start"]["dateTime"]) for e in after] == [
        ("exception", "2017-09-04T11:00:00.0000000"),
        ("occurrence", "2017-09-18T12:00:00.0000000"),
        ("occurrence", "2017-09-25T12:00:00.0000000"),
    ]


# --- 5. rooms -----------------------------------------------------------------------------------


def room_meeting(subject: str, start: str, end: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": PST},
        "end": {"dateTime": end, "timeZone": PST},
        "location": {
            "displayName": "Conf Room Baker",
            "locationType": "conferenceRoom",
            "locationEmailAddress": "baker@contoso.com",
        },
        "attendees": [
            {"emailAddress": {"address": "AdeleV@contoso.com"}, "type": "required"},
            {
                "emailAddress": {"address": "baker@contoso.com", "name": "Conf Room Baker"},
                "type": "resource",
            },
        ],
    }


async def test_a_free_room_accepts_and_a_booked_one_declines(env: Env) -> None:
    booked = await create(env, room_meeting("review", "2024-05-06T10:00:00", "2024-05-06T11:00:00"))
    clash = await create(env, room_meeting("clash", "2024-05-06T10:30:00", "2024-05-06T11:30:00"))
    later = await create(env, room_meeting("later", "2024-05-06T11:00:00", "2024-05-06T12:00:00"))

    def answers(event: dict[str, Any]) -> list[tuple[str, str]]:
        return [(a["type"], a["status"]["response"]) for a in event["attendees"]]

    assert answers(booked) == [("required", "none"), ("resource", "accepted")]
    assert answers(clash) == [("required", "none"), ("resource", "declined")]
    assert answers(later) == [("required", "none"), ("resource", "accepted")]
    room = booked["attendees"][1]
    assert room["emailAddress"] == {"name": "Conf Room Baker", "address": "baker@contoso.com"}
    assert room["status"]["time"] == "2024-05-01T09:00:00.0000000Z"  # the emulator's clock
    assert booked["location"] == {
        "displayName": "Conf Room Baker",
        "locationType": "conferenceRoom",
        "locationEmailAddress": "baker@contoso.com",
        "uniqueId": "Conf Room Baker",
        "uniqueIdType": "private",
    }
    assert booked["locations"][0]["locationEmailAddress"] == "baker@contoso.com"
    read = await env.graph("GET", f"/users/{USER}/events/{booked['id']}")
    assert answers(read.json()) == answers(booked)


async def test_an_unknown_location_type_is_a_400(env: Env) -> None:
    body = room_meeting("x", "2024-05-06T10:00:00", "2024-05-06T11:00:00")
    body["location"]["locationType"] = "spaceship"

    response = await env.graph("POST", f"/users/{USER}/events", json=body)

    assert graph_error(response)[:2] == (400, "BadRequest")


async def test_a_room_a_series_holds_is_busy_at_each_occurrence(env: Env) -> None:
    weekly = room_meeting("weekly review", "2024-05-06T10:00:00", "2024-05-06T11:00:00")
    weekly["recurrence"] = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        "range": {"type": "noEnd", "startDate": "2024-05-06"},
    }
    series_master = await create(env, weekly)
    third_monday = await create(
        env, room_meeting("clash", "2024-05-20T10:30:00", "2024-05-20T11:00:00")
    )
    tuesday = await create(env, room_meeting("free", "2024-05-21T10:30:00", "2024-05-21T11:00:00"))

    assert series_master["attendees"][1]["status"]["response"] == "accepted"
    assert third_monday["attendees"][1]["status"]["response"] == "declined"
    assert tuesday["attendees"][1]["status"]["response"] == "accepted"
    occurrences = await view(env, "2024-05-06T00:00:00Z", "2024-05-08T00:00:00Z")
    assert values(occurrences)[0]["attendees"][1]["status"]["response"] == "accepted"


# --- what occurrences say about themselves --------------------------------------------------


async def test_occurrences_and_exceptions_say_when_they_were_first_due(env: Env) -> None:
    master = await create(env, seed_example_3())
    single = await create(env, room_meeting("single", "2024-05-06T10:00:00", "2024-05-06T11:00:00"))
    first, second = (await occurrences_in_september(env))[:2]
    moved = await env.graph(
        "PATCH",
        f"/users/{USER}/events/{second['id']}",
        json={
            "start": {"dateTime": "2017-09-12T10:00:00", "timeZone": PST},
            "end": {"dateTime": "2017-09-12T11:00:00", "timeZone": PST},
        },
        headers=PREFER_PST,
    )

    # Noon in Pacific daylight time is 19:00 UTC.
    assert first["originalStart"] == "2017-09-04T19:00:00Z"
    assert moved.json()["originalStart"] == "2017-09-11T19:00:00Z"
    assert moved.json()["start"]["dateTime"] == "2017-09-12T10:00:00.0000000"
    assert "originalStart" not in master and "originalStart" not in single
    assert first["originalStartTimeZone"] == master["originalStartTimeZone"] == PST


async def test_the_emulator_lists_a_series_instances_for_tests(env: Env) -> None:
    master = await create(env, seed_example_3())
    env.emulator.cancel_event(USER, occurrence_id(master["id"], date(2017, 9, 11)))

    listed = env.emulator.instances(
        USER,
        master["id"],
        datetime(2017, 9, 1, tzinfo=UTC),
        datetime(2017, 9, 19, tzinfo=UTC),
    )

    assert [(e["type"], e["start"]["dateTime"]) for e in listed] == [
        ("occurrence", "2017-09-04T19:00:00.0000000"),
        ("occurrence", "2017-09-18T19:00:00.0000000"),
    ]
    with pytest.raises(KeyError):
        env.emulator.instances(USER, "AAMkADnope=", datetime.now(UTC), datetime.now(UTC))


async def test_an_attendees_copy_of_a_cancelled_series_shows_cancelled_occurrences(
    env: Env,
) -> None:
    seeded = env.emulator.seed_event(
        USER,
        seed_example_3()
        | {
            "organizer": {"emailAddress": {"address": "AdeleV@contoso.com", "name": "Adele"}},
            "isCancelled": True,
        },
    )
    first = (await occurrences_in_september(env))[0]
    refused = await env.graph("POST", f"/users/{USER}/events/{first['id']}/cancel")

    assert seeded["type"] == "seriesMaster" and seeded["isCancelled"] is True
    assert (first["isCancelled"], first["isOrganizer"]) == (True, False)
    assert first["organizer"]["emailAddress"]["address"] == "AdeleV@contoso.com"
    assert graph_error(refused)[:2] == (400, "ErrorAccessDenied")
