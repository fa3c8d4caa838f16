"""The connector's reply and send URLs: exactly what msrest's `format_url` writes."""

from __future__ import annotations

from typing import Any

from botframework.connector.aio import ConnectorClient
from hypothesis import given
from hypothesis import strategies as st
from msrest.authentication import BasicTokenAuthentication

from bot.teams.connector import _format_url, _segment

REPLY = "/v3/conversations/{conversationId}/activities/{activityId}"
SEND = "/v3/conversations/{conversationId}/activities"


def _client(base: str) -> Any:
    """The msrest service client under a `ConnectorClient`, as `Conversations` holds it."""
    connector = ConnectorClient(BasicTokenAuthentication({"access_token": "x"}), base_url=base)
    return connector._client


BASES = [
    "https://smba.trafficmanager.net/amer/",
    "https://smba.trafficmanager.net/amer",
    "http://127.0.0.1:3979",
    "https://connector.example/teams/emea/",
    "https://connector.example/a?b=c",  # a query: msrest's way
    "https://connector.example/a#frag",
]
IDS = st.one_of(
    st.sampled_from(
        ["a:1", "19:abc@thread.tacv2;messageid=1702", ".", "..", "...", "a/b", "%2F", "x y"]
    ),
    st.text(min_size=1, max_size=20),
)


@given(base=st.sampled_from(BASES), conversation=IDS, activity=IDS)
def test_the_fast_join_writes_msrests_url(base: str, conversation: str, activity: str) -> None:
    client = _client(base)
    for template, path in (
        (
            REPLY,
            {"conversationId": _segment("c", conversation), "activityId": _segment("a", activity)},
        ),
        (SEND, {"conversationId": _segment("c", conversation)}),
    ):
        assert _format_url(client, template, path) == client.format_url(template, **path)
