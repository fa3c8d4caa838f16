"""English text."""

from bot.i18n.catalog import Catalog

CATALOG = Catalog(
    locale="en",
    join_button="Join meeting",
    when_label="When",
    time_range="{date}, {start} – {end} ({zone})",
    time_range_short="{date}, {start} – {end}",
    zone_note="Times are in {zone}.",
    zone_fallback_note="Times are in {zone} because your Teams client did not send its time zone.",
    dial_in_heading="Join by phone",
    toll_label="Toll",
    toll_free_label="Toll-free",
    conference_id_label="Conference ID",
    local_numbers_link="Find a local number",
    meeting_id_label="Meeting ID",
    passcode_label="Passcode",
    attendees_label="Invited",
    simulated_note="Local mode: this meeting is simulated by Meetbot's built-in Graph emulator.",
    untitled_meeting="Untitled meeting",
    date_format="{weekday}, {month} {day}",
    time_format="{hour12}:{minute} {period}",
    date_time_format="{date}, {time}",
    weekday_names=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    month_names=(
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ),
    day_periods=("AM", "PM"),
    help_title="Meetbot",
    help_intro="I create Teams meetings for you. Try one of these:",
    help_examples=(
        (
            "meet Design review tomorrow 3pm for 45m with @Adele and alex@contoso.com",
            "Schedule a meeting on your calendar and invite people (mention them or type emails)",
        ),
        ("meet now Quick sync", "Start a meeting right away"),
        (
            "meet Standup every weekday 9am for 15m",
            "A meeting that repeats (also: every Monday, daily until Dec 31, monthly on the 15th)",
        ),
        (
            "meet Design review Monday 3pm in Conf Room 3 with @Adele and optional @Megan",
            "Book a meeting room and invite someone as optional",
        ),
        ("schedule", "Fill in a form to schedule a meeting"),
        ("upcoming", "Your meetings in the next 7 days (also: agenda)"),
        ("online", "Turn upcoming meetings into Teams meetings"),
        ("join Design review", "The join link of an upcoming meeting"),
        (
            "move Design review to Thursday 4pm",
            "Move a meeting you organize (for a series, add this one or the whole series)",
        ),
        ("push Standup 30m", "Make a meeting later (pull Standup 15m makes it earlier)"),
        ("cancel meeting Design review", "Cancel a meeting you organize"),
        ("providers", "Which online meeting providers your calendar allows"),
        (
            "meet Standup tomorrow 9am remind 5m",
            "Choose the reminder (default 10 minutes before; no reminder to skip it)",
        ),
        ("reminders", "Your upcoming reminders, with a cancel button on each"),
        (
            "remind me about all my meetings",
            "Reminders for every online meeting in your calendar (stop reminders to end)",
        ),
        ("cancel", "Stop the question I'm asking"),
        ("help", "Show this list"),
    ),
    mention_me_hint="Mention me to use a command, for example: "
    "@Meetbot meet Sprint planning tomorrow 10am",
    ask_subject="What is the meeting about?",
    ask_time="When should \u201c{subject}\u201d be? "
    "For example: tomorrow 3pm, Friday 2-3pm or in 2 hours.",
    reprompt_prefix="Sorry, I didn't get that.",
    dialog_cancelled="OK, I stopped. Nothing was created.",
    nothing_to_cancel="There is nothing to cancel right now.",
    unresolved_mentions="I couldn't find an email address for {names}, so they were not invited.",
    form_title="Schedule a meeting",
    form_subject_label="Subject",
    form_subject_placeholder="What is the meeting about?",
    form_subject_required="Please enter a subject.",
    form_date_required="Please pick a date.",
    form_time_required="Please pick a start time.",
    form_duration_required="Please pick a length.",
    form_date_label="Date",
    form_time_label="Start time",
    form_duration_label="Length",
    form_attendees_label="Invite",
    form_attendees_placeholder="Email addresses, separated by commas",
    form_submit="Schedule",
    form_invalid="Please check the form: {detail}",
    duration_minutes="{minutes} min",
    duration_hours="{hours} h",
    duration_hours_minutes="{hours} h {minutes} min",
    upcoming_title="Your upcoming meetings",
    no_upcoming="You have no meetings in the next 7 days.",
    online_candidates_title="Meetings that are not online yet",
    make_online_button="Make online",
    no_offline_candidates="All your upcoming meetings are already online.",
    more_items="+{count} more",
    more_people="+{count} more",
    no_match="I couldn't find an upcoming meeting matching \u201c{query}\u201d.",
    already_running="A meeting is already running in this conversation:",
    made_online="\u201c{subject}\u201d is now a Teams meeting.",
    offline_not_possible="Teams meetings can't be taken offline once they are online: "
    "Microsoft Graph doesn't allow it. You can cancel the meeting instead "
    "(cancel meeting <subject>).",
    not_organizer="You can't change \u201c{subject}\u201d because you are not its organizer.",
    cancel_confirm="Cancel \u201c{subject}\u201d on {when}? Attendees get a cancellation notice.",
    cancel_confirm_yes="Cancel meeting",
    cancel_confirm_no="Keep it",
    meeting_cancelled="\u201c{subject}\u201d was cancelled. Attendees have been notified.",
    cancel_kept="OK, the meeting stays as it is.",
    not_for_you="These buttons are for the person who asked for this card.",
    providers_title="Online meeting providers",
    providers_allowed="Allowed: {providers}",
    providers_default="Default: {provider}",
    provider_none="none",
    provider_names=(
        ("teamsForBusiness", "Microsoft Teams"),
        ("skypeForBusiness", "Skype for Business"),
        ("skypeForConsumer", "Skype"),
        ("unknown", "Other provider"),
    ),
    reminder_label="Reminder",
    reminder_before="{minutes} min before ({time})",
    reminder_at_start="When it starts ({time})",
    reminder_none="Off",
    reminder_too_soon="Off (the meeting starts too soon)",
    reminder_change_button="Reminder\u2026",
    reminder_choice_label="Remind this chat",
    reminder_choice_minutes="{minutes} minutes before",
    reminder_choice_at_start="When it starts",
    reminder_choice_none="No reminder",
    reminder_save_button="Save",
    reminder_set="I\u2019ll remind this chat about \u201c{subject}\u201d {when}.",
    reminder_removed="No reminder for \u201c{subject}\u201d.",
    reminder_gone="That reminder was already sent or cancelled.",
    reminder_starts_in="Starts in {minutes} min",
    reminder_starting_now="Starting now",
    reminder_started="Started {minutes} min ago",
    reminder_summary="Reminder: {subject}",
    reminders_title="Your reminders",
    reminders_empty="You have no reminders coming up.",
    reminders_due="Reminder at {time}",
    reminders_cancel_button="Cancel reminder",
    reminders_watch_on="I also remind you here of every online meeting in your calendar "
    "(stop reminders to end that).",
    watch_started="OK! I\u2019ll remind you here {minutes} minutes before each of your online "
    "meetings, including ones I didn\u2019t create. Say stop reminders to end this.",
    watch_already="Calendar reminders are already on: {minutes} minutes before each online "
    "meeting. Say stop reminders to end them.",
    watch_stopped="OK, no more calendar reminders. Reminders for meetings made here still come.",
    watch_was_off="Calendar reminders were not on.",
    watch_personal_only="Calendar reminders come in our 1:1 chat. Say this to me there.",
    unknown_command="I don't know the command \u201c{command}\u201d.",
    missing_subject="What is the meeting about? Add a subject, for example: "
    "meet Design review tomorrow 3pm",
    missing_time="When should it be? Add a time, for example: meet Design review tomorrow 3pm",
    bad_time="I couldn't read \u201c{detail}\u201d as a time. Try 3pm, 15:00 or noon.",
    ambiguous_time="Did you mean {detail} in the morning or the afternoon? "
    "Please write it as {detail}am or {detail}pm.",
    ambiguous_day="Did you mean {detail} today or {detail} next week? Please write "
    "today or next {detail}.",
    time_in_past="{detail} has already passed. Please pick a time in the future.",
    bad_duration="I couldn't use \u201c{detail}\u201d as a length. Try 30m, 1h or 1h30m "
    "(at most 24 hours).",
    bad_attendee="\u201c{detail}\u201d doesn't look like an email address.",
    bad_reminder="I couldn\u2019t use \u201c{detail}\u201d as a reminder. Try remind 5m, "
    "remind 1h or no reminder (at most a day before).",
    bad_repeat="I couldn\u2019t use \u201c{detail}\u201d as a repeat. Try every Monday, "
    "every weekday, daily until Dec 31, every 2 weeks on Friday or monthly on the 15th.",
    bad_place="I couldn\u2019t use \u201c{detail}\u201d as a place. Try at Harry\u2019s Bar, "
    "at Conf Room 3; Home Office, or in room baker@contoso.com.",
    too_long="That message is too long for me. Please keep commands under 1000 characters.",
    unknown_sender="I can only schedule meetings for signed-in Microsoft Teams users.",
    tenant_not_allowed="Sorry, Meetbot isn\u2019t available to your organization. "
    "If you need it, ask your Microsoft 365 admin.",
    error_title="The meeting was not created",
    make_online_failed_title="The meeting was not made online",
    cancel_failed_title="The meeting was not cancelled",
    calendar_failed_title="Your calendar could not be read",
    teams_not_allowed="Your calendar doesn't allow Teams meetings (it allows: {providers}). "
    "Ask your Microsoft 365 admin to enable Teams as an online meeting provider.",
    missing_calendar_permission="Meetbot is missing the Graph application permission "
    "Calendars.ReadWrite. Ask your admin to grant it with admin consent.",
    missing_meetings_permission="Meetbot is missing the Graph application permission "
    "OnlineMeetings.ReadWrite.All. Ask your admin to grant it with admin consent.",
    missing_access_policy="Your admin has not granted Meetbot an application access policy "
    "for your account, so it cannot create Teams meetings for you. "
    "Ask them to run Grant-CsApplicationAccessPolicy for your user.",
    throttled="Microsoft Graph is busy right now. Please try again in a minute.",
    graph_unavailable="Microsoft Graph is unavailable right now. Please try again shortly.",
    graph_failed="Microsoft Graph answered with an error. Please try again shortly.",
    graph_timeout="Microsoft Graph did not answer in time. Please try again shortly.",
    graph_no_connection="The connection to Microsoft Graph failed before it answered. "
    "Please try again shortly.",
    sign_in_failed="Meetbot could not sign in to Microsoft Graph. If this keeps happening, "
    "tell your admin.",
    maybe_created="Graph may have created it anyway: check your calendar before you try "
    "again, so it isn\u2019t booked twice.",
    store_unavailable="Meetbot could not save your request, so nothing was booked. "
    "Please try again shortly.",
    created_unfinished_title="Your meeting was booked, but Meetbot could not finish",
    created_unfinished="Check your calendar for it before you try again, so it isn\u2019t "
    "booked twice. Meetbot will set its reminder as soon as it can.",
    created_late="Meetbot was interrupted while booking this meeting. Here it is: "
    "don\u2019t book it again.",
    created_after_all="Microsoft Graph did create this meeting after all. Here it is, with its "
    "reminder: don\u2019t book it again.",
    maybe_cancelled="Graph may have cancelled it anyway: check your calendar before you try again.",
    invalid_graph_id="That button carries an id Microsoft Graph never gives out, so I sent "
    "nothing. Ask me for the list again and use a button from the new card.",
    store_not_answering="The bot\u2019s database is not answering right now, so I stopped. "
    "Please try again in a few minutes; if it keeps happening, tell your admin.",
    unexpected_error="Sorry, something went wrong on my side. Please try again.",
    reference_label="Reference: {request_id}",
    no_reference="No reference number: Microsoft Graph sent no answer.",
    # issue 24: moving a meeting, and a change to one meeting of a series or all of it
    meeting_moved="\u201c{subject}\u201d moved to {when}. Attendees get the update.",
    series_moved="Every meeting of \u201c{subject}\u201d moved; the next one is {when}. "
    "Attendees get the update.",
    move_in_past="That would put \u201c{subject}\u201d at {when}, which has already passed. "
    "Please pick a time in the future.",
    move_series_other_day="I can move a whole series to another time of day, but not to "
    "another day: move just this one, or change the series\u2019 days in Outlook or Teams.",
    move_crossing="One meeting of a series can\u2019t move onto or past the day of the one "
    "before or after it. Pick a nearer time, or move the whole series.",
    move_failed_title="The meeting was not moved",
    maybe_moved="Graph may have moved it anyway: check your calendar before you try again.",
    move_which="\u201c{subject}\u201d repeats. Move only the one on {when}, or the whole series?",
    cancel_which="\u201c{subject}\u201d repeats. Cancel only the one on {when}, or the whole "
    "series? Attendees get a cancellation notice.",
    cancel_series_confirm="Cancel every meeting of \u201c{subject}\u201d? Attendees get a "
    "cancellation notice.",
    move_this_one="Only this one",
    move_whole_series="The whole series",
    cancel_this_one="Cancel only this one",
    cancel_whole_series="Cancel the whole series",
    occurrence_cancelled="This meeting of \u201c{subject}\u201d was cancelled; the rest of the "
    "series stays. Attendees have been notified.",
    series_cancelled="Every meeting of \u201c{subject}\u201d was cancelled. Attendees have been "
    "notified.",
    # issue 24: places, rooms and attendees of a meet
    room_unresolved="\u201c{room}\u201d is the meeting\u2019s place, but no room was booked: "
    "Meetbot could not find it in your organization\u2019s room list (it may not be allowed "
    "to read it). Add the room in Outlook or Teams.",
    # issue 24: cards (recurrence, places, room, optional attendees, the form's new inputs)
    recurrence_label="Repeats",
    places_label="Place",
    room_label="Room",
    optional_label="Optional",
    recurrence_daily="Every day",
    recurrence_daily_interval="Every {interval} days",
    recurrence_weekdays="Every weekday",
    recurrence_weekly="Every {days}",
    recurrence_weekly_interval="Every {interval} weeks on {days}",
    recurrence_monthly="Monthly on day {day}",
    recurrence_monthly_interval="Every {interval} months on day {day}",
    recurrence_monthly_relative="The {index} {days} of every month",
    recurrence_monthly_relative_interval="The {index} {days} of every {interval} months",
    recurrence_yearly="Every year on {month} {day}",
    recurrence_yearly_interval="Every {interval} years on {month} {day}",
    recurrence_yearly_relative="The {index} {days} of {month} every year",
    recurrence_yearly_relative_interval="The {index} {days} of {month} every {interval} years",
    recurrence_other="Repeats",
    recurrence_until="{pattern} until {date}",
    recurrence_until_date="{month} {day}, {year}",
    recurrence_count="{pattern}, {count} times",
    recurrence_count_one="{pattern}, once",
    recurrence_day_names=(
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ),
    recurrence_week_indexes=("first", "second", "third", "fourth", "last"),
    date_list_separator=", ",
    recurrence_list_last=" and ",
    form_repeat_label="Repeat",
    form_repeat_choices=(
        "Does not repeat",
        "Every day",
        "Every weekday",
        "Every week",
        "Every month",
    ),
    form_repeat_until_label="Repeat until (optional)",
    form_place_label="Place or room",
    form_place_placeholder="Conf Room 3; baker@contoso.com",
    form_optional_label="Optional invitees",
    form_optional_placeholder="Email addresses, separated by commas",
    form_agenda_label="Agenda",
    form_agenda_placeholder="What will you discuss?",
    recurrence_in_zone="{pattern} ({zone} days)",
    # issue 24: occurrences
    repeats_daily="Repeats daily",
    repeats_weekly="Repeats weekly",
    repeats_monthly="Repeats monthly",
    repeats_yearly="Repeats yearly",
    repeats_every_days="Repeats every {count} days",
    repeats_every_weeks="Repeats every {count} weeks",
    repeats_every_months="Repeats every {count} months",
    repeats_every_years="Repeats every {count} years",
    made_online_series="Every occurrence of \u201c{subject}\u201d is now a Teams meeting.",
    # issue 24: Graph quirks
    no_mailbox="Your account has no Exchange Online mailbox (Microsoft Graph says it is "
    "inactive, soft-deleted or hosted on-premises), so Meetbot can\u2019t reach your calendar. "
    "Ask your Microsoft 365 admin to give you an Exchange Online mailbox.",
    created_without_join_link="\u201c{subject}\u201d is on your calendar, but Microsoft Graph "
    "gave it no Teams link. Don\u2019t book it again: say online to make it a Teams meeting.",
    # issue 24: a move that cannot be read
    move_missing_subject="Which meeting should I move? Type move [meeting] to [new time], "
    "for example: move Design review to Thursday 4pm",
    move_missing_time="When should it move to? Type move [meeting] to [new time], for example: "
    "move Design review to Thursday 4pm, or push [meeting] 30m to make it later.",
    move_bad_time="I couldn\u2019t read \u201c{detail}\u201d as the new time. Type move [meeting] "
    "to [new time], for example: move Design review to Thursday 4pm, to 4pm or to Friday.",
    shift_missing_subject="Which meeting should I move? Type push [meeting] 30m to make it later "
    "or pull [meeting] 15m to make it earlier, for example: push Standup 30m",
    shift_missing_time="By how much? Type push [meeting] 30m to make it later or pull [meeting] "
    "15m to make it earlier, for example: push Standup 30m",
    shift_bad_duration="I couldn\u2019t use \u201c{detail}\u201d as how far to move it. Type push "
    "[meeting] 30m, 1h or 1h30m (at most 24 hours), for example: push Standup 30m",
    # issue 25: sign-in
    sign_in_card_text="Sign in to Meetbot so it can work in your calendar as you.",
    sign_in_button="Sign in",
    signed_in="You\u2019re signed in.",
    already_signed_in="You\u2019re already signed in. Type **sign out** to sign out.",
    signed_out="You\u2019re signed out. Meetbot will ask you to sign in again the next time "
    "it needs your calendar.",
    not_signed_in="You\u2019re not signed in, so there\u2019s nothing to sign out of.",
    sign_in_in_private="{name}, I\u2019ve sent you a private message to sign in; I\u2019ll "
    "answer here once you have.",
    sign_in_wrong_account="The account you signed in with isn\u2019t the one you use in Teams; "
    "sign in again with your Teams account.",
    sign_in_incomplete="Sign-in didn\u2019t complete. Type **sign in** to try again.",
    sign_in_not_needed="Meetbot works with your organization\u2019s calendar permission; "
    "there\u2019s nothing to sign in to.",
    sign_in_expired="Your sign-in request expired; type your command again.",
    help_signed_in="Signed in: Meetbot works in your calendar as you. Type **sign out** to stop.",
    help_not_signed_in="Not signed in: Meetbot asks you to sign in the first time it needs your "
    "calendar. To sign in now, type **sign in**.",
    help_sign_in_examples=(
        ("sign in", "Sign in so Meetbot works in your calendar as you (also: login)"),
        ("sign out", "Sign out: Meetbot stops working in your calendar as you (also: logout)"),
    ),
    # issue 25: the token service does not answer
    sign_in_unavailable="The sign-in service isn\u2019t answering right now, so I couldn\u2019t "
    "check your sign-in. Nothing was done; please try again in a minute.",
    # issue 25: reminders
    reminder_not_rechecked="Not re-checked with your calendar: sign in again to Meetbot so "
    "reminders see moves and cancellations.",
    reminder_not_rechecked_series="Not re-checked with your calendar: sign in again to Meetbot "
    "so reminders see moves and cancellations and find the next meeting of this series.",
)
