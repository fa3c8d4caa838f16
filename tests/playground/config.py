"""The Agents Playground's configuration, written from the Graph emulator's people.

`.m365agentsplayground.yml` at the root of the clone is what `render()` returns; a test checks
the committed file still is, and this rewrites it after `emulators/graph/people.py` changes:

    .venv/bin/python -m tests.playground.config

The format is the Playground's own (schema 0.1.1, bundled in `@microsoft/m365agentsplayground`
0.2.28): a tenant, the bot, the signed-in user, exactly five other users (all in the group chat
and the team), one personal chat, one group chat, one team with at most one channel besides
General. Nothing else is allowed in the file: the schema has no time zone, locale or host, so
the zone comes from the Playground's process (see the header below).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from emulators.graph import GraphEmulatorConfig
from emulators.graph.people import PEOPLE, Person

CONFIG_FILE = Path(__file__).resolve().parents[2] / ".m365agentsplayground.yml"
BOT_ID = "28:meetbot-local"
BOT_NAME = "Meetbot"
PERSONAL_CHAT_ID = "a:meetbot-personal-chat"
GROUP_CHAT_ID = "19:meetbot-group-chat@thread.v2"
TEAM_ID = "19:meetbot-general@thread.tacv2"  # the team's General channel has the team's id
CHANNEL_ID = "19:meetbot-planning@thread.tacv2"
CHANNEL_NAME = "Planning"

HEADER = """\
# Microsoft 365 Agents Playground: mock data for talking to Meetbot in local mode (README,
# "Talking to the bot locally"). Written by `python -m tests.playground.config` from
# emulators/graph/people.py: edit that, not this file.
#
# The users are the Graph emulator's people, with the emulator's tenant id, so the meeting
# a user makes here is on that person's emulated calendar and an @mention resolves, through
# this roster, to an address the emulator knows.
#
# Time zone: this file has no place for one (the Playground's schema allows no other keys).
# The Playground sends the zone of its own process as each message's `localTimezone`: your
# machine's zone, or another with TZ, e.g. `TZ=Asia/Shanghai npm run --prefix tests/js playground`.
"""


def _user(person: Person, indent: str) -> list[str]:
    fields = {
        "id": person.teams_id,
        "name": person.name,
        "userPrincipleName": person.email,  # sic: the Playground's spelling
        "aadObjectId": person.aad_object_id,
        "givenName": person.given_name,
        "surname": person.surname,
        "email": person.email,
    }
    return [f"{indent}{key}: {_quoted(value)}" for key, value in fields.items()]


def _quoted(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar: no value can turn into a number or a key.
    return json.dumps(value)


def render() -> str:
    current, *others = PEOPLE
    lines = [
        HEADER,
        'version: "0.1.1"',
        f"tenantId: {_quoted(GraphEmulatorConfig().tenant_id)}",
        "bot:",
        f"  id: {_quoted(BOT_ID)}",
        f"  name: {_quoted(BOT_NAME)}",
        "currentUser:",
        *_user(current, "  "),
        "users:",
    ]
    for person in others:
        first, *rest = _user(person, "    ")
        lines += ["  - " + first.strip(), *rest]
    lines += [
        "personalChat:",
        f"  id: {_quoted(PERSONAL_CHAT_ID)}",
        "groupChat:",
        f"  id: {_quoted(GROUP_CHAT_ID)}",
        '  name: "Design review"',
        "team:",
        f"  id: {_quoted(TEAM_ID)}",
        '  name: "Design team"',
        f"  aadGroupId: {_quoted(_group_id())}",
        "  channels:",
        f"    - id: {_quoted(CHANNEL_ID)}",
        f"      name: {_quoted(CHANNEL_NAME)}",
    ]
    return "\n".join(lines) + "\n"


def _group_id() -> str:
    # Stable, and made the way the people's object ids are.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:design-team@contoso.com"))


if __name__ == "__main__":
    CONFIG_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {CONFIG_FILE}")
