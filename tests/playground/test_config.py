"""The committed Playground configuration and the README's command, without a browser."""

from __future__ import annotations

import json
import shlex

from emulators.graph import GraphEmulatorConfig
from emulators.graph.people import PEOPLE
from tests.playground.config import CONFIG_FILE, render
from tests.playground.processes import JS_DIR


def test_the_committed_configuration_is_written_from_the_emulators_people() -> None:
    """Run `python -m tests.playground.config` after changing emulators/graph/people.py."""
    assert CONFIG_FILE.read_text(encoding="utf-8") == render()


def test_every_mock_user_is_one_of_the_emulators_people() -> None:
    text = render()
    assert f'tenantId: "{GraphEmulatorConfig().tenant_id}"' in text
    # The Playground's schema takes the signed-in user and exactly five others.
    assert len(PEOPLE) == 6 and text.count("aadObjectId:") == 6
    for person in PEOPLE:
        assert f'aadObjectId: "{person.aad_object_id}"' in text
        assert f'email: "{person.email}"' in text


def test_the_playground_command_uses_the_configuration_and_stays_offline() -> None:
    """`npm run --prefix tests/js playground` (run in tests/js) must find the file at the root
    of the clone, and turn off both kinds of reporting to Microsoft: the Playground's own
    telemetry, and the Application Insights SDK's usage reports ("statsbeat"), which otherwise
    look up westus-0.in.applicationinsights.azure.com and probe Azure's metadata address even
    with telemetry off."""
    package = json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))
    words = shlex.split(package["scripts"]["playground"])
    settings = dict(word.split("=", 1) for word in words if "=" in word and word[0].isupper())

    assert (JS_DIR / settings["M365_AGENTS_PLAYGROUND_CONFIG_PATH"]).resolve() == CONFIG_FILE
    assert settings["APPLICATION_INSIGHTS_NO_STATSBEAT"] == "true"
    assert "--disable-telemetry" in words
    assert words[words.index("--channel-id") + 1] == "msteams"
    assert package["dependencies"]["@microsoft/m365agentsplayground"] == "0.2.28"
