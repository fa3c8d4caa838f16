"""The `meet` dialog carries a line's reminder clause into the command it completes.

`draft_to_options` keeps the IncompleteMeet as plain JSON between turns (the dialog stack lives
in the store, across restarts); the reminder must survive that and reach `MeetingFlow.schedule`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus

from bot.commands import IncompleteMeet, MeetCommand, ReminderRequest, parse
from bot.i18n import catalog_for
from dialogs.meet import Reply, Requester
from dialogs.meet_dialog import (
    MEET_DIALOG,
    MeetDialog,
    draft_to_options,
    reminder_from_options,
)
from dialogs.turn import TurnSender, keep_turn_sender

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday
START = datetime(2026, 11, 19, 15, 0, tzinfo=LA)  # "tomorrow 3pm"


class _Flow:
    """Stands in for MeetingFlow: records what would have been scheduled."""

    def __init__(self) -> None:
        self.scheduled: list[MeetCommand] = []

    async def schedule(
        self,
        command: MeetCommand,
        who: Requester,
        reply: Reply,
        *,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.scheduled.append(command)
        await reply({"type": "AdaptiveCard", "version": "1.5", "body": []})


def _requester() -> Requester:
    return Requester("user", "conversation", "activity", LA, False, catalog_for("en-US"))


async def _converse(line: str, answers: list[str]) -> list[MeetCommand]:
    """Parse `line`, start the dialog with its draft (via JSON), then give `answers`."""
    draft = parse(line, NOW, locale="en-US")
    assert isinstance(draft, IncompleteMeet), draft
    options = json.loads(json.dumps(draft_to_options(draft)))  # as the store keeps it
    flow = _Flow()
    state = ConversationState(MemoryStorage())
    dialogs = DialogSet(state.create_property("DialogState"))
    dialogs.add(MeetDialog(flow))  # type: ignore[arg-type]

    async def turn(context: TurnContext) -> None:
        keep_turn_sender(context, TurnSender(now=NOW, requester=_requester()))
        dialog = await dialogs.create_context(context)
        result = await dialog.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog.begin_dialog(MEET_DIALOG, options)
        await state.save_changes(context)

    adapter = TestAdapter(turn)
    for text in ["meet", *answers]:
        await adapter.send(text)
    return flow.scheduled


@pytest.mark.parametrize(
    ("reminder"),
    [
        None,  # nothing said: the bot's default applies later
        ReminderRequest(None),  # no reminder
        ReminderRequest(timedelta(0)),  # at the start
        ReminderRequest(timedelta(minutes=5)),
        ReminderRequest(timedelta(hours=24)),
    ],
)
def test_the_reminder_survives_the_options_as_json(reminder: ReminderRequest | None) -> None:
    draft = IncompleteMeet("Sync", None, None, timedelta(minutes=45), reminder=reminder)
    options = json.loads(json.dumps(draft_to_options(draft)))
    assert reminder_from_options(options) == reminder


def test_options_saved_before_reminders_existed_have_none() -> None:
    assert reminder_from_options({"subject": "Sync", "start": None, "end": None}) is None


@pytest.mark.parametrize(
    ("line", "answers", "subject", "reminder"),
    [
        ("meet Sync remind 5m", ["tomorrow 3pm"], "Sync", ReminderRequest(timedelta(minutes=5))),
        ("meet Sync no reminder", ["tomorrow 3pm"], "Sync", ReminderRequest(None)),
        ("meet Sync", ["tomorrow 3pm"], "Sync", None),
        (
            "meet tomorrow 3pm remind me 1h before",
            ["Design review"],
            "Design review",
            ReminderRequest(timedelta(hours=1)),
        ),
        (
            "meet remind 10 minutes before",
            ["Design review", "tomorrow 3pm"],
            "Design review",
            ReminderRequest(timedelta(minutes=10)),
        ),
        ("会议 设计评审 不提醒", ["明天下午3点"], "设计评审", ReminderRequest(None)),
    ],
)
async def test_the_dialog_completes_the_command_with_its_reminder(
    line: str, answers: list[str], subject: str, reminder: ReminderRequest | None
) -> None:
    [command] = await _converse(line, answers)
    assert command == MeetCommand(
        subject, START, START + timedelta(minutes=30), (), reminder=reminder
    )
