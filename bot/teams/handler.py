"""Meetbot's activity handler: read the message, route the command, answer with a card."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount

from bot.commands import (
    HelpCommand,
    MeetCommand,
    MeetNowCommand,
    ParseError,
    ParseErrorKind,
    parse,
)
from bot.i18n import Catalog, catalog_for
from bot.teams.sender import organizer_id, sender_clock
from cards import error_card, help_card
from dialogs.meet import MeetingFlow, Requester

log = logging.getLogger(__name__)

_PARSE_TEXT: dict[ParseErrorKind, str] = {
    ParseErrorKind.MISSING_SUBJECT: "missing_subject",
    ParseErrorKind.MISSING_TIME: "missing_time",
    ParseErrorKind.BAD_TIME: "bad_time",
    ParseErrorKind.AMBIGUOUS_TIME: "ambiguous_time",
    ParseErrorKind.TIME_IN_PAST: "time_in_past",
    ParseErrorKind.BAD_DURATION: "bad_duration",
    ParseErrorKind.BAD_ATTENDEE: "bad_attendee",
    ParseErrorKind.TOO_LONG: "too_long",
}


class MeetBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self, flow: MeetingFlow, *, local_mode: bool, clock: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self._flow = flow
        self._local_mode = local_mode
        self._clock = clock

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        catalog = catalog_for(activity.locale)
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        clock = sender_clock(activity, self._clock())
        command = parse(text, clock.now)
        if isinstance(command, ParseError):
            await self._answer_parse_error(turn_context, command, catalog)
            return
        if isinstance(command, HelpCommand):
            await _send_card(turn_context, help_card(catalog))
            return
        user_id = organizer_id(activity, local_mode=self._local_mode)
        if user_id is None:
            await _send_card(turn_context, error_card(catalog, catalog.unknown_sender))
            return
        who = Requester(
            user_id=user_id,
            conversation_id=activity.conversation.id,
            activity_id=activity.id or "",
            zone=clock.zone,
            zone_is_fallback=clock.zone_is_fallback,
            catalog=catalog,
        )
        if isinstance(command, MeetCommand):
            card = await self._flow.schedule(command, who)
        elif isinstance(command, MeetNowCommand):
            card = await self._flow.meet_now(command, who)
        await _send_card(turn_context, card)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            catalog = catalog_for(turn_context.activity.locale)
            await _send_card(turn_context, help_card(catalog))

    async def _answer_parse_error(
        self, turn_context: TurnContext, error: ParseError, catalog: Catalog
    ) -> None:
        if error.kind is ParseErrorKind.UNKNOWN_COMMAND:
            note = catalog.unknown_command.format(command=error.detail)
            await _send_card(turn_context, help_card(catalog, note=note))
            return
        template: str = getattr(catalog, _PARSE_TEXT[error.kind])
        await turn_context.send_activity(MessageFactory.text(template.format(detail=error.detail)))


async def _send_card(turn_context: TurnContext, card: dict[str, Any]) -> None:
    await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Last resort: log with the activity id as correlation id; the user gets a short apology."""
    activity = turn_context.activity
    log.exception(
        "unhandled error in turn activity=%s conversation=%s",
        activity.id,
        activity.conversation.id if activity.conversation else None,
        exc_info=error,
    )
    catalog = catalog_for(activity.locale)
    try:
        await turn_context.send_activity(MessageFactory.text(catalog.unexpected_error))
    except Exception:  # the connector itself may be what failed
        log.exception("could not send the apology for activity=%s", activity.id)
