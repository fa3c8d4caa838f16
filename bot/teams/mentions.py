"""@mentions in Teams messages: the bot's own (stripped) and people's (resolved to emails).

A mention arrives twice: as `<at>Name</at>` in the text and as a `mention` entity holding the
member id. Attendees mentioned by name are looked up in the roster (`TeamsInfo.get_member`,
the connector's `/members/{id}`) for their email or UPN.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from bot.commands import IncompleteMeet, MeetCommand, MeetNowCommand
from bot.graph.request import Participant
from cards.text import clean

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MentionEntity:
    member_id: str
    text: str  # as it stands in the message, "<at>Adele Vance</at>"


def mention_entities(activity: Activity) -> list[MentionEntity]:
    found = []
    for entity in activity.entities or []:
        if (entity.type or "").lower() != "mention":
            continue
        props: dict[str, Any] = entity.additional_properties or {}
        mentioned = props.get("mentioned")
        if not isinstance(mentioned, dict):
            continue
        member_id, text = mentioned.get("id"), props.get("text")
        if isinstance(member_id, str) and isinstance(text, str):
            found.append(MentionEntity(member_id, text))
    return found


def mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(m.member_id == bot_id for m in mention_entities(activity))


def text_without_bot_mention(activity: Activity) -> str:
    """The message text with the bot's own `<at>…</at>` removed (exactly, not by pattern),
    spaces collapsed; its line breaks stay (a `meet`'s further lines are its agenda)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in mention_entities(activity):
        if mention.member_id == bot_id:
            text = text.replace(mention.text, " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class Person:
    """A mentioned member as the roster knows them."""

    address: str  # email, else UPN
    name: str | None  # display name, for the invitation's `emailAddress.name`
    user_id: str | None  # Entra object id, for a meet-now participant's identity


async def resolve_mentions(
    turn_context: TurnContext, names: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Emails for the mentioned display names, and the names that could not be resolved."""
    people, unresolved = await resolve_people(turn_context, names)
    return [person.address for person in people], unresolved


async def resolve_people(
    turn_context: TurnContext, names: tuple[str, ...]
) -> tuple[list[Person], list[str]]:
    """The roster's entries for the mentioned display names, and the names not resolved."""
    activity = turn_context.activity
    bot_id = activity.recipient.id if activity.recipient else None
    by_name = {
        m.text.removeprefix("<at>").removesuffix("</at>").strip(): m.member_id
        for m in mention_entities(activity)
        if m.member_id != bot_id
    }
    people: list[Person] = []
    unresolved: list[str] = []
    for name in names:
        member_id = by_name.get(name.strip())
        person = await _member(turn_context, member_id, name) if member_id else None
        if person is not None:
            people.append(person)
        else:
            unresolved.append(name)
    return people, unresolved


async def _member(turn_context: TurnContext, member_id: str, mentioned: str) -> Person | None:
    try:
        member = await TeamsInfo.get_member(turn_context, member_id)
    except Exception as exc:  # the roster call failed or the member left: name it to the user
        log.info("could not resolve mention %s: %s", member_id, exc)
        return None
    email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
    if not email:
        return None
    # The roster's name goes into every invitation, cleaned as subjects are.
    name = clean(str(getattr(member, "name", None) or mentioned)) or None
    user_id = getattr(member, "aad_object_id", None)
    return Person(str(email), name, str(user_id) if user_id else None)


async def resolve_invited(
    turn_context: TurnContext, command: MeetCommand | IncompleteMeet
) -> tuple[MeetCommand | IncompleteMeet, dict[str, str], list[str]]:
    """`command` with its mentions resolved into required and optional addresses (someone
    named both ways is required), the roster's names by folded address, and the mentions no
    one answers to."""
    people, unresolved = await resolve_people(turn_context, command.mentions)
    optional_people, unresolved_optional = await resolve_people(
        turn_context, command.optional_mentions
    )
    attendees = with_mentioned(command.attendees, [p.address for p in people])
    taken = {address.casefold() for address in attendees}
    everyone_optional = with_mentioned(command.optional, [p.address for p in optional_people])
    resolved = dataclasses.replace(
        command,
        attendees=attendees,
        mentions=(),
        optional=tuple(a for a in everyone_optional if a.casefold() not in taken),
        optional_mentions=(),
    )
    names = {p.address.casefold(): p.name for p in (*people, *optional_people) if p.name}
    return resolved, names, [*unresolved, *unresolved_optional]


async def resolve_participants(
    turn_context: TurnContext, command: MeetNowCommand
) -> tuple[list[Participant], list[str]]:
    """A meet-now's attendees: the mentioned by their roster id, typed addresses by UPN; and
    the mentions no one answers to."""
    people, unresolved = await resolve_people(turn_context, command.mentions)
    found = [Participant(p.address, p.user_id) for p in people]
    known = {p.upn.casefold() for p in found}
    typed = [Participant(a) for a in command.attendees if a.casefold() not in known]
    return found + typed, unresolved


def with_mentioned(typed: tuple[str, ...], resolved: list[str]) -> tuple[str, ...]:
    """The typed addresses and the mentioned people's, each once (case-insensitive)."""
    seen: dict[str, str] = {}
    for address in (*typed, *resolved):
        seen.setdefault(address.casefold(), address)
    return tuple(seen.values())
