"""A `meet` line's agenda: the text after `agenda:` (`议程：`), or the lines after the first.

    meet Q3 review tomorrow 3pm agenda: review the Q3 numbers
    meet Q3 review tomorrow 3pm
    Review the Q3 numbers
    Plan Q4

The agenda is free text and runs to the end of the message, so it is taken out before any
other clause is read: a "with" or a time inside it stays agenda. Its line breaks are kept
(`bot.graph.request` writes them as `<br>`); every line is cleaned as subjects are.
"""

from __future__ import annotations

import re

from bot.commands.text import Message
from cards.text import clean

_KEYWORD = re.compile(r"(?:(?<!\S)agenda\s*[:：]|议程\s*[:：])", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> tuple[str, str | None]:
    """The first line of `text` and the agenda the lines after it hold (None: none)."""
    first, *rest = _LINE_BREAK.split(text.strip(), maxsplit=1)
    if not rest:
        return first, None
    # The lines are as typed: a mention is still `<at>Name</at>`, and becomes the name.
    lines = [_typed(line) for line in _LINE_BREAK.split(rest[0])]
    return first, agenda_text("\n".join(lines))


def split_agenda(body: str, message: Message) -> tuple[str, str | None]:
    """Take `agenda: ...` off `body` (a part of `message.body`): the rest and the agenda."""
    found = _KEYWORD.search(body)
    if found is None:
        return body, None
    return body[: found.start()].rstrip(), agenda_text(message.restore(body[found.end() :]))


def agenda_text(text: str) -> str | None:
    """`text` as an agenda: each line cleaned and trimmed, blank lines at either end dropped."""
    lines = [clean(line) for line in _LINE_BREAK.split(text)]
    return "\n".join(lines).strip("\n") or None


def _typed(line: str) -> str:
    message = Message.of(line)
    return message.restore(message.body)
