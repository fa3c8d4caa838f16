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
    time_range_short: str  # {date} {start} {end}: a range in a list that names its zone once
    zone_note: str  # {zone}
    zone_fallback_note: str  # {zone}: the default zone used instead (DEFAULT_TIMEZONE)
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
    help_examples: tuple[tuple[str, str], ...]  # (command, what it does); one per command
    mention_me_hint: str  # in a channel, the bot only sees messages that @mention it
    # Dialog prompts (a `meet` line that lacks its subject or time)
    ask_subject: str
    ask_time: str  # {subject}
    reprompt_prefix: str  # a short lead-in before asking the same question again
    dialog_cancelled: str
    nothing_to_cancel: str
    unresolved_mentions: str  # {names}
    # Schedule form card
    form_title: str
    form_subject_label: str
    form_subject_placeholder: str
    form_subject_required: str  # shown by the client when the subject is left empty
    form_date_required: str
    form_time_required: str
    form_duration_required: str
    form_date_label: str
    form_time_label: str
    form_duration_label: str
    form_attendees_label: str
    form_attendees_placeholder: str
    form_submit: str
    form_invalid: str  # {detail}
    duration_minutes: str  # {minutes}
    duration_hours: str  # {hours}
    duration_hours_minutes: str  # {hours} {minutes}
    # Agenda and online-candidates cards
    upcoming_title: str
    no_upcoming: str
    online_candidates_title: str
    make_online_button: str
    no_offline_candidates: str
    more_items: str  # {count}
    more_people: str  # {count}: attendees a card does not name
    # Commands on existing meetings
    no_match: str  # {query}
    already_running: str
    made_online: str  # {subject}
    offline_not_possible: str
    not_organizer: str  # {subject}
    cancel_confirm: str  # {subject} {when}
    cancel_confirm_yes: str
    cancel_confirm_no: str
    meeting_cancelled: str  # {subject}
    cancel_kept: str
    not_for_you: str  # a card button clicked by someone other than the user it was made for
    # Providers card
    providers_title: str
    providers_allowed: str  # {providers}
    providers_default: str  # {provider}
    provider_none: str  # the {providers} list when the calendar allows none
    # (Graph's onlineMeetingProviderType value, name shown); every locale lists the same keys
    provider_names: tuple[tuple[str, str], ...]
    # Reminders
    reminder_label: str  # the meeting card's fact title
    reminder_before: str  # {minutes} {time}: "10 min before (2:50 PM)"
    reminder_at_start: str  # {time}
    reminder_none: str
    reminder_too_soon: str  # no reminder because the meeting starts sooner than the lead
    reminder_change_button: str
    reminder_choice_label: str
    reminder_choice_minutes: str  # {minutes}
    reminder_choice_at_start: str
    reminder_choice_none: str
    reminder_save_button: str
    reminder_set: str  # {subject} {when}
    reminder_removed: str  # {subject}
    reminder_gone: str  # the reminder was already sent, cancelled or is not the sender's
    reminder_starts_in: str  # {minutes}
    reminder_starting_now: str
    reminder_started: str  # {minutes}
    reminder_summary: str  # {subject}: the notification preview
    reminders_title: str
    reminders_empty: str
    reminders_due: str  # {time}: when the reminder goes out
    reminders_cancel_button: str
    reminders_watch_on: str  # a line on the list when the calendar watch is on
    watch_started: str  # {minutes}
    watch_already: str  # {minutes}
    watch_stopped: str
    watch_was_off: str
    watch_personal_only: str
    # Answers to input we could not use
    unknown_command: str  # {command}
    missing_subject: str
    missing_time: str
    bad_time: str  # {detail}
    ambiguous_time: str  # {detail}
    ambiguous_day: str  # {detail}
    time_in_past: str  # {detail}
    bad_duration: str  # {detail}
    bad_attendee: str  # {detail}
    too_long: str
    bad_reminder: str  # {detail}
    bad_repeat: str  # {detail}
    bad_place: str  # {detail}
    unknown_sender: str
    tenant_not_allowed: str  # the sender's organization is not on ALLOWED_TENANTS
    # Graph and service failures
    error_title: str  # what failed: creating a meeting (`meet`, `meet now`, the form)
    make_online_failed_title: str
    cancel_failed_title: str
    calendar_failed_title: str  # reading the calendar (upcoming, online, join, providers, ...)
    teams_not_allowed: str  # {providers}
    missing_calendar_permission: str
    missing_meetings_permission: str
    missing_access_policy: str
    throttled: str
    graph_unavailable: str  # 502, 503, 504
    graph_failed: str  # any other failure Graph answered with (a 500)
    graph_timeout: str  # no answer in time
    graph_no_connection: str  # the connection failed or dropped before an answer
    sign_in_failed: str  # no Graph token
    maybe_created: str  # a create that may have happened although it failed
    store_unavailable: str  # the request could not be saved, so nothing was booked
    created_unfinished_title: str  # Graph made the event; something after it failed
    created_unfinished: str  # ... so: check the calendar, do not book again
    created_late: str  # a card posted by a reconcile: the meeting a crash or failure interrupted
    created_after_all: str  # a reconcile found the meeting a lost answer left in doubt
    maybe_cancelled: str
    invalid_graph_id: str  # an id Graph never issues (a tampered button): nothing was sent
    store_not_answering: str  # the bot's own database did not answer in time: the turn stopped
    unexpected_error: str
    reference_label: str  # {request_id}
    no_reference: str  # Graph sent no answer, so no request id to quote
    # issue 24: moving a meeting, and a change to one meeting of a series or all of it
    meeting_moved: str  # {subject} {when}: the card's note after a move
    series_moved: str  # {subject} {when}: the whole series moved; {when} is the next one
    move_in_past: str  # {subject} {when}: the new time has already passed
    move_series_other_day: str  # a whole series moves to another time of day, not day
    move_crossing: str  # Graph's ErrorOccurrenceCrossingBoundary for one occurrence
    move_failed_title: str
    maybe_moved: str  # a move that may have happened although it failed
    move_which: str  # {subject} {when}: move only this one, or the whole series?
    cancel_which: str  # {subject} {when}: cancel only this one, or the whole series?
    cancel_series_confirm: str  # {subject}: cancel the whole series?
    move_this_one: str  # the choice's buttons
    move_whole_series: str
    cancel_this_one: str
    cancel_whole_series: str
    occurrence_cancelled: str  # {subject}
    series_cancelled: str  # {subject}
    # issue 24: places, rooms and attendees of a meet
    room_unresolved: str  # {room}: a room name Meetbot could not book, kept as the place
    # issue 24: cards (recurrence, places, room, optional attendees, the form's new inputs)
    recurrence_label: str
    places_label: str
    room_label: str
    optional_label: str  # optional attendees, shown apart from the required ones
    recurrence_daily: str
    recurrence_daily_interval: str  # {interval}
    recurrence_weekdays: str  # weekly on monday..friday, every week
    recurrence_weekly: str  # {days}
    recurrence_weekly_interval: str  # {interval} {days}
    recurrence_monthly: str  # {day}
    recurrence_monthly_interval: str  # {interval} {day}
    recurrence_monthly_relative: str  # {index} {days}
    recurrence_monthly_relative_interval: str  # {interval} {index} {days}
    recurrence_yearly: str  # {month} {day}
    recurrence_yearly_interval: str  # {interval} {month} {day}
    recurrence_yearly_relative: str  # {index} {days} {month}
    recurrence_yearly_relative_interval: str  # {interval} {index} {days} {month}
    recurrence_other: str  # a pattern type Graph may add later
    recurrence_until: str  # {pattern} {date}
    recurrence_until_date: str  # {year} {month} {day}
    recurrence_count: str  # {pattern} {count}
    recurrence_count_one: str  # {pattern}
    recurrence_day_names: tuple[str, ...]  # Monday first, 7 names, as a repeat says them
    recurrence_week_indexes: tuple[str, ...]  # Graph's weekIndex first..last, 5 words
    date_list_separator: str  # between days of a list ("date_": a format, no words)
    recurrence_list_last: str  # before the last day of a list
    form_repeat_label: str
    # titles of cards.schedule_form.REPEAT_CHOICES, in its order: none, daily, weekdays,
    # weekly (on the start's weekday), monthly (on the start's day of the month)
    form_repeat_choices: tuple[str, ...]
    form_repeat_until_label: str
    form_place_label: str
    form_place_placeholder: str
    form_optional_label: str
    form_optional_placeholder: str
    form_agenda_label: str
    form_agenda_placeholder: str
    # {pattern} {zone}: the days a recurrence names are another zone's than the card's times
    recurrence_in_zone: str
    # issue 24: occurrences (a series' occurrence marked in the lists, join and cancel cards)
    repeats_daily: str
    repeats_weekly: str
    repeats_monthly: str
    repeats_yearly: str
    repeats_every_days: str  # {count}, 2 or more
    repeats_every_weeks: str  # {count}
    repeats_every_months: str  # {count}
    repeats_every_years: str  # {count}
    made_online_series: str  # {subject}: `online` on an occurrence makes the whole series online
    # issue 24: Graph quirks
    no_mailbox: str  # 404 MailboxNotEnabledForRESTAPI: the admin must give an Exchange mailbox
    created_without_join_link: str  # {subject}: the event exists, Graph gave it no Teams link
    # issue 24: a move that cannot be read (dialogs.texts: by ParseError.usage)
    move_missing_subject: str  # move / 把 … 改到 without the meeting
    move_missing_time: str  # without the new time
    move_bad_time: str  # {detail}: the new time as typed
    shift_missing_subject: str  # push / pull / 推迟 / 提前 without the meeting
    shift_missing_time: str  # without how much
    shift_bad_duration: str  # {detail}: how much, as typed
    # issue 25: sign-in (delegated mode: the user's own account, `sign in` / `sign out`)
    sign_in_card_text: str  # the OAuth card's text
    sign_in_button: str  # the OAuth card's button
    signed_in: str  # the sign-in completed
    already_signed_in: str  # `sign in` with a token already there
    signed_out: str  # `sign out` removed the token
    not_signed_in: str  # `sign out` with no token to remove
    # {name}: the requester, in a channel (no SSO there); the post carries no link
    sign_in_in_private: str
    sign_in_wrong_account: str  # the token's user is not the Teams sender
    sign_in_incomplete: str  # the exchange or the magic code did not give a token
    sign_in_not_needed: str  # `sign in` / `sign out` in application mode
    sign_in_expired: str  # the pending command waited too long for the sign-in
    help_signed_in: str  # the help card's status line, signed in
    help_not_signed_in: str  # the help card's status line, not signed in
    # (command, what it does): the help card lists them in delegated mode only
    help_sign_in_examples: tuple[tuple[str, str], ...]
    # issue 25: the token service does not answer (nothing was done)
    sign_in_unavailable: str
    # issue 25: reminders
    # A reminder sent with what was stored when it was made: the organizer has no token
    # (delegated mode), so the meeting was not read again before the send.
    reminder_not_rechecked: str
    reminder_not_rechecked_series: str  # the same, for a series: its next meeting is not found
