"""The Graph emulator's quirks (`emulators.graph.quirks`), over HTTPS as a client sees them."""

from __future__ import annotations

import pytest

from emulators.graph import FaultError
from tests.emulators.test_graph_emulator import (  # the fixtures `env` and `identity` too
    USER,
    Env,
    env,
    identity,
    make_event,
)

IMMUTABLE = 'IdType="ImmutableId"'
MOVE = {
    "start": {"dateTime": "2019-11-20T15:00:00", "timeZone": "Pacific Standard Time"},
    "end": {"dateTime": "2019-11-20T16:00:00", "timeZone": "Pacific Standard Time"},
}
EVENTS = f"/users/{USER}/events"

__all__ = ["env", "identity"]  # fixtures, found by pytest in this module's namespace


async def test_not_online_creates_an_offline_event_until_a_patch_makes_it_online(env: Env) -> None:
    env.emulator.faults.inject(f"POST {EVENTS}", quirk="notOnline")
    token = await env.token()
    created = await env.graph("POST", EVENTS, token, json=make_event())
    again = await env.graph("POST", EVENTS, token, json=make_event(subject="second"))

    assert created.status_code == 201
    body = created.json()
    assert (body["isOnlineMeeting"], body["onlineMeetingProvider"], body["onlineMeeting"]) == (
        False,
        "unknown",
        None,
    )
    assert again.json()["isOnlineMeeting"] is True  # once: the next create is as asked
    read = await env.graph("GET", f"{EVENTS}/{body['id']}", token)
    assert read.json()["onlineMeeting"] is None
    patched = await env.graph(
        "PATCH",
        f"{EVENTS}/{body['id']}",
        token,
        json={"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"},
    )
    assert patched.json()["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/")
    [entry] = [r for r in env.emulator.requests if r.method == "POST" and r.status == 201][:1]
    assert entry.fault == "notOnline"


async def test_online_meeting_late_answers_without_it_and_a_read_has_it(env: Env) -> None:
    env.emulator.faults.inject(f"POST {EVENTS}", quirk="onlineMeetingLate", times=None)
    token = await env.token()
    created = (await env.graph("POST", EVENTS, token, json=make_event())).json()

    assert created["isOnlineMeeting"] is True and created["onlineMeeting"] is None
    assert created["onlineMeetingProvider"] == "teamsForBusiness"
    read = await env.graph(
        "GET", f"{EVENTS}/{created['id']}", token, params={"$select": "onlineMeeting"}
    )
    assert read.json()["onlineMeeting"]["joinUrl"]


async def test_with_mutable_ids_a_move_changes_the_rest_id_but_not_the_immutable_one(
    env: Env,
) -> None:
    env.emulator.configure_user(USER, mutable_ids=True)
    token = await env.token()
    first = (await env.graph("POST", EVENTS, token, json=make_event())).json()["id"]

    moved = await env.graph("PATCH", f"{EVENTS}/{first}", token, json=MOVE)
    rest_id = moved.json()["id"]
    assert rest_id != first
    assert (await env.graph("GET", f"{EVENTS}/{first}", token)).status_code == 404
    assert (await env.graph("GET", f"{EVENTS}/{rest_id}", token)).json()["id"] == rest_id
    immutable = await env.graph("GET", f"{EVENTS}/{first}", token, headers={"Prefer": IMMUTABLE})
    assert immutable.status_code == 200 and immutable.json()["id"] == first
    both = {"Prefer": f'outlook.timezone="UTC", {IMMUTABLE}'}
    listed = await env.graph("GET", EVENTS, token, headers=both)
    assert [e["id"] for e in listed.json()["value"]] == [first]
    assert listed.json()["value"][0]["start"]["timeZone"] == "UTC"

    # The owner moves it again in Outlook: the REST id changes once more.
    env.emulator.update_event(USER, first, MOVE)
    assert (await env.graph("GET", f"{EVENTS}/{rest_id}", token)).status_code == 404


async def test_without_mutable_ids_a_move_keeps_the_id(env: Env) -> None:
    token = await env.token()
    first = (await env.graph("POST", EVENTS, token, json=make_event())).json()["id"]
    moved = await env.graph("PATCH", f"{EVENTS}/{first}", token, json=MOVE)
    assert moved.json()["id"] == first


async def test_without_a_mailbox_outlook_answers_404_and_teams_still_works(env: Env) -> None:
    env.emulator.configure_user(USER, mailbox=False)
    token = await env.token()
    for method, path in [("GET", "/calendar"), ("POST", "/events"), ("GET", "/events")]:
        refused = await env.graph(method, f"/users/{USER}{path}", token, json=make_event())
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
        assert refused.json()["error"]["message"] == (
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
        )
    meeting = await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", token, json={"externalId": "x"}
    )
    assert meeting.status_code == 201


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        ("Forbidden", "No Application Access Policy found for this app."),
        ("General", "No application access policy found for this app."),
        (
            "Unauthorized",
            f"App meetbot-local is not authorized to Create meeting on behalf of user {USER}",
        ),
    ],
)
async def test_the_missing_access_policy_in_each_wording(
    env: Env, wording: str, message: str
) -> None:
    env.emulator.configure_user(USER, access_policy=False, access_policy_error=wording)
    refused = await env.graph(
        "POST", f"/users/{USER}/onlineMeetings/createOrGet", json={"externalId": "x"}
    )
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["message"]) == (
        wording,
        message,
    )


async def test_the_admin_api_sets_the_switches_and_refuses_bad_ones(env: Env) -> None:
    settings = {"mailbox": False, "mutableIds": True, "accessPolicyError": "General"}
    configured = await env.client.put(f"/_emulator/users/{USER}", json=settings)
    wrong = await env.client.put(f"/_emulator/users/{USER}", json={"accessPolicyError": "Nope"})
    quirk = await env.client.post(
        "/_emulator/faults", json={"route": f"POST {EVENTS}", "quirk": "notOnline", "times": None}
    )
    unknown = await env.client.post(
        "/_emulator/faults", json={"route": f"POST {EVENTS}", "quirk": "sometimes"}
    )
    after = await env.client.post(
        "/_emulator/faults", json={"route": f"POST {EVENTS}", "quirk": "notOnline", "after": True}
    )

    assert configured.status_code == 200
    assert {name: configured.json()[name] for name in settings} == settings
    assert wrong.status_code == 400
    assert quirk.status_code == 201 and quirk.json()["kind"] == "notOnline"
    assert quirk.json()["quirk"] == "notOnline" and quirk.json()["times"] is None
    assert unknown.status_code == 400 and "quirk must be one of" in unknown.text
    assert after.status_code == 400
    with pytest.raises(FaultError):
        env.emulator.faults.inject(f"POST {EVENTS}", quirk="notOnline", status=500)


async def test_the_admin_api_moves_an_event(env: Env) -> None:
    token = await env.token()
    event_id = (await env.graph("POST", EVENTS, token, json=make_event())).json()["id"]

    moved = await env.client.patch(f"/_emulator/users/{USER}/events/{event_id}", json=MOVE)
    missing = await env.client.patch(f"/_emulator/users/{USER}/events/nope", json=MOVE)
    bad = await env.client.patch(f"/_emulator/users/{USER}/events/{event_id}", content=b"[")
    backwards = {"start": MOVE["end"], "end": MOVE["start"]}
    refused = await env.client.patch(f"/_emulator/users/{USER}/events/{event_id}", json=backwards)

    assert moved.status_code == 200 and moved.json()["start"]["dateTime"].startswith(
        "2019-11-20T23:00:00"
    )
    assert missing.status_code == 404 and bad.status_code == 400
    assert refused.status_code == 400
