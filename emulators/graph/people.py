"""The emulated tenant's people: the mailboxes the Graph emulator knows by name.

Any user id reaches a mailbox, as on a tenant of any size, and most get a made-up name and
address (`UserConfig.name_for`). These six have real ones. They are also the mock users of the
Microsoft 365 Agents Playground (`.m365agentsplayground.yml` at the root of the clone, written
from this list by `python -m tests.playground.config`), so in a local chat the sender is a
person the emulator knows and an @mention resolves, through the Playground's roster, to one
of their addresses.

A person's object id is derived from their address the way the emulator derives one for the
organizer of a seeded meeting (`events._other_organizer`): the same person, whichever way in.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    given_name: str
    surname: str
    email: str  # also their user principal name
    teams_id: str  # their Teams user id (`from.id`) in the Playground's chats

    @property
    def aad_object_id(self) -> str:
        return object_id_for(self.email)


def object_id_for(address: str) -> str:
    """The stable made-up Entra object id of the person at `address`."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{address.lower()}"))


def _person(given_name: str, surname: str, alias: str) -> Person:
    return Person(
        name=f"{given_name} {surname}",
        given_name=given_name,
        surname=surname,
        email=f"{alias}@contoso.com",
        teams_id=f"29:{alias}",
    )


# The Playground's signed-in user first, then the five others it puts in every chat and team.
PEOPLE = (
    _person("Alex", "Wilber", "alexw"),
    _person("Megan", "Bowen", "meganb"),
    _person("Adele", "Vance", "adelev"),
    _person("Isaiah", "Langer", "isaiahl"),
    _person("Patti", "Fernandez", "pattif"),
    _person("Lynne", "Robbins", "lynner"),
)
_BY_ID = {key: p for p in PEOPLE for key in (p.aad_object_id, p.email.lower())}


@functools.lru_cache(maxsize=4096)
def person(user_id: str) -> Person | None:
    """The person a Graph user id (object id or UPN, any case) names, if one of `PEOPLE`."""
    # Cached: every rendered event names its organizer.
    return _BY_ID.get(user_id.lower())
