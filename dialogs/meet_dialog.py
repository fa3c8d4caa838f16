"""The `meet` dialog: asks for whatever a `meet` line left out, then creates the meeting.

    meet                      -> "What is the meeting about?" -> "When should it be?" -> card
    meet Design review        -> "When should “Design review” be?" -> card

The draft travels as plain JSON in the dialog options, and the stack lives in the bot's store,
so a conversation continues across a restart between any two steps. The draft keeps all the
line said: a repeat, places, a room, optional attendees, the agenda and the roster's names of
the people mentioned. For a series the answer to "When?" is read by the parser's rules
(`parse_series_when`): "3pm" after `meet Sync every Monday` is the first Monday at 3pm.
Each answer is checked by a prompt validator; an unusable answer gets the specific reason and
the question again, and nothing is created until the last step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, PromptValidatorContext, TextPrompt

from bot.commands import (
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ReminderRequest,
    Repeat,
    RepeatType,
    WeekIndex,
    parse_series_when,
    parse_when,
)
from bot.i18n import Catalog, catalog_for
from cards import card_attachment
from cards.text import clean
from dialogs.form import MAX_SUBJECT
from dialogs.meet import MeetingFlow
from dialogs.texts import parse_error_text
from dialogs.turn import turn_sender

MEET_DIALOG = "meet"
_SUBJECT_PROMPT = "meet.subject"
_TIME_PROMPT = "meet.time"


def draft_to_options(
    draft: IncompleteMeet, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The JSON the dialog keeps between turns; `names` are the roster's names of the people
    the line mentioned, by folded address, for the invitations."""
    return {
        "subject": draft.subject,
        "start": draft.start.isoformat() if draft.start else None,
        "end": draft.end.isoformat() if draft.end else None,
        "duration_s": draft.duration.total_seconds() if draft.duration else None,
        "day": draft.day.isoformat() if draft.day else None,
        "attendees": list(draft.attendees),
        "reminder": _reminder_to_json(draft.reminder),
        # issue 24: what the line said of the meeting's place, optional attendees and agenda
        "optional": list(draft.optional),
        "places": list(draft.places),
        "room": draft.room,
        "agenda": draft.agenda,
        # issue 24: the meet dialog
        "optional_mentions": list(draft.optional_mentions),
        "repeat": _repeat_to_json(draft.repeat),
        "names": dict(names or {}),
    }


def repeat_from_options(options: dict[str, Any]) -> Repeat | None:
    """The repeat `draft_to_options` kept; None (a single meeting) for a draft without one."""
    saved = options.get("repeat")
    if not isinstance(saved, dict):
        return None
    until, index = saved.get("until"), saved.get("index")
    return Repeat(
        type=RepeatType(saved["type"]),
        interval=int(saved["interval"]),
        days_of_week=tuple(saved.get("days_of_week") or ()),
        day_of_month=saved.get("day_of_month"),
        index=None if index is None else WeekIndex(index),
        until=None if until is None else date.fromisoformat(until),
        count=saved.get("count"),
    )


def _repeat_to_json(repeat: Repeat | None) -> dict[str, Any] | None:
    if repeat is None:
        return None
    return {
        "type": str(repeat.type),
        "interval": repeat.interval,
        "days_of_week": list(repeat.days_of_week),
        "day_of_month": repeat.day_of_month,
        "index": None if repeat.index is None else str(repeat.index),
        "until": None if repeat.until is None else repeat.until.isoformat(),
        "count": repeat.count,
    }


def reminder_from_options(options: dict[str, Any]) -> ReminderRequest | None:
    """The reminder `draft_to_options` kept; None (the default) for a draft saved without one."""
    saved = options.get("reminder")
    if not isinstance(saved, dict):
        return None
    before_s = saved.get("before_s")
    return ReminderRequest(None if before_s is None else timedelta(seconds=before_s))


def _reminder_to_json(reminder: ReminderRequest | None) -> dict[str, Any] | None:
    if reminder is None:
        return None  # nothing said
    before = reminder.before
    return {"before_s": None if before is None else before.total_seconds()}  # None: no reminder


class MeetDialog(ComponentDialog):  # type: ignore[misc]
    def __init__(self, flow: MeetingFlow) -> None:
        """Who asks, and their clock, come from the turn (`dialogs.turn`)."""
        super().__init__(MEET_DIALOG)
        self._flow = flow
        self.add_dialog(TextPrompt(_SUBJECT_PROMPT, self._valid_subject))
        self.add_dialog(TextPrompt(_TIME_PROMPT, self._valid_time))
        steps: list[Callable[[WaterfallStepContext], Awaitable[DialogTurnResult]]] = [
            self._ask_subject,
            self._ask_time,
            self._create,
        ]
        self.add_dialog(WaterfallDialog("meet.steps", steps))
        self.initial_dialog_id = "meet.steps"

    async def _ask_subject(self, step: WaterfallStepContext) -> DialogTurnResult:
        draft: dict[str, Any] = step.options
        step.values["draft"] = draft
        if draft.get("subject"):
            return await step.next(draft["subject"])
        catalog = _catalog(step.context)
        return await step.prompt(
            _SUBJECT_PROMPT,
            PromptOptions(
                prompt=MessageFactory.text(catalog.ask_subject),
                retry_prompt=MessageFactory.text(catalog.ask_subject),
            ),
        )

    async def _ask_time(self, step: WaterfallStepContext) -> DialogTurnResult:
        draft: dict[str, Any] = step.values["draft"]
        draft["subject"] = clean(str(step.result))
        if draft.get("start") and draft.get("end"):
            return await step.next(None)
        catalog = _catalog(step.context)
        ask = catalog.ask_time.format(subject=draft["subject"])
        return await step.prompt(
            _TIME_PROMPT,
            PromptOptions(
                prompt=MessageFactory.text(ask),
                retry_prompt=MessageFactory.text(ask),
                validations={
                    "duration_s": draft.get("duration_s"),
                    "day": draft.get("day"),
                    "repeat": draft.get("repeat"),
                    "ask": ask,
                },
            ),
        )

    async def _create(self, step: WaterfallStepContext) -> DialogTurnResult:
        draft: dict[str, Any] = step.values["draft"]
        if step.result is not None:  # the answer to "when?", already validated
            start, end, repeat = self._resolve(step.context, str(step.result), draft)
            draft["start"], draft["end"] = start.isoformat(), end.isoformat()
            draft["repeat"] = _repeat_to_json(repeat)  # a series' range checked against it
        who = turn_sender(step.context).requester
        if who is None:
            return await step.end_dialog()
        command = MeetCommand(
            subject=draft["subject"],
            start=datetime.fromisoformat(draft["start"]).astimezone(who.zone),
            end=datetime.fromisoformat(draft["end"]).astimezone(who.zone),
            attendees=tuple(draft.get("attendees") or ()),
            reminder=reminder_from_options(draft),
            optional=tuple(draft.get("optional") or ()),
            places=tuple(draft.get("places") or ()),
            room=draft.get("room"),
            agenda=draft.get("agenda"),
            optional_mentions=tuple(draft.get("optional_mentions") or ()),
            repeat=repeat_from_options(draft),
        )
        names: dict[str, str] = draft.get("names") or {}
        await self._flow.schedule(command, who, lambda card: _send(step.context, card), names=names)
        return await step.end_dialog()

    def _resolve(
        self, context: TurnContext, text: str, draft: dict[str, Any]
    ) -> tuple[datetime, datetime, Repeat | None]:
        result = self._parse_time(context, text, draft)
        if isinstance(result, ParseError):  # the validator accepted it a moment ago
            raise ValueError(f"time answer no longer parses: {result}")
        return result

    def _parse_time(
        self, context: TurnContext, text: str, draft: dict[str, Any]
    ) -> tuple[datetime, datetime, Repeat | None] | ParseError:
        """`draft` carries what the first line said: a duration, maybe the day, and for a
        series its repeat (checked again against the first occurrence the answer gives)."""
        duration_s, day = draft.get("duration_s"), draft.get("day")
        now, locale = turn_sender(context).now, context.activity.locale
        duration = timedelta(seconds=duration_s) if duration_s else None
        first_day = date.fromisoformat(day) if day else None
        repeat = repeat_from_options(draft)
        if repeat is not None:
            return parse_series_when(
                text.strip(), now, repeat, locale=locale, duration=duration, day=first_day
            )
        times = parse_when(text.strip(), now, locale=locale, duration=duration, day=first_day)
        return times if isinstance(times, ParseError) else (*times, None)

    async def _valid_subject(self, prompt: PromptValidatorContext) -> bool:
        text = clean(prompt.recognized.value or "") if prompt.recognized.succeeded else ""
        return 0 < len(text) <= MAX_SUBJECT

    async def _valid_time(self, prompt: PromptValidatorContext) -> bool:
        text = prompt.recognized.value or "" if prompt.recognized.succeeded else ""
        validations: dict[str, Any] = prompt.options.validations or {}
        result = self._parse_time(prompt.context, text, validations)
        if not isinstance(result, ParseError):
            return True
        catalog = _catalog(prompt.context)
        reason = parse_error_text(result, catalog)
        prompt.options.retry_prompt = MessageFactory.text(
            f"{catalog.reprompt_prefix} {reason}\n\n{validations.get('ask', '')}".strip()
        )
        return False


def _catalog(context: TurnContext) -> Catalog:
    return catalog_for(context.activity.locale)


async def _send(context: TurnContext, card: dict[str, Any]) -> None:
    await context.send_activity(MessageFactory.attachment(card_attachment(card)))
