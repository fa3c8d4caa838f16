"""Pydantic models for the Graph resources Meetbot reads and writes.

Graph JSON becomes these models the moment it arrives (camelCase aliases, unknown fields
ignored), so nothing downstream indexes dicts. Field names follow the Graph v1.0 reference and
the examples in `shared/seeds/`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic.alias_generators import to_camel
from tzlocal.windows_tz import win_tz


class GraphModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


T = TypeVar("T")
# Graph sends `null` for an empty collection as often as `[]`; downstream sees a list either way.
NoneAsEmpty = Annotated[list[T], BeforeValidator(lambda value: [] if value is None else value)]


class OnlineMeetingProvider(StrEnum):
    TEAMS = "teamsForBusiness"
    SKYPE_FOR_BUSINESS = "skypeForBusiness"
    SKYPE_FOR_CONSUMER = "skypeForConsumer"
    UNKNOWN = "unknown"


class EventType(StrEnum):
    SINGLE_INSTANCE = "singleInstance"
    OCCURRENCE = "occurrence"
    EXCEPTION = "exception"
    SERIES_MASTER = "seriesMaster"


class FreeBusyStatus(StrEnum):
    """An event's `showAs`. Fields stay `str`: Graph adds values (workingElsewhere came late)."""

    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"
    WORKING_ELSEWHERE = "workingElsewhere"
    UNKNOWN = "unknown"


class EmailAddress(GraphModel):
    address: str | None = None
    name: str | None = None


class Recipient(GraphModel):
    email_address: EmailAddress | None = None


class Calendar(GraphModel):
    id: str
    name: str | None = None
    allowed_online_meeting_providers: list[str] = Field(default_factory=list)
    default_online_meeting_provider: str | None = None
    owner: EmailAddress | None = None

    @property
    def allows_teams(self) -> bool:
        return OnlineMeetingProvider.TEAMS in self.allowed_online_meeting_providers


class DateTimeTimeZone(GraphModel):
    """Graph's wall-clock time plus zone name (Windows or IANA)."""

    date_time: str
    time_zone: str

    def to_datetime(self) -> datetime:
        """The instant this value names, whatever zone Graph answered in."""
        naive = datetime.fromisoformat(_trim_fraction(self.date_time))
        return naive.replace(tzinfo=zone_for(self.time_zone))

    @classmethod
    def from_datetime(cls, value: datetime, zone_name: str) -> DateTimeTimeZone:
        wire = cls.json_for(value, zone_name)
        return cls(date_time=wire["dateTime"], time_zone=wire["timeZone"])

    @staticmethod
    def json_for(value: datetime, zone_name: str) -> dict[str, str]:
        """`from_datetime(value, zone_name).model_dump(by_alias=True)`, without building a
        model for two keys (a request body takes two of them per event)."""
        local = value.astimezone(zone_for(zone_name)).replace(tzinfo=None)
        return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": zone_name}


def _trim_fraction(value: str) -> str:
    # Graph sends seven fractional digits ("2019-11-20T13:00:00.0000000"); Python takes six.
    head, dot, fraction = value.partition(".")
    return f"{head}.{fraction[:6]}" if dot else head


def zone_for(name: str) -> ZoneInfo:
    """A ZoneInfo for a Graph zone name: IANA ("America/Los_Angeles") or Windows ("Pacific
    Standard Time"); "UTC" and unknown names fall back to UTC rather than failing a read."""
    try:
        return ZoneInfo(win_tz.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Phone(GraphModel):
    number: str | None = None
    type: str | None = None
    language: str | None = None
    region: str | None = None


class OnlineMeetingInfo(GraphModel):
    """An event's `onlineMeeting`: only `joinUrl` when the organizer has no audio conferencing."""

    join_url: str | None = None
    conference_id: str | None = None
    toll_number: str | None = None
    toll_free_numbers: NoneAsEmpty[str] = Field(default_factory=list)
    quick_dial: str | None = None
    phones: NoneAsEmpty[Phone] = Field(default_factory=list)


class ItemBody(GraphModel):
    content_type: str | None = None
    content: str | None = None


class Attendee(GraphModel):
    email_address: EmailAddress
    type: str = "required"


class RecurrencePattern(GraphModel):
    """`recurrencePattern`: Graph answers every field, zero or defaults where unused."""

    type: str
    interval: int = 1
    days_of_week: NoneAsEmpty[str] = Field(default_factory=list)  # lower-case in answers
    day_of_month: int = 0
    month: int = 0
    index: str | None = None
    first_day_of_week: str | None = None


class RecurrenceRange(GraphModel):
    """`recurrenceRange`: `endDate` is "0001-01-01" unless `type` is endDate."""

    type: str
    start_date: date | None = None
    end_date: date | None = None
    number_of_occurrences: int = 0
    recurrence_time_zone: str | None = None


class PatternedRecurrence(GraphModel):
    pattern: RecurrencePattern
    range: RecurrenceRange


class Location(GraphModel):
    display_name: str | None = None
    location_type: str | None = None
    location_email_address: str | None = None
    unique_id: str | None = None
    unique_id_type: str | None = None


class Event(GraphModel):
    id: str
    subject: str | None = None
    start: DateTimeTimeZone | None = None
    end: DateTimeTimeZone | None = None
    is_online_meeting: bool = False
    online_meeting_provider: str | None = None
    online_meeting: OnlineMeetingInfo | None = None
    body: ItemBody | None = None
    attendees: list[Attendee] = Field(default_factory=list)
    web_link: str | None = None
    is_cancelled: bool = False
    transaction_id: str | None = None
    # False on the user's copy of someone else's meeting: only its organizer may change it.
    is_organizer: bool = True
    organizer: Recipient | None = None
    is_all_day: bool = False
    show_as: str | None = None
    type: str | None = None
    series_master_id: str | None = None
    recurrence: PatternedRecurrence | None = None
    location: Location | None = None
    locations: NoneAsEmpty[Location] = Field(default_factory=list)

    @property
    def join_url(self) -> str | None:
        return self.online_meeting.join_url if self.online_meeting else None


class EventPage(GraphModel):
    """One page of an event collection (`calendarView`, `events`)."""

    value: list[Event] = Field(default_factory=list)
    next_link: str | None = Field(default=None, alias="@odata.nextLink")


class AudioConferencing(GraphModel):
    conference_id: str | None = None
    toll_number: str | None = None
    toll_free_number: str | None = None
    toll_numbers: NoneAsEmpty[str] = Field(default_factory=list)
    toll_free_numbers: NoneAsEmpty[str] = Field(default_factory=list)
    dialin_url: str | None = Field(
        default=None, validation_alias=AliasChoices("dialinUrl", "dialInUrl", "dialin_url")
    )


class JoinMeetingIdSettings(GraphModel):
    join_meeting_id: str | None = None
    passcode: str | None = None
    is_passcode_required: bool | None = None


class ChatInfo(GraphModel):
    thread_id: str | None = None
    message_id: str | None = None
    reply_chain_message_id: str | None = None


class OnlineMeeting(GraphModel):
    """An `onlineMeeting` resource (createOrGet); it never appears on a calendar."""

    id: str
    subject: str | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    join_web_url: str | None = None
    external_id: str | None = None
    video_teleconference_id: str | None = None
    audio_conferencing: AudioConferencing | None = None
    join_meeting_id_settings: JoinMeetingIdSettings | None = None
    chat_info: ChatInfo | None = None

    @field_validator("start_date_time", "end_date_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Room(GraphModel):
    """A room of the tenant (`GET /places/microsoft.graph.room`): what booking it needs."""

    id: str | None = None
    display_name: str | None = None
    email_address: str | None = None


class RoomPage(GraphModel):
    value: list[Room] = Field(default_factory=list)
    next_link: str | None = Field(default=None, alias="@odata.nextLink")
