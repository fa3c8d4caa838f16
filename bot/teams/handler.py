"""Meetbot's activity handler: who is asking, which command, which flow; nothing more.

In channels and group chats it acts only when @mentioned (card submissions excepted) and
replies in the same thread. An active dialog takes the next message from the person who
started it, except `cancel`; in a group chat each member has their own dialog. Conversation
and dialog state are saved to the store at the end of every turn.

Who may act: the calendar Meetbot acts on is always the authenticated sender's
(`from.aadObjectId`); nothing in the text, a card's values or a mention can name another one.
A card button made for one user is refused when another clicks it, and a click replaces only
a card Meetbot sent to the one who clicked (`SentCards`), whatever `replyToId` names. With an allow-list of
tenants, an activity from any other tenant gets one polite sentence and nothing else: no
state, no stored conversation reference, no Graph call. Every text the bot sends is marked
plain text, so user input quoted back cannot turn into links or formatting.

Message turns run under a `Pacer`: typing while the work runs, and the HTTP answer within
Teams' window even when Graph is slow (the card follows on the same turn).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import (
    ActivityHandler,
    ConversationState,
    StatePropertyAccessor,
    TurnContext,
)
from botbuilder.dialogs import DialogSet, DialogState
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    TextFormatTypes,
)

from bot.commands import (
    MAX_TEXT_LENGTH,
    CancelCommand,
    CancelMeetingCommand,
    Command,
    HelpCommand,
    IncompleteMeet,
    JoinCommand,
    MeetCommand,
    MeetNowCommand,
    OfflineCommand,
    OnlineCommand,
    ParseError,
    ParseErrorKind,
    ProvidersCommand,
    RemindersCommand,
    ScheduleFormCommand,
    UpcomingCommand,
    WatchCommand,
    parse,
)
from bot.graph.models import OnlineMeeting
from bot.i18n import Catalog, catalog_for
from bot.reminders import Reminders
from bot.store import StoreUnavailable
from bot.teams.mentions import mentions_bot, resolve_mentions, text_without_bot_mention
from bot.teams.outgoing import attachment_message, text_message
from bot.teams.pacing import Pacer
from bot.teams.sender import UTC_ZONE, SenderClock, organizer_id, sender_clock, tenant_ids
from bot.teams.state import SENDER_KEY_PREFIX, SentCards, sender_state_key
from cards import (
    CANCEL_REMINDER,
    NO_REMINDER,
    SET_REMINDER,
    FormDefaults,
    ReminderItem,
    ReminderSetting,
    card_attachment,
    error_card,
    help_card,
    notice_card,
    reminder_text,
    reminders_card,
    schedule_form_card,
)
from dialogs.calendar import CalendarFlow
from dialogs.form import FormProblem, read_form
from dialogs.meet import MeetingFlow, Requester
from dialogs.meet_dialog import MEET_DIALOG, MeetDialog, draft_to_options
from dialogs.texts import parse_error_text

log = logging.getLogger(__name__)

_GROUP_TYPES = {"channel", "groupChat"}
_MAX_REMINDER_MINUTES = 24 * 60
# Mentions make the raw text longer than the command; far past this, no command can be in it,
# and stripping mentions from it would cost time for nothing.
_MAX_RAW_TEXT = 4 * MAX_TEXT_LENGTH


class MeetBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        *,
        meetings: MeetingFlow,
        calendar: CalendarFlow,
        conversation_state: ConversationState,
        reminders: Reminders,
        local_mode: bool,
        clock: Callable[[], datetime],
        allowed_tenants: frozenset[str] | None = None,
        pacer: Pacer | None = None,
        default_zone: ZoneInfo = UTC_ZONE,
    ) -> None:
        """`allowed_tenants`: lower-case tenant ids Meetbot serves, None for any tenant.
        `pacer`: how message turns meet Teams' window (default: answer within 2.5 s).
        `default_zone`: the sender's zone when their client names none (`DEFAULT_TIMEZONE`)."""
        super().__init__()
        self._meetings = meetings
        self._calendar = calendar
        self._reminders = reminders
        self._state = conversation_state
        self._local_mode = local_mode
        self._clock = clock
        self._allowed_tenants = allowed_tenants
        self._pacer = pacer or Pacer()
        self._default_zone = default_zone
        self._one_turn_at_a_time = _OneTurnAtATime()
        self._running = conversation_state.create_property("RunningMeeting")
        self._dialog_states = _PerSender(conversation_state.create_property("DialogStates"))
        self._sent_cards = SentCards(conversation_state.create_property("SentCards"))
        self._dialogs = DialogSet(self._dialog_states)
        self._dialogs.add(MeetDialog(meetings, self._requester, self._now))

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.on_send_activities(_as_plain_text)
        if not await self._admitted(turn_context):
            return
        if turn_context.activity.type == ActivityTypes.message:
            await self._pacer.run(turn_context, lambda: self._turn(turn_context))
        else:
            await self._turn(turn_context)

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (shutdown grace)
        """On shutdown: let turns that outlasted their HTTP request finish (up to `timeout`)."""
        await self._pacer.drain(timeout)

    async def _turn(self, turn_context: TurnContext) -> None:
        """One turn, its conversation's state read, changed and saved as a whole while no other
        turn of the same conversation in this instance runs (see `_OneTurnAtATime`)."""
        activity = turn_context.activity
        key = activity.conversation.id if activity.conversation else ""
        lock = self._one_turn_at_a_time.enter(key)
        held = False
        try:
            # A message waits as long as it takes (the Pacer answers Teams meanwhile); a turn
            # answered only when it ends waits a while, then runs, its state kept by eTags.
            paced = activity.type == ActivityTypes.message
            held = await _take(lock, None if paced else _NOT_PACED_WAIT_S)
            if not held:
                log.info("a %s turn ran beside a long turn of its conversation", activity.type)
            await self._remember_conversation(turn_context)
            # Every turn reads its state (to prune and save it); reading it first means that a
            # store that does not answer fails the turn here, before any Graph call.
            await self._state.load(turn_context)
            await super().on_turn(turn_context)
            await self._dialog_states.prune(turn_context)
            await self._state.save_changes(turn_context)
        finally:
            if held:
                lock.release()
            self._one_turn_at_a_time.leave(key)

    async def _admitted(self, turn_context: TurnContext) -> bool:
        """Whether the activity's tenant is one Meetbot serves; if not, say so once, politely."""
        if self._allowed_tenants is None:
            return True
        activity = turn_context.activity
        tenants = tenant_ids(activity)
        if tenants and tenants <= self._allowed_tenants:
            return True
        log.warning(
            "refused an activity from tenant %s: not in ALLOWED_TENANTS",
            ", ".join(sorted(tenants)) or "(none named)",
        )
        if activity.type == ActivityTypes.message and _addressed_to_bot(activity):
            await _say(turn_context, catalog_for(activity.locale).tenant_not_allowed)
        return False

    async def _remember_conversation(self, turn_context: TurnContext) -> None:
        """Keep where this conversation is (for reminders); forget it when the bot leaves."""
        activity = turn_context.activity
        conversation = activity.conversation.id if activity.conversation else None
        if not conversation or not activity.service_url:
            return
        if _bot_left(activity):
            await self._reminders.forget(conversation)
            return
        if activity.type in _REMEMBERED_TYPES:
            source = (  # every part of the activity `reference_json` reads
                activity.service_url,
                activity.channel_id,
                activity.locale,
                activity.from_property,
                activity.recipient,
                activity.conversation,
            )
            await self._reminders.remember(
                conversation,
                source,
                lambda: reference_json(activity),
                always=activity.type != ActivityTypes.message,
            )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and "meetbot" in activity.value:
            await self._on_card_action(turn_context, activity.value)
            return
        group = (activity.conversation.conversation_type or "") in _GROUP_TYPES
        if group and not mentions_bot(activity):
            return  # in shared spaces Meetbot speaks only when spoken to
        catalog = catalog_for(activity.locale)
        if len(activity.text or "") > _MAX_RAW_TEXT:
            await _say(turn_context, catalog.too_long)
            return
        # The dialogs read the text too: without the bot's own mention, which a group chat
        # needs for Meetbot to see the message at all.
        activity.text = text_without_bot_mention(activity)
        command = parse(activity.text, self._now(turn_context), locale=activity.locale)
        # The sender's dialog stack decides; a DialogContext (with botbuilder's memory scopes)
        # is built only when a dialog is there to continue or cancel.
        waiting = (await self._dialog_states.get(turn_context, DialogState)).dialog_stack
        if isinstance(command, CancelCommand):
            if not waiting:
                await _say(turn_context, catalog.nothing_to_cancel)
                return
            await (await self._dialogs.create_context(turn_context)).cancel_all_dialogs()
            await _say(turn_context, catalog.dialog_cancelled)
            return
        if waiting:
            await (await self._dialogs.create_context(turn_context)).continue_dialog()
            return
        if isinstance(command, ParseError):
            await self._answer_parse_error(turn_context, command, catalog)
            return
        if isinstance(command, HelpCommand):
            await _send_card(turn_context, help_card(catalog))
            return
        who = self._requester(turn_context)
        if who is None:
            await _send_card(turn_context, error_card(catalog, catalog.unknown_sender))
            return
        await self._route(turn_context, command, who)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            catalog = catalog_for(turn_context.activity.locale)
            await _send_card(turn_context, help_card(catalog))

    async def _route(self, turn_context: TurnContext, command: Command, who: Requester) -> None:
        now = self._now(turn_context)
        card: dict[str, Any]
        if isinstance(command, MeetCommand | IncompleteMeet):
            await self._meet(turn_context, command, who)
            return
        if isinstance(command, MeetNowCommand):
            card = await self._meet_now(turn_context, command, who)
        elif isinstance(command, ScheduleFormCommand):
            card = schedule_form_card(
                who.catalog,
                today=now.date(),
                zone_label=who.zone.key,
                defaults=FormDefaults.starting_at(now),
            )
        elif isinstance(command, UpcomingCommand):
            card = await self._calendar.upcoming(who, now)
        elif isinstance(command, OnlineCommand):
            card = await self._calendar.offline_candidates(who, now)
        elif isinstance(command, OfflineCommand):
            card = notice_card(who.catalog, who.catalog.offline_not_possible)
        elif isinstance(command, JoinCommand):
            card = await self._calendar.join(who, command.query, now)
        elif isinstance(command, CancelMeetingCommand):
            card = await self._calendar.confirm_cancel(who, command.query, now)
        elif isinstance(command, ProvidersCommand):
            card = await self._calendar.providers(who)
        elif isinstance(command, RemindersCommand):
            card = await self._reminders_card(who)
        elif isinstance(command, WatchCommand):
            await self._watch(turn_context, command, who)
            return
        else:
            card = help_card(who.catalog)
        if isinstance(command, ScheduleFormCommand | RemindersCommand | CancelMeetingCommand):
            await self._send_replaceable(turn_context, card)  # a click on it replaces it
            return
        await _send_card(turn_context, card)

    async def _meet(
        self, turn_context: TurnContext, command: MeetCommand | IncompleteMeet, who: Requester
    ) -> None:
        emails, unresolved = await resolve_mentions(turn_context, command.mentions)
        attendees = _merge(command.attendees, emails)
        if unresolved:
            names = ", ".join(unresolved)
            await _say(turn_context, who.catalog.unresolved_mentions.format(names=names))
        if isinstance(command, IncompleteMeet):
            draft = dataclasses.replace(command, attendees=attendees, mentions=())
            dialog = await self._dialogs.create_context(turn_context)
            await dialog.begin_dialog(MEET_DIALOG, draft_to_options(draft))
            return
        complete = dataclasses.replace(command, attendees=attendees, mentions=())
        await self._meetings.schedule(complete, who, lambda card: _send_card(turn_context, card))

    async def _meet_now(
        self, turn_context: TurnContext, command: MeetNowCommand, who: Requester
    ) -> dict[str, Any]:
        """In a shared thread whose meet-now meeting is still running, that meeting again.

        A redelivered activity still goes to createOrGet: its externalId gets the same
        meeting from Graph, which stays the source of truth.
        """
        activity = turn_context.activity
        shared = (activity.conversation.conversation_type or "") in _GROUP_TYPES
        running: dict[str, Any] | None = await self._running.get(turn_context, lambda: None)
        if (
            shared
            and running
            and running.get("activity") != activity.id
            and datetime.fromisoformat(running["end"]) > self._now(turn_context)
        ):
            known = OnlineMeeting.model_validate(running["meeting"])
            return self._meetings.meeting_now_card(known, who, note=who.catalog.already_running)
        card, made = await self._meetings.meet_now(command, who)
        if made is not None and made.end_date_time is not None:
            await self._running.set(
                turn_context,
                {
                    "meeting": made.model_dump(mode="json", by_alias=True),
                    "end": made.end_date_time.isoformat(),
                    "activity": activity.id,
                },
            )
        return card

    async def _on_card_action(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        catalog = catalog_for(turn_context.activity.locale)
        who = self._requester(turn_context)
        if who is None:
            await _send_card(turn_context, error_card(catalog, catalog.unknown_sender))
            return
        action = value.get("meetbot")
        if action == "schedule_form":
            await self._submit_form(turn_context, value, who)
            return
        if value.get("for") != who.user_id:  # a button made for someone else
            await _say(turn_context, catalog.not_for_you)
            return
        event_id = _id_value(value.get("eventId"))
        reminder_id = _id_value(value.get("reminderId"))
        if action == SET_REMINDER and reminder_id:
            await self._set_reminder(turn_context, reminder_id, value.get("minutes"), who)
        elif action == CANCEL_REMINDER and reminder_id:
            await self._reminders.cancel(reminder_id, who.user_id)
            await self._replace_or_send(turn_context, await self._reminders_card(who))
        elif action == "make_online" and event_id:
            await _send_card(turn_context, await self._calendar.make_online(who, event_id))
        elif action == "cancel_meeting" and event_id:
            subject = str(value.get("subject") or catalog.untitled_meeting)
            if value.get("confirm") is True:
                card = await self._calendar.cancel(who, event_id, subject)
            else:
                card = notice_card(catalog, catalog.cancel_kept)
            await self._replace_or_send(turn_context, card)
        else:
            await _send_card(turn_context, help_card(catalog))

    async def _reminders_card(self, who: Requester) -> dict[str, Any]:
        pending = await self._reminders.pending(who.user_id)
        items = [ReminderItem(r.id, r.subject, r.starts_at, r.ends_at, r.due_at) for r in pending]
        watching = await self._reminders.watching(who.user_id) is not None
        return reminders_card(who.catalog, items, who.zone, for_user=who.user_id, watching=watching)

    async def _set_reminder(
        self, turn_context: TurnContext, reminder_id: str, minutes: Any, who: Requester
    ) -> None:
        choice = str(minutes or "").strip()
        lead: timedelta | None
        if choice == NO_REMINDER:
            lead = None
        elif choice.isascii() and choice.isdigit() and int(choice) <= _MAX_REMINDER_MINUTES:
            lead = timedelta(minutes=int(choice))
        else:
            await _say(turn_context, who.catalog.bad_reminder.format(detail=choice))
            return
        changed = await self._reminders.set_lead(reminder_id, who.user_id, lead)
        if changed is None:
            await _say(turn_context, who.catalog.reminder_gone)
            return
        subject = changed.subject or who.catalog.untitled_meeting
        if lead is None:
            await _say(turn_context, who.catalog.reminder_removed.format(subject=subject))
            return
        setting = ReminderSetting(changed.id, who.user_id, changed.starts_at, lead)
        when = reminder_text(setting, who.zone, who.catalog)
        await _say(turn_context, who.catalog.reminder_set.format(subject=subject, when=when))

    async def _watch(
        self, turn_context: TurnContext, command: WatchCommand, who: Requester
    ) -> None:
        catalog = who.catalog
        if not command.on:
            stopped = await self._reminders.unwatch(who.user_id)
            await _say(turn_context, catalog.watch_stopped if stopped else catalog.watch_was_off)
            return
        kind = turn_context.activity.conversation.conversation_type or "personal"
        if kind != "personal":
            await _say(turn_context, catalog.watch_personal_only)
            return
        watch, new = await self._reminders.watch(who.spot)
        minutes = int(watch.lead.total_seconds() // 60)
        text = catalog.watch_started if new else catalog.watch_already
        await _say(turn_context, text.format(minutes=minutes))

    async def _submit_form(
        self, turn_context: TurnContext, value: dict[str, Any], who: Requester
    ) -> None:
        now = self._now(turn_context)
        result = read_form(value, now)
        if isinstance(result, FormProblem):
            error = who.catalog.form_invalid.format(detail=result.detail or result.field)
            card = schedule_form_card(
                who.catalog,
                today=now.date(),
                zone_label=who.zone.key,
                defaults=FormDefaults.from_values(value),
                error=error,
            )
            await self._replace_or_send(turn_context, card)
            return
        # Keyed on the form card and the sender, not the activity: a second submit of the same
        # form (a double click, a resend) gets Graph's same event back through transactionId.
        form_id = turn_context.activity.reply_to_id
        if form_id:
            who = dataclasses.replace(who, activity_id=f"form|{form_id}|{who.user_id}")
        await self._meetings.schedule(
            result, who, lambda card: self._replace_or_send(turn_context, card)
        )

    async def _send_replaceable(self, turn_context: TurnContext, card: dict[str, Any]) -> None:
        """Send a card that a click on it replaces, recorded as the sender's."""
        sent = await turn_context.send_activity(attachment_message(card_attachment(card)))
        await self._sent_cards.record(turn_context, sent)

    async def _replace_or_send(self, turn_context: TurnContext, card: dict[str, Any]) -> None:
        """Replace the card the sender clicked (Teams sets `replyToId` to it) when Meetbot sent
        that card to them; else send `card` as a new message (see `SentCards`)."""
        target = turn_context.activity.reply_to_id
        if not target or not await self._sent_cards.sent_to_sender(turn_context, target):
            await self._send_replaceable(turn_context, card)
            return
        update = Activity(
            id=target,
            type=ActivityTypes.message,
            attachments=[card_attachment(card)],
        )
        await turn_context.update_activity(update)

    async def _answer_parse_error(
        self, turn_context: TurnContext, error: ParseError, catalog: Catalog
    ) -> None:
        if error.kind is ParseErrorKind.UNKNOWN_COMMAND:
            note = catalog.unknown_command.format(command=error.detail)
            await _send_card(turn_context, help_card(catalog, note=note))
            return
        await _say(turn_context, parse_error_text(error, catalog))

    def _now(self, turn_context: TurnContext) -> datetime:
        return self._sender_clock(turn_context).now

    def _sender_clock(self, turn_context: TurnContext) -> SenderClock:
        """The sender's zone and clock, read once per turn: every part of a turn (the parser,
        the card, the dialogs) works with the same `now`."""
        clock: SenderClock | None = turn_context.turn_state.get(_SENDER_CLOCK)
        if clock is None:
            clock = sender_clock(turn_context.activity, self._clock(), self._default_zone)
            turn_context.turn_state[_SENDER_CLOCK] = clock
        return clock

    def _requester(self, turn_context: TurnContext) -> Requester | None:
        activity = turn_context.activity
        user_id = organizer_id(activity, local_mode=self._local_mode)
        if user_id is None:
            return None
        clock = self._sender_clock(turn_context)
        return Requester(
            user_id=user_id,
            conversation_id=activity.conversation.id,
            activity_id=activity.id or "",
            zone=clock.zone,
            zone_is_fallback=clock.zone_is_fallback,
            catalog=catalog_for(activity.locale),
        )


_SENDER_CLOCK = "meetbot.sender_clock"  # the turn's SenderClock, in the turn state

_NOT_PACED_WAIT_S = 5.0  # of Teams' ~15 s for an answer, for turns answered when they end
_REMEMBERED_TYPES = {
    ActivityTypes.message,
    ActivityTypes.conversation_update,
    ActivityTypes.installation_update,
}


async def _take(lock: asyncio.Lock, within: float | None) -> bool:
    """Take `lock`, waiting at most `within` seconds (None: as long as it takes); whether the
    lock was taken."""
    if within is None:
        return await lock.acquire()
    try:
        async with asyncio.timeout(within):
            return await lock.acquire()
    except TimeoutError:
        return False


class _OneTurnAtATime:
    """Turns of one conversation run one after another in this instance; other conversations'
    turns are not held up.

    A conversation's state (every member's dialog stack, the thread's running meeting) is one
    stored value, read when a turn starts and written whole when it ends. Two turns of one
    conversation running at once (two members of a group chat answering the bot together)
    would both read it, and the second write would fail with an eTag conflict (and an
    apology to its member). Instances sharing a store are kept apart by those eTags alone.
    A turn Teams waits on without the Pacer (membership and installation events) waits at
    most `_NOT_PACED_WAIT_S` for the lock, then runs anyway.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, turns holding or waiting

    def enter(self, conversation_id: str) -> asyncio.Lock:
        """The conversation's lock, for a turn to take; `leave` when done, whether or not the
        turn got it."""
        lock, turns = self._locks.get(conversation_id) or (asyncio.Lock(), 0)
        self._locks[conversation_id] = (lock, turns + 1)
        return lock

    def leave(self, conversation_id: str) -> None:
        lock, turns = self._locks[conversation_id]
        if turns == 1:
            del self._locks[conversation_id]  # no other turn holds or waits for it: forget it
        else:
            self._locks[conversation_id] = (lock, turns - 1)


class _PerSender(StatePropertyAccessor):  # type: ignore[misc]
    """A dialog-state accessor that keeps one dialog stack per sender within the conversation's
    state, so in a group chat one member's answer never continues (or cancels) another's dialog.
    Stacks that are empty at the end of a turn are dropped, so they cost no writes."""

    def __init__(self, states: StatePropertyAccessor) -> None:
        self._states = states

    async def get(self, turn_context: TurnContext, default_value_or_factory: Any = None) -> Any:
        states = await self._all(turn_context)
        key = sender_state_key(turn_context.activity)
        if key not in states:
            default = default_value_or_factory
            states[key] = default() if callable(default) else (default or DialogState())
        return states[key]

    async def set(self, turn_context: TurnContext, value: Any) -> None:
        (await self._all(turn_context))[sender_state_key(turn_context.activity)] = value

    async def delete(self, turn_context: TurnContext) -> None:
        (await self._all(turn_context)).pop(sender_state_key(turn_context.activity), None)

    async def prune(self, turn_context: TurnContext) -> None:
        states = await self._all(turn_context)
        for key in [k for k, state in states.items() if not _kept(k, state)]:
            del states[key]

    async def _all(self, turn_context: TurnContext) -> dict[str, Any]:
        states = await self._states.get(turn_context, dict)
        if not isinstance(states, dict):  # not ours: start over rather than fail every turn
            states = {}
            await self._states.set(turn_context, states)
        return states


def _kept(key: str, state: Any) -> bool:
    """A running dialog under a current key (one stored before keys had their prefix goes)."""
    return key.startswith(SENDER_KEY_PREFIX) and bool(getattr(state, "dialog_stack", None))


def _addressed_to_bot(activity: Activity) -> bool:
    """A 1:1 message, a card submission, or a message that @mentions the bot."""
    if (activity.conversation.conversation_type or "personal") not in _GROUP_TYPES:
        return True
    return isinstance(activity.value, dict) or mentions_bot(activity)


def _id_value(value: Any) -> str:
    """An id from a card's data: a non-empty string, or "" (not a usable id)."""
    return value.strip() if isinstance(value, str) else ""


async def _as_plain_text(
    turn_context: TurnContext, activities: list[Activity], next_send: Callable[[], Any]
) -> None:
    """Mark every outgoing text as plain: the bot quotes user input (a subject, an unknown
    command, a mention's name), and Teams would otherwise render it as markdown."""
    for activity in activities:
        if activity.type == ActivityTypes.message and activity.text and not activity.text_format:
            activity.text_format = TextFormatTypes.plain
    await next_send()


def _bot_left(activity: Activity) -> bool:
    """The bot was uninstalled from, or removed as a member of, this conversation."""
    if activity.type == ActivityTypes.installation_update:
        return (activity.action or "").startswith("remove")
    if activity.type == ActivityTypes.conversation_update and activity.members_removed:
        bot_id = activity.recipient.id if activity.recipient else None
        return any(member.id == bot_id for member in activity.members_removed)
    return False


def _merge(typed: tuple[str, ...], resolved: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in (*typed, *resolved):
        seen.setdefault(address.casefold(), address)
    return tuple(seen.values())


async def _say(turn_context: TurnContext, text: str) -> None:
    await turn_context.send_activity(text_message(text))


async def _send_card(turn_context: TurnContext, card: dict[str, Any]) -> None:
    await turn_context.send_activity(attachment_message(card_attachment(card)))


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Last resort: log with the activity id as correlation id; the user gets a short apology,
    or, when the store did not answer in time, the sentence that says so (nothing after that
    store call was done)."""
    activity = turn_context.activity
    conversation = activity.conversation.id if activity.conversation else None
    catalog = catalog_for(activity.locale)
    text = catalog.unexpected_error
    if isinstance(error, StoreUnavailable):
        log.warning(
            "turn stopped, activity=%s conversation=%s: %s", activity.id, conversation, error
        )
        text = catalog.store_not_answering
    else:
        log.exception(
            "unhandled error in turn activity=%s conversation=%s",
            activity.id,
            conversation,
            exc_info=error,
        )
    try:
        await turn_context.send_activity(text_message(text))
    except Exception:  # the connector itself may be what failed
        log.exception("could not send the apology for activity=%s", activity.id)


def reference_json(activity: Activity) -> dict[str, Any]:
    """`TurnContext.get_conversation_reference(activity)` as JSON, without its `activityId`
    (a proactive send starts a turn of its own)."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    written: dict[str, Any] = reference.serialize()
    return written
