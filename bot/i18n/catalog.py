"""The message catalog type and locale lookup.

Each locale module defines one `Catalog`. Templates use `str.format` with named fields; the
names are part of the contract and every locale must use the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Catalog:
    locale: str
    # Meeting card
    join_button: str
    when_label: str
    time_range: str  # {date} {start} {end} {zone}
    zone_fallback_note: str
    dial_in_heading: str
    toll_label: str
    toll_free_label: str
    conference_id_label: str
    local_numbers_link: str
    meeting_id_label: str
    passcode_label: str
    attendees_label: str
    simulated_note: str
    untitled_meeting: str  # shown when the meeting has no subject
    # Dates and times on cards (locale formats; no strftime, whose names follow the process locale)
    date_format: str  # {weekday} {month} {day} {year}
    time_format: str  # {hour12} {hour24} {minute} {period}; hour24 and minute are zero-padded
    date_time_format: str  # {date} {time}: a range's end when it falls on another day
    weekday_names: tuple[str, ...]  # Monday first, 7 names
    month_names: tuple[str, ...]  # January first, 12 names
    day_periods: tuple[str, str]  # (before noon, from noon)
    # Help card
    help_title: str
    help_intro: str
    help_examples: tuple[tuple[str, str], ...]  # (command, what it does)
    # Answers to input we could not use
    unknown_command: str  # {command}
    missing_subject: str
    missing_time: str
    bad_time: str  # {detail}
    ambiguous_time: str  # {detail}
    time_in_past: str  # {detail}
    bad_duration: str  # {detail}
    bad_attendee: str  # {detail}
    too_long: str
    unknown_sender: str
    # Graph and service failures
    error_title: str
    teams_not_allowed: str  # {providers}
    missing_calendar_permission: str
    missing_meetings_permission: str
    missing_access_policy: str
    throttled: str
    graph_unavailable: str
    unexpected_error: str
    reference_label: str  # {request_id}
