"""`meetbot run` in delegated local mode, as a real process: beside its Graph emulator it starts
a token service stand-in of its own, whose users' tokens that Graph emulator accepts."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.processes import read_until, start_bot, stop

DELEGATED = {"GRAPH_PERMISSIONS": "delegated", "OAUTH_CONNECTION_NAME": "graph"}
USER = "29:1teams-user-id"
OID = "64339082-ed84-4b0b-b4ab-004ae54f3747"
_STAND_IN = re.compile(
    r"token service stand-in at (\S+) \(OAUTH_URL\).* Graph emulator at (\S+)\.$"
)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as file:
        return [int(child) for child in file.read().split()]


def _running(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


async def test_delegated_local_mode_starts_a_token_service_wired_to_its_graph(
    tmp_path: Path,
) -> None:
    (tmp_path / "tmp").mkdir()
    process, _ = await start_bot(tmp_path, TMPDIR=str(tmp_path / "tmp"), **DELEGATED)
    assert process.stderr is not None
    try:
        seen: list[str] = []
        line = await asyncio.wait_for(read_until(process.stderr, "stand-in", seen), 10)
        match = _STAND_IN.search(json.loads(line)["message"])
        assert match is not None, line
        tokens_url, graph_url = match.groups()
        children = _children(process.pid)
        assert len(children) == 2  # the Graph emulator and the token service
        [keys_dir] = (tmp_path / "tmp").iterdir()  # the run's own: the one signing key
        assert [p.name for p in keys_dir.iterdir()] == ["signing-key.pem"]
        async with httpx.AsyncClient(base_url=tokens_url) as http:
            sso = (
                await http.post("/_emulator/sso-token", json={"userId": USER, "aadObjectId": OID})
            ).json()["token"]
            query = {"userId": USER, "connectionName": "graph", "channelId": "msteams"}
            exchanged = await http.post(
                "/api/usertoken/exchange", params=query, json={"token": sso}
            )
        port = urlsplit(graph_url).port
        assert port is not None
        # Where the child left its certificate: under the XDG_CACHE_HOME the test gave it.
        cert = tmp_path / "cache" / "meetbot" / f"graph-emulator-{port}.pem"
        verify = ssl.create_default_context(cafile=cert)
        async with httpx.AsyncClient(base_url=graph_url, verify=verify) as http:
            token = exchanged.json()["token"]
            calendar = await http.get("/me/calendar", headers={"Authorization": f"Bearer {token}"})
    finally:
        await stop(process)
    assert exchanged.status_code == 200
    assert calendar.status_code == 200
    assert calendar.json()["@odata.context"].endswith(f"#users('{OID}')/calendar/$entity")
    assert list((tmp_path / "tmp").iterdir()) == []  # the key went with the run
    assert _running(children) == []  # both children ended with the bot


async def test_with_oauth_url_set_no_token_service_is_started(tmp_path: Path) -> None:
    process, _ = await start_bot(tmp_path, OAUTH_URL="http://127.0.0.1:9/", **DELEGATED)
    try:
        assert len(_children(process.pid)) == 1  # the Graph emulator alone
    finally:
        await stop(process)
    assert process.stderr is not None
    assert b"stand-in" not in await process.stderr.read()


async def test_application_local_mode_starts_no_token_service(tmp_path: Path) -> None:
    process, _ = await start_bot(tmp_path)
    try:
        assert len(_children(process.pid)) == 1
    finally:
        await stop(process)
