"""The question a change to a recurring meeting asks back: only this one, or the whole series?

One sentence (a catalog question quoting the subject and the occurrence's time) and a button
per answer, each an Action.Submit carrying a `cards.actions` payload: `MoveMeeting` for a move,
`CancelMeeting` (with `confirm` true on the cancelling ones) for a cancel, where the question
is the confirmation too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from microsoft_teams.cards import SubmitAction, TextBlock

from cards.actions import CancelMeeting, MoveMeeting
from cards.schema import dump_card, new_card
from cards.text import display_text


@dataclass(frozen=True, slots=True)
class Choice:
    title: str  # a catalog word
    action: MoveMeeting | CancelMeeting
    destructive: bool = False  # a cancel: Teams shows the button in red


def series_choice_card(question: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """`question` (plain text, escaped) with one button per choice, as AC 1.5 JSON."""
    if not choices:
        raise ValueError("a question needs answers")
    actions = [
        SubmitAction(
            title=choice.title,
            style="destructive" if choice.destructive else None,
            data=choice.action.data(),
        )
        for choice in choices
    ]
    return dump_card(new_card([TextBlock(text=display_text(question), wrap=True)], actions))
