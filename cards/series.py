"""The question a change to a recurring meeting asks back: only this one, or the whole series?

One sentence (a catalog question quoting the subject and the occurrence's time) and a button
per answer, each an Action.Submit carrying a `cards.actions` payload: `MoveMeeting` for a move,
`CancelMeeting` (with `confirm` true on the cancelling ones) for a cancel, where the question
is the confirmation too.

Two answers sit side by side in the card's actions. More are stacked, one ActionSet each in
the body: Teams lays a card's actions out in one row and cuts every title in it with an
ellipsis once they do not fit, and three titles that say what they do (Cancel only this one,
Cancel the whole series, Keep it) do not fit a phone-width card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from microsoft_teams.cards import ActionSet, CardElement, SubmitAction, TextBlock

from cards.actions import CancelMeeting, MoveMeeting
from cards.schema import dump_card, new_card
from cards.text import display_text

SIDE_BY_SIDE = 2  # answers that fit in one row of buttons at a phone's width


@dataclass(frozen=True, slots=True)
class Choice:
    title: str  # a catalog word
    action: MoveMeeting | CancelMeeting
    destructive: bool = False  # a cancel: Teams shows the button in red


def series_choice_card(question: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """`question` (plain text, escaped) with one button per choice, as AC 1.5 JSON: side by
    side, or stacked under the question when there are more than `SIDE_BY_SIDE`."""
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
    body: list[CardElement] = [TextBlock(text=display_text(question), wrap=True)]
    if len(actions) <= SIDE_BY_SIDE:
        return dump_card(new_card(body, actions))
    body += [ActionSet(actions=[action], spacing="Small") for action in actions]
    return dump_card(new_card(body))
