"""Every kind of card the bot sends, built by the real card builders from realistic data.

Meeting cards start from Graph-shaped JSON (the shapes of the shared Graph seeds), parsed into
the Graph models and turned into views the way the handlers and the reminder scheduler do, so
the render tests see what a Teams user sees. Each `Sample` also says what the rendered card must
offer: the join URL its Join button opens and, for dial-in, the exact `tel:` targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.graph.models import Event, Location, OnlineMeeting
from bot.i18n import Catalog, catalog_for
from cards import (
    AccountStatus,
    AgendaItem,
    FormDefaults,
    ReminderItem,
    ReminderSetting,
    cancel_confirm_card,
    error_card,
    help_card,
    meeting_card,
    notice_card,
    online_candidates_card,
    providers_card,
    reminder_card,
    reminders_card,
    schedule_form_card,
    upcoming_card,
    view_from_event,
    view_from_online_meeting,
)
from cards.actions import CancelMeeting, MoveMeeting, ScheduleForm
from cards.dates import format_when
from cards.series import Choice, series_choice_card

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
LA = ZoneInfo("America/Los_Angeles")
SHANGHAI = ZoneInfo("Asia/Shanghai")
USER = "64339082-ed84-4b0b-b4ab-004ae54f3747"  # the sender's aadObjectId
# Thursday 11 June 2026, 3 pm in Los Angeles (PDT).
START = datetime(2026, 6, 11, 22, 0, tzinfo=UTC)
NOW = START - timedelta(days=1, hours=4, minutes=55)  # when the user asked: Wed 10:05 am
JOIN_URL = (
    "https://teams.microsoft.com/l/meetup-join/"
    "19%3ameeting_ODkyNWFmNGYtZjBjYS00MDdlLTllOWQtN2E3MzJlNjM0ZWRj%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%2298a79ebe-74bf-4e07-a017-7b410848cb32%22%2c%22Oid%22%3a"
    "%2264339082-ed84-4b0b-b4ab-004ae54f3747%22%7d"
)
MEET_NOW_URL = (
    "https://teams.microsoft.com/l/meetup-join/"
    "19%3ameeting_NTg0NmQ3NTctZDVkZC00YzRhLThmNmEtOGQ3M2MwMmU0MDFl%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%2298a79ebe-74bf-4e07-a017-7b410848cb32%22%2c%22Oid%22%3a"
    "%2264339082-ed84-4b0b-b4ab-004ae54f3747%22%7d"
)
CONFERENCE_ID = "291633251"
TOLL = "+1 323-555-0166"
TOLL_FREE = "+1 800-555-0100"
LOCAL_NUMBERS_URL = (
    "https://dialin.teams.microsoft.com/1f9a0550-737c-41bd-8c7d-4c81dc1c4070?id=291633251"
)
REQUEST_ID = "b6f2f7c4-5c2f-4d3a-9d1e-2a8f0e6c1b7d"
LONG_SUBJECT = (
    "Quarterly business review with Contoso Pharmaceuticals: renewal terms, the Azure migration "
    "timeline for the Seattle and Munich data centres, support escalations, and next steps for Q3 "
    "(bring the #numbers)"
)


@dataclass(frozen=True)
class DialInExpectation:
    """What the "Join by phone" section must offer, written out by hand (not computed by the
    code under test)."""

    tel_targets: tuple[str, ...]  # hrefs of the number links, in order
    numbers: tuple[str, ...]  # their visible text
    conference_id: str  # as shown
    local_numbers_url: str | None


@dataclass(frozen=True)
class Sample:
    name: str  # test id and screenshot file name
    card: dict[str, Any]
    catalog: Catalog = EN
    meeting: bool = False  # a meeting or reminder card: the Join and dial-in checks apply
    join_url: str | None = None
    dial_in: DialInExpectation | None = None  # None on a meeting card: no dial-in section at all
    # Every Action.OpenUrl target, in button order; None: just the join URL, if any.
    opens: tuple[str, ...] | None = None

    @property
    def open_urls(self) -> tuple[str, ...]:
        if self.opens is not None:
            return self.opens
        return (self.join_url,) if self.join_url else ()


WITH_DIAL_IN = DialInExpectation(
    tel_targets=("tel:+13235550166,,291633251#", "tel:+18005550100,,291633251#"),
    numbers=(TOLL, TOLL_FREE),
    conference_id="291 633 251#",
    local_numbers_url=LOCAL_NUMBERS_URL,
)
MEET_NOW_DIAL_IN = DialInExpectation(
    tel_targets=("tel:+12064853005,,583920176#", "tel:+18885550123,,583920176#"),
    numbers=("+1 206-485-3005", "+1 888-555-0123"),
    conference_id="583 920 176#",
    local_numbers_url="https://dialin.teams.microsoft.com/0e73a853-1cc2-436c-b18c-9f53e0a97c24?id=583920176",
)


# -- Graph answers ------------------------------------------------------------------------------


def invitation_html(local_numbers_url: str | None) -> str:
    """The invitation Exchange writes into a Teams event's body (trimmed from Graph seed 000)."""
    dial_in = (
        f'<div><a class="me-email-link" href="tel:{TOLL},,{CONFERENCE_ID}# ">{TOLL}</a>'
        '<span style="font-size:12px"> United States, Los Angeles (Toll) </span></div>'
        f'<div><span>Conference ID: </span><span>291 633 251# </span></div><div><a class="me-email-'
        f'link" target="_blank" href="{local_numbers_url}">Local\r\n numbers</a> | '
        if local_numbers_url
        else "<div>"
    )
    return (
        "<html><body><div>Let's go through the new onboarding flow.</div>"
        f'<div class="me-email-text"><a class="me-email-headline" href="{JOIN_URL}">Join\r\n'
        f" Microsoft Teams Meeting</a>{dial_in}"
        '<a class="me-email-link" href="https://aka.ms/JoinTeamsMeeting">Learn more about Teams'
        "</a></div></div></body></html>"
    )


def created_event(
    *,
    subject: str = "Design review",
    dial_in: bool = True,
    attendees: tuple[str, ...] = ("adele.vance@contoso.com", "alex.wilber@contoso.com"),
) -> Event:
    """The answer to `POST /users/{id}/events` with `isOnlineMeeting` (zone: UTC, as Graph's
    POST answers may be)."""
    online: dict[str, Any] = {"joinUrl": JOIN_URL}
    if dial_in:
        online |= {
            "conferenceId": CONFERENCE_ID,
            "tollNumber": TOLL,
            "tollFreeNumbers": [TOLL_FREE],
        }
    return Event.model_validate(
        {
            "id": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9r"
            "VEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAENAAAiIsqMbYjsT5e-T7KzowPTAAAYbuK-AAA=",
            "subject": subject,
            "start": {"dateTime": "2026-06-11T22:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-06-11T22:45:00.0000000", "timeZone": "UTC"},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": online,
            "body": {
                "contentType": "html",
                "content": invitation_html(LOCAL_NUMBERS_URL if dial_in else None),
            },
            "attendees": [
                {"type": "required", "emailAddress": {"address": address}} for address in attendees
            ],
        }
    )


def created_series(
    *,
    subject: str = "Design review",
    day: str = "thursday",
    start_date: str = "2026-06-11",
    recurrence_zone: str = "Pacific Standard Time",
) -> Event:
    """A weekly series as Graph answers its create (recurrence and places shaped as the
    create-event seed's examples 2 and 3 answer them), with a room booked as a resource
    attendee and an optional attendee. Its days and dates are in `recurrence_zone`, the organizer's:
    the series starts on Thursday in Los Angeles, which is Friday in Shanghai."""
    event = created_event(subject=subject).model_dump(by_alias=True, exclude_none=True)
    people = [
        ("required", "Adele Vance", "adele.vance@contoso.com"),
        ("required", "Alex Wilber", "alex.wilber@contoso.com"),
        ("optional", "Megan Bowen", "megan.bowen@contoso.com"),
        ("resource", "Conf Room Baker", "baker@contoso.com"),
    ]
    return Event.model_validate(
        event
        | {
            "type": "seriesMaster",
            "recurrence": {
                "pattern": {
                    "type": "weekly",
                    "interval": 1,
                    "month": 0,
                    "dayOfMonth": 0,
                    "daysOfWeek": [day],
                    "firstDayOfWeek": "sunday",
                    "index": "first",
                },
                "range": {
                    "type": "endDate",
                    "startDate": start_date,
                    "endDate": "2026-12-31",
                    "recurrenceTimeZone": recurrence_zone,
                    "numberOfOccurrences": 0,
                },
            },
            "location": {
                "displayName": "Fourth Coffee; Home Office; Conf Room Baker",
                "locationType": "default",
                "uniqueId": "Fourth Coffee; Home Office; Conf Room Baker",
                "uniqueIdType": "private",
            },
            "locations": [
                {"displayName": "Fourth Coffee", "locationType": "default"},
                {"displayName": "Home Office", "locationType": "default"},
                {
                    "displayName": "Conf Room Baker",
                    "locationType": "conferenceRoom",
                    "locationEmailAddress": "baker@contoso.com",
                    "uniqueIdType": "directory",
                },
            ],
            "attendees": [
                {"type": kind, "emailAddress": {"name": name, "address": address}}
                for kind, name, address in people
            ],
        }
    )


SHANGHAI_SERIES: dict[str, Any] = {
    "subject": "设计评审",
    "day": "friday",
    "start_date": "2026-06-12",
    "recurrence_zone": "China Standard Time",
}


def created_online_meeting() -> OnlineMeeting:
    """The answer to `POST /users/{id}/onlineMeetings/createOrGet` (shape of Graph seed 001)."""
    return OnlineMeeting.model_validate(
        {
            "id": "MSpkYzE3Njc0Yy04MWQyLTQyYjQtOGI0OC04YWQ5MjEzNTRkNDcqMCoqMTk6bWVldGluZ18",
            "subject": "Quick sync",
            "startDateTime": "2026-06-10T17:05:12.0615989Z",
            "endDateTime": "2026-06-10T18:05:12.0615989Z",
            "joinWebUrl": MEET_NOW_URL,
            "externalId": "meet-now:19:a1b2c3@thread.tacv2:1718035512000",
            "audioConferencing": {
                "conferenceId": "583920176",
                "tollNumber": "+1 206-485-3005",
                "tollFreeNumber": "+1 888-555-0123",
                "dialinUrl": MEET_NOW_DIAL_IN.local_numbers_url,
            },
            "joinMeetingIdSettings": {
                "isPasscodeRequired": True,
                "joinMeetingId": "284019563721",
                "passcode": "Wc7sT3",
            },
        }
    )


def reminder_setting(lead_minutes: int = 10) -> ReminderSetting:
    return ReminderSetting(
        reminder_id="rem-7f3c2a",
        for_user=USER,
        start=START,
        lead=timedelta(minutes=lead_minutes),
    )


def agenda(catalog: Catalog) -> list[AgendaItem]:
    """Five days of a calendar as the `upcoming` handler reads it; one event is not online."""
    day = timedelta(days=1)
    rows = [
        ("Design review", START, 45, True),
        ("Lunch with Megan", START + day - timedelta(hours=3), 60, False),
        ("Sprint planning", START + day + timedelta(hours=1), 90, True),
        ("1:1 Adele / Alex", START + 4 * day - timedelta(hours=5), 30, True),
        ("", START + 5 * day, 30, True),  # no subject: Graph sends ""
    ]
    return [
        AgendaItem(
            event_id=f"AAMkAGVmMDEzMTM4-{index}",
            subject=subject or catalog.untitled_meeting,
            start=start,
            end=start + timedelta(minutes=minutes),
            join_url=JOIN_URL if online else None,
            is_online=online,
            is_organizer=True,
        )
        for index, (subject, start, minutes, online) in enumerate(rows)
    ]


# -- the catalogue ------------------------------------------------------------------------------


def _meeting(catalog: Catalog, zone: ZoneInfo, **event: Any) -> dict[str, Any]:
    view = view_from_event(created_event(**event), zone, zone_is_fallback=False)
    return meeting_card(view, catalog, reminder=reminder_setting())


def _reminder(catalog: Catalog, zone: ZoneInfo, event: Event | None = None) -> dict[str, Any]:
    view = view_from_event(event or created_event(), zone, zone_is_fallback=False)
    return reminder_card(view, catalog, now=START - timedelta(minutes=10))


def _series(catalog: Catalog, zone: ZoneInfo, **event: Any) -> dict[str, Any]:
    view = view_from_event(created_series(**event), zone, zone_is_fallback=False)
    return meeting_card(view, catalog, reminder=reminder_setting())


def _room_unresolved(catalog: Catalog, zone: ZoneInfo) -> dict[str, Any]:
    """A room named without the places permission: a plain location, and the note says so."""
    event = created_event().model_copy(
        update={"location": Location(display_name="Conf Room 3", location_type="default")}
    )
    view = view_from_event(event, zone, zone_is_fallback=False, room_unresolved="Conf Room 3")
    return meeting_card(view, catalog)


def _reminders(catalog: Catalog) -> dict[str, Any]:
    items = [
        ReminderItem(
            reminder_id=f"rem-{index}",
            subject=item.subject,
            start=item.start,
            end=item.end,
            due=item.start - timedelta(minutes=10),
        )
        for index, item in enumerate(agenda(catalog)[:3])
    ]
    return reminders_card(catalog, items, LA, for_user=USER, watching=True)


def _schedule_form(catalog: Catalog, *, error: str | None = None) -> dict[str, Any]:
    defaults = FormDefaults.starting_at(NOW.astimezone(LA))
    if error is not None:
        defaults = FormDefaults.from_form(
            ScheduleForm.model_validate(
                {
                    "subject": "Design review",
                    "date": "2026-06-11",
                    "time": "15:00",
                    "duration": "45",
                    "attendees": "adele.vance@contoso.com, alex@",
                    "repeat": "weekly",
                    "repeatUntil": "2026-12-31",
                    "place": "Fourth Coffee; baker@contoso.com",
                    "optional": "megan.bowen@contoso.com",
                    "agenda": "Onboarding flow\nPricing page",
                }
            )
        )
    return schedule_form_card(
        catalog, today=date(2026, 6, 10), zone_label=LA.key, defaults=defaults, error=error
    )


# The series questions, as `dialogs.move` and `dialogs.calendar` ask them of the occurrence on
# Thursday 11 June at 3 pm of the weekly series (Graph ids shaped as the emulator's).
SERIES_ID = (
    "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwA="
)
OCCURRENCE_ID = SERIES_ID.removesuffix("=") + "AAEOAACAAAAA="
LENGTH = timedelta(minutes=45)  # the series' meetings, as `created_series` books them


def _move_which(catalog: Catalog, zone: ZoneInfo, subject: str) -> dict[str, Any]:
    def click(scope: str) -> MoveMeeting:
        return MoveMeeting(
            event_id=OCCURRENCE_ID,
            series_id=SERIES_ID,
            for_user=USER,
            scope=scope,
            start=START + timedelta(days=1, hours=1),
            end=START + timedelta(days=1, hours=1) + LENGTH,
            was=START,
            subject=subject,
        )

    when = format_when(START, START + LENGTH, zone, catalog)
    return series_choice_card(
        catalog.move_which.format(subject=subject, when=when),
        [
            Choice(catalog.move_this_one, click("occurrence")),
            Choice(catalog.move_whole_series, click("series")),
        ],
    )


def _cancel_which(
    catalog: Catalog, zone: ZoneInfo, subject: str, scope: str | None = None
) -> dict[str, Any]:
    """Asking which (three buttons), or confirming the whole series said (two)."""

    def click(chosen: str | None, *, confirm: bool = True) -> CancelMeeting:
        return CancelMeeting(
            event_id=OCCURRENCE_ID,
            for_user=USER,
            confirm=confirm,
            subject=subject,
            scope=chosen,
            series_id=SERIES_ID,
        )

    keep = Choice(catalog.cancel_confirm_no, click(None, confirm=False))
    every = Choice(catalog.cancel_whole_series, click("series"), destructive=True)
    if scope == "series":
        return series_choice_card(
            catalog.cancel_series_confirm.format(subject=subject), [every, keep]
        )
    one = Choice(catalog.cancel_this_one, click("occurrence"), destructive=True)
    when = format_when(START, START + LENGTH, zone, catalog)
    return series_choice_card(
        catalog.cancel_which.format(subject=subject, when=when), [one, every, keep]
    )


def _series_moved(catalog: Catalog, zone: ZoneInfo) -> dict[str, Any]:
    """The answer to "the whole series": the series' card with the sentence on top."""
    view = view_from_event(created_series(), zone, zone_is_fallback=False)
    when = format_when(view.start, view.end, zone, catalog)
    note = catalog.series_moved.format(subject="Design review", when=when)
    return meeting_card(view, catalog, note=note)


def build() -> list[Sample]:
    meeting_view = view_from_online_meeting(created_online_meeting(), LA, zone_is_fallback=False)
    simulated = view_from_event(
        created_event(dial_in=False), ZoneInfo("UTC"), zone_is_fallback=True, simulated=True
    )
    items = agenda(EN)
    return [
        Sample(
            "meeting",
            _meeting(EN, LA),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "meeting-no-dial-in", _meeting(EN, LA, dial_in=False), meeting=True, join_url=JOIN_URL
        ),
        Sample(
            "meeting-long-subject",
            _meeting(EN, LA, subject=LONG_SUBJECT),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "meeting-local-mode",
            meeting_card(simulated, EN),
            meeting=True,
            join_url=JOIN_URL,
        ),
        Sample(
            "meet-now",
            meeting_card(meeting_view, EN),
            meeting=True,
            join_url=MEET_NOW_URL,
            dial_in=MEET_NOW_DIAL_IN,
        ),
        Sample(
            "meet-now-running",
            meeting_card(meeting_view, EN, note=EN.already_running),
            meeting=True,
            join_url=MEET_NOW_URL,
            dial_in=MEET_NOW_DIAL_IN,
        ),
        Sample(
            "reminder", _reminder(EN, LA), meeting=True, join_url=JOIN_URL, dial_in=WITH_DIAL_IN
        ),
        Sample("reminders", _reminders(EN)),
        Sample("schedule-form", _schedule_form(EN)),
        Sample(
            "schedule-form-error",
            _schedule_form(EN, error=EN.form_invalid.format(detail="alex@")),
        ),
        # A Join button for each online event: all but the second.
        Sample("upcoming", upcoming_card(EN, items, LA), opens=(JOIN_URL,) * 4),
        Sample("online", online_candidates_card(EN, items, LA, for_user=USER)),
        Sample("help", help_card(EN)),
        Sample("error", error_card(EN, EN.missing_access_policy, request_id=REQUEST_ID)),
        Sample(
            "providers",
            providers_card(EN, ["teamsForBusiness", "skypeForBusiness"], "teamsForBusiness"),
        ),
        Sample(
            "providers-no-teams",
            providers_card(EN, ["skypeForBusiness"], "skypeForBusiness"),
        ),
        Sample("cancel-confirm", cancel_confirm_card(EN, items[0], LA, for_user=USER)),
        Sample("notice", notice_card(EN, EN.meeting_cancelled.format(subject="Design review"))),
        Sample(
            "meeting-zh",
            _meeting(ZH, SHANGHAI, subject="设计评审"),
            catalog=ZH,
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "reminder-zh",
            _reminder(ZH, SHANGHAI),
            catalog=ZH,
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample("schedule-form-zh", _schedule_form(ZH), catalog=ZH),
        Sample(
            "schedule-form-filled-zh",
            _schedule_form(ZH, error=ZH.form_invalid.format(detail="alex@")),
            catalog=ZH,
        ),
        Sample(
            "meeting-series",
            _series(EN, LA),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "meeting-series-zh",
            _series(ZH, SHANGHAI, **SHANGHAI_SERIES),
            catalog=ZH,
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "reminder-series",
            _reminder(EN, LA, created_series()),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "reminder-series-zh",
            _reminder(ZH, SHANGHAI, created_series(**SHANGHAI_SERIES)),
            catalog=ZH,
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "meeting-room-unresolved",
            _room_unresolved(EN, LA),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "upcoming-zh",
            upcoming_card(ZH, agenda(ZH), SHANGHAI),
            catalog=ZH,
            opens=(JOIN_URL,) * 4,
        ),
        Sample("help-zh", help_card(ZH), catalog=ZH),
        # issue 24: the series questions, a series moved, a move Graph refused
        Sample("move-which", _move_which(EN, LA, "Design review")),
        Sample("move-which-zh", _move_which(ZH, SHANGHAI, "设计评审"), catalog=ZH),
        Sample("cancel-which", _cancel_which(EN, LA, "Design review")),
        Sample("cancel-which-zh", _cancel_which(ZH, SHANGHAI, "设计评审"), catalog=ZH),
        Sample("cancel-series-confirm", _cancel_which(EN, LA, "Design review", "series")),
        Sample(
            "meeting-series-moved",
            _series_moved(EN, LA),
            meeting=True,
            join_url=JOIN_URL,
            dial_in=WITH_DIAL_IN,
        ),
        Sample(
            "move-crossing-error",
            error_card(EN, EN.move_crossing, request_id=REQUEST_ID, title=EN.move_failed_title),
        ),
        # issue 25: help in delegated mode, with the sender's sign-in status
        Sample("help-signed-in", help_card(EN, account=AccountStatus.SIGNED_IN)),
        Sample("help-not-signed-in", help_card(EN, account=AccountStatus.NOT_SIGNED_IN)),
        Sample("help-signed-in-zh", help_card(ZH, account=AccountStatus.SIGNED_IN), catalog=ZH),
        Sample(
            "help-not-signed-in-zh",
            help_card(ZH, account=AccountStatus.NOT_SIGNED_IN),
            catalog=ZH,
        ),
    ]


SAMPLES = build()
BY_NAME = {sample.name: sample for sample in SAMPLES}
