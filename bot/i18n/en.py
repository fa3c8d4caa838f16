"""English text."""

from bot.i18n.catalog import Catalog

CATALOG = Catalog(
    locale="en",
    join_button="Join meeting",
    when_label="When",
    time_range="{date}, {start} – {end} ({zone})",
    zone_fallback_note="Times are in UTC because your Teams client did not send its time zone.",
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
            "meet Design review tomorrow 3pm for 45m with adele@contoso.com",
            "Schedule a meeting on your calendar and invite people",
        ),
        ("meet now Quick sync", "Start a meeting right away"),
        ("help", "Show this list"),
    ),
    unknown_command="I don't know the command \u201c{command}\u201d.",
    missing_subject="What is the meeting about? Add a subject, for example: "
    "meet Design review tomorrow 3pm",
    missing_time="When should it be? Add a time, for example: meet Design review tomorrow 3pm",
    bad_time="I couldn't read \u201c{detail}\u201d as a time. Try 3pm, 15:00 or noon.",
    ambiguous_time="Did you mean {detail} in the morning or the afternoon? "
    "Please write it as {detail}am or {detail}pm.",
    time_in_past="{detail} has already passed. Please pick a time in the future.",
    bad_duration="I couldn't use \u201c{detail}\u201d as a length. Try 30m, 1h or 1h30m "
    "(at most 24 hours).",
    bad_attendee="\u201c{detail}\u201d doesn't look like an email address.",
    too_long="That message is too long for me. Please keep commands under 1000 characters.",
    unknown_sender="I can only schedule meetings for signed-in Microsoft Teams users.",
    error_title="The meeting was not created",
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
    graph_unavailable="Microsoft Graph could not be reached. Please try again shortly.",
    unexpected_error="Sorry, something went wrong on my side. Please try again.",
    reference_label="Reference: {request_id}",
)
