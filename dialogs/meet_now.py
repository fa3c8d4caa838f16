"""`meet now`, with the thread's memory of the meeting it is running.

In a shared thread (a channel or group chat) whose meet-now meeting is still running, a second
`meet now` answers with that meeting again instead of making another. The memory is part of the
conversation's state, so it is shared by the thread's members and saved with the turn.
A redelivered activity still goes to createOrGet: its externalId gets the same meeting from
Graph, which stays the source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botbuilder.core import StatePropertyAccessor, TurnContext

from bot.commands import MeetNowCommand
from bot.graph.models import OnlineMeeting
from bot.graph.request import Participant
from dialogs.meet import MeetingFlow, Requester


class MeetNowFlow:
    def __init__(self, meetings: MeetingFlow, running: StatePropertyAccessor) -> None:
        """`running`: the conversation-state property that holds the running meeting."""
        self._meetings = meetings
        self._running = running

    async def card(
        self,
        context: TurnContext,
        command: MeetNowCommand,
        who: Requester,
        *,
        now: datetime,
        shared: bool,
        participants: Sequence[Participant] = (),
    ) -> dict[str, Any]:
        """The meet-now card; `participants` are invited when the meeting is made (a running
        one is answered as it is)."""
        activity_id = context.activity.id
        running: dict[str, Any] | None = await self._running.get(context, lambda: None)
        if (
            shared
            and running
            and running.get("activity") != activity_id
            and datetime.fromisoformat(running["end"]) > now
        ):
            known = OnlineMeeting.model_validate(running["meeting"])
            return self._meetings.meeting_now_card(known, who, note=who.catalog.already_running)
        card, made = await self._meetings.meet_now(command, who, participants)
        if made is not None and made.end_date_time is not None:
            await self._running.set(
                context,
                {
                    "meeting": made.model_dump(mode="json", by_alias=True),
                    "end": made.end_date_time.isoformat(),
                    "activity": activity_id,
                },
            )
        return card
