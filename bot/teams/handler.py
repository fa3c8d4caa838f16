"""Meetbot's activity handler: who is asking, which command or button, which flow; nothing more.

In channels and group chats it acts only when @mentioned (card submissions excepted) and
replies in the same thread. An active dialog takes the next message from the person who
started it, except `cancel`; in a group chat each member has their own dialog
(`bot.teams.sender_state`). Conversation and dialog state are read when a turn starts and
saved at its end. What every turn goes through first (the tenant allow-list, plain text, the
Pacer, one turn at a time per conversation, the stored conversation reference) is middleware
(`bot.teams.middleware`); what each command does is a flow in `dialogs/`. In delegated mode
a command that acts on the calendar waits for its sender to sign in (`bot.teams.sso`).

Who may act: the calendar Meetbot acts on is always the authenticated sender's
(`from.aadObjectId`); nothing in the text, a card's values or a mention can name another one.
A card button made for one user is refused when another clicks it, and a click replaces only
a card Meetbot sent to the one who clicked (`SentCards`), whatever `replyToId` names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import ActivityHandler, ConversationState, TurnContext
from botbuilder.dialogs import DialogSet, DialogState
from botbuilder.schema import ChannelAccount

from bot.commands import (
    CALENDAR_COMMANDS,
    MAX_TEXT_LENGTH,
    CancelCommand,
    CancelMeetingCommand,
    Command,
    HelpCommand,
    IncompleteMeet,
    JoinCommand,
    MeetCommand,
    MeetNowCommand,
    MoveCommand,
    OfflineCommand,
    OnlineCommand,
    ParseError,
    ParseErrorKind,
    ProvidersCommand,
    RemindersCommand,
    ScheduleFormCommand,
    SignInCommand,
    SignOutCommand,
    UpcomingCommand,
    WatchCommand,
    parse,
)
from bot.i18n import catalog_for
from bot.teams.mentions import (
    mentions_bot,
    resolve_invited,
    resolve_participants,
    text_without_bot_mention,
)
from bot.teams.middleware import GROUP_TYPES
from bot.teams.outgoing import say, send_card
from bot.teams.sender import UTC_ZONE, turn_sender
from bot.teams.sender_state import PerSender, SentCards
from bot.teams.sso import SignInPrompt
from cards import (
    error_card,
    help_card,
    notice_card,
)
from cards.actions import (
    ActionProblem,
    ActionProblemKind,
    CancelMeeting,
    CancelReminder,
    MakeOnline,
    MoveMeeting,
    ScheduleForm,
    SetReminder,
    is_card_action,
    parse_action,
)
from dialogs.calendar import CalendarFlow
from dialogs.form import schedule_form, submit_form
from dialogs.meet import MeetingFlow, Requester
from dialogs.meet_dialog import MEET_DIALOG, MeetDialog, draft_to_options
from dialogs.meet_now import MeetNowFlow
from dialogs.move import MoveFlow
from dialogs.reminders import ReminderFlow
from dialogs.texts import parse_error_text
from dialogs.turn import TurnSender, keep_turn_sender

# Mentions make the raw text longer than the command; far past this, no command can be in it,
# and stripping mentions from it would cost time for nothing.
_MAX_RAW_TEXT = 4 * MAX_TEXT_LENGTH


class MeetBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        *,
        meetings: MeetingFlow,
        calendar: CalendarFlow,
        moves: MoveFlow,
        reminders: ReminderFlow,
        conversation_state: ConversationState,
        local_mode: bool,
        clock: Callable[[], datetime],
        default_zone: ZoneInfo = UTC_ZONE,
        sign_in: SignInPrompt | None = None,
    ) -> None:
        """`default_zone`: the sender's zone when their client names none (`DEFAULT_TIMEZONE`);
        `sign_in`: delegated mode, where each user signs in (None: Meetbot acts as the app)."""
        super().__init__()
        self._sign_in = sign_in
        self._meetings = meetings
        self._calendar = calendar
        self._moves = moves
        self._reminders = reminders
        self._state = conversation_state
        self._local_mode = local_mode
        self._clock = clock
        self._default_zone = default_zone
        running = conversation_state.create_property("RunningMeeting")
        self._meet_now = MeetNowFlow(meetings, running)
        self._dialog_states = PerSender(conversation_state.create_property("DialogStates"))
        self._sent_cards = SentCards(conversation_state.create_property("SentCards"))
        self._dialogs = DialogSet(self._dialog_states)
        self._dialogs.add(MeetDialog(meetings))

    async def on_turn(self, turn_context: TurnContext) -> None:
        # Every turn reads its state (to prune and save it); reading it first means that a
        # store that does not answer fails the turn here, before any Graph call.
        await self._state.load(turn_context)
        await super().on_turn(turn_context)
        await self._dialog_states.prune(turn_context)
        await self._state.save_changes(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        sender = turn_sender(activity, self._clock(), self._default_zone, self._local_mode)
        keep_turn_sender(turn_context, sender)  # for the dialogs: one `now` for the whole turn
        if is_card_action(activity.value):
            await self._on_card_action(turn_context, activity.value, sender)
            return
        group = (activity.conversation.conversation_type or "") in GROUP_TYPES
        if group and not mentions_bot(activity):
            return  # in shared spaces Meetbot speaks only when spoken to
        catalog = catalog_for(activity.locale)
        if len(activity.text or "") > _MAX_RAW_TEXT:
            await say(turn_context, catalog.too_long)
            return
        # The dialogs read the text too: without the bot's own mention, which a group chat
        # needs for Meetbot to see the message at all.
        activity.text = text_without_bot_mention(activity)
        command = parse(activity.text, sender.now, locale=activity.locale)
        # The sender's dialog stack decides; a DialogContext (with botbuilder's memory scopes)
        # is built only when a dialog is there to continue or cancel.
        waiting = (await self._dialog_states.get(turn_context, DialogState)).dialog_stack
        if isinstance(command, CancelCommand):
            if not waiting:
                await say(turn_context, catalog.nothing_to_cancel)
                return
            await (await self._dialogs.create_context(turn_context)).cancel_all_dialogs()
            await say(turn_context, catalog.dialog_cancelled)
        elif waiting:
            if await self._may_use_calendar(turn_context):
                await (await self._dialogs.create_context(turn_context)).continue_dialog()
        elif isinstance(command, ParseError) and command.kind is ParseErrorKind.UNKNOWN_COMMAND:
            note = catalog.unknown_command.format(command=command.detail)
            await send_card(turn_context, help_card(catalog, note=note))
        elif isinstance(command, ParseError):
            await say(turn_context, parse_error_text(command, catalog))
        elif isinstance(command, HelpCommand):
            account = await self._sign_in.status(turn_context) if self._sign_in else None
            await send_card(turn_context, help_card(catalog, account=account))
        elif sender.requester is None:
            await send_card(turn_context, error_card(catalog, catalog.unknown_sender))
        else:
            await self._route(turn_context, command, sender.requester, sender.now)

    async def _may_use_calendar(self, turn: TurnContext) -> bool:
        """Application mode, or the sender has signed in (if not, they are asked to, and
        this message runs once they have)."""
        return self._sign_in is None or await self._sign_in.signed_in(turn)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            catalog = catalog_for(turn_context.activity.locale)
            await send_card(turn_context, help_card(catalog))

    async def _route(
        self, turn: TurnContext, command: Command, who: Requester, now: datetime
    ) -> None:
        """One flow per command; a card that a click on it replaces goes through `SentCards`."""
        calendar, kind = self._calendar, turn.activity.conversation.conversation_type
        if isinstance(command, CALENDAR_COMMANDS) and not await self._may_use_calendar(turn):
            return
        match command:
            case MeetCommand() | IncompleteMeet():
                await self._meet(turn, command, who)
            case MeetNowCommand():
                shared = (kind or "") in GROUP_TYPES
                participants, unresolved = await resolve_participants(turn, command)
                await _unresolved(turn, who, unresolved)
                card = await self._meet_now.card(
                    turn, command, who, now=now, shared=shared, participants=participants
                )
                await send_card(turn, card)
            case ScheduleFormCommand():
                await self._sent_cards.send(turn, schedule_form(who, now))
            case UpcomingCommand():
                await send_card(turn, await calendar.upcoming(who, now))
            case OnlineCommand():
                await send_card(turn, await calendar.offline_candidates(who, now))
            case OfflineCommand():
                await send_card(turn, notice_card(who.catalog, who.catalog.offline_not_possible))
            case JoinCommand():
                await send_card(turn, await calendar.join(who, command.query, now))
            case CancelMeetingCommand():
                card = await calendar.confirm_cancel(who, command.query, now, command.scope)
                await self._sent_cards.send(turn, card)
            case MoveCommand():
                await self._sent_cards.send(turn, await self._moves.move(who, command, now))
            case ProvidersCommand():
                await send_card(turn, await calendar.providers(who))
            case RemindersCommand():
                await self._sent_cards.send(turn, await self._reminders.listing(who))
            case WatchCommand():
                personal = (kind or "personal") == "personal"
                await say(turn, await self._reminders.watch(who, command, personal=personal))
            case SignInCommand() | SignOutCommand() if self._sign_in is not None:
                await self._sign_in.account(turn, signing_in=isinstance(command, SignInCommand))
            case SignInCommand() | SignOutCommand():
                await say(turn, who.catalog.sign_in_not_needed)
            case _:
                await send_card(turn, help_card(who.catalog))

    async def _on_card_action(
        self, turn: TurnContext, value: dict[str, Any], sender: TurnSender
    ) -> None:
        catalog = catalog_for(turn.activity.locale)
        who = sender.requester
        if who is None:
            await send_card(turn, error_card(catalog, catalog.unknown_sender))
            return
        action = parse_action(value)
        if not isinstance(action, ScheduleForm) and action.for_user != who.user_id:
            await say(turn, catalog.not_for_you)  # a button made for someone else
            return
        calendar_action = ScheduleForm | MakeOnline | CancelMeeting | MoveMeeting
        if isinstance(action, calendar_action) and not await self._may_use_calendar(turn):
            return
        match action:
            case ScheduleForm():
                reply = functools.partial(self._sent_cards.replace_or_send, turn)
                form_id = turn.activity.reply_to_id
                await submit_form(
                    self._meetings, action, who, now=sender.now, form_id=form_id, reply=reply
                )
            case SetReminder():
                await say(turn, await self._reminders.set_lead(who, action))
            case CancelReminder():
                card = await self._reminders.cancel(who, action.reminder_id)
                await self._sent_cards.replace_or_send(turn, card)
            case MakeOnline():
                await send_card(turn, await self._calendar.make_online(who, action.event_id))
            case CancelMeeting():
                await self._sent_cards.replace_or_send(
                    turn, await self._calendar.answer_confirm(who, action)
                )
            case MoveMeeting():
                card = await self._moves.answer(who, action, sender.now)
                await self._sent_cards.replace_or_send(turn, card)
            case ActionProblem(kind=ActionProblemKind.BAD_MINUTES):
                await say(turn, catalog.bad_reminder.format(detail=action.detail))
            case ActionProblem():
                await send_card(turn, help_card(catalog))

    async def _meet(
        self, turn: TurnContext, command: MeetCommand | IncompleteMeet, who: Requester
    ) -> None:
        resolved, names, unresolved = await resolve_invited(turn, command)
        await _unresolved(turn, who, unresolved)
        if isinstance(resolved, IncompleteMeet):
            dialog = await self._dialogs.create_context(turn)
            await dialog.begin_dialog(MEET_DIALOG, draft_to_options(resolved, names))
            return
        reply = functools.partial(send_card, turn)
        await self._meetings.schedule(resolved, who, reply, names=names)


async def _unresolved(turn: TurnContext, who: Requester, names: Sequence[str]) -> None:
    if names:
        await say(turn, who.catalog.unresolved_mentions.format(names=", ".join(names)))
