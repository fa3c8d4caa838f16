"""What the router worked out about a turn's sender, kept in the turn state for the flows.

The router reads the sender's clock and identity once per turn (`TurnSender`) and puts them in
`TurnContext.turn_state`; a dialog that continues on a later turn reads them from there, so
every part of a turn (the parser, the dialogs, the cards) works with the same `now` and the
same `Requester`, and no flow calls back into the router.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from botbuilder.core import TurnContext

from dialogs.meet import Requester

_KEY = "meetbot.sender"


@dataclass(frozen=True, slots=True)
class TurnSender:
    now: datetime  # aware, in the sender's zone
    requester: Requester | None  # None: no calendar Meetbot may act on for this sender


def keep_turn_sender(context: TurnContext, sender: TurnSender) -> None:
    context.turn_state[_KEY] = sender


def turn_sender(context: TurnContext) -> TurnSender:
    """The sender of this turn, as the router kept it (`keep_turn_sender`)."""
    sender: TurnSender = context.turn_state[_KEY]
    return sender
