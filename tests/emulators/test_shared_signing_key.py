"""One signing key across processes: a Graph emulator and a token service started apart with
the same `--signing-key` file, and the service's user tokens are good for that Graph."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from emulators.graph.identity import TokenKey, delegated_token
from emulators.token_service import DEFAULT_SCOPES, DEFAULT_TENANT
from tests.processes import read_until, start

USER = "29:1teams-user-id"
OID = "64339082-ed84-4b0b-b4ab-004ae54f3747"
QUERY = {"userId": USER, "connectionName": "graph", "channelId": "msteams"}


async def _started(
    args: list[str], tmp_path: Path, marker: str
) -> tuple[asyncio.subprocess.Process, str]:
    process = await start(args, tmp_path)
    assert process.stdout is not None
    line = await asyncio.wait_for(read_until(process.stdout, marker, []), 30)
    return process, line


async def test_a_graph_emulator_and_a_token_service_apart_share_one_key(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "signing.pem"  # neither has made it yet: both start at once
    (graph, graph_line), (tokens, tokens_line) = await asyncio.gather(
        _started(
            ["graph-emulator", "--port", "0", "--signing-key", str(key_file)],
            tmp_path,
            "GRAPH_BASE_URL=",
        ),
        _started(
            ["token-service", "--port", "0", "--signing-key", str(key_file)],
            tmp_path,
            "listening on",
        ),
    )
    try:
        graph_url = graph_line.split("GRAPH_BASE_URL=", 1)[1].split()[0]
        cert = graph_line.rsplit("certificate: ", 1)[1].rstrip(")")
        tokens_url = tokens_line.split("listening on ", 1)[1].split()[0]
        async with httpx.AsyncClient(base_url=tokens_url) as http:
            sso = (
                await http.post("/_emulator/sso-token", json={"userId": USER, "aadObjectId": OID})
            ).json()["token"]
            exchanged = await http.post(
                "/api/usertoken/exchange", params=QUERY, json={"token": sso}
            )
            service_keys = (await http.get(f"/{DEFAULT_TENANT}/discovery/v2.0/keys")).json()
        user_token = exchanged.json()["token"]
        # The same token, signed by a key of its own: Graph refuses it.
        forged = delegated_token(TokenKey.generate(), OID, DEFAULT_TENANT, DEFAULT_SCOPES)
        verify = ssl.create_default_context(cafile=cert)
        async with httpx.AsyncClient(base_url=graph_url, verify=verify) as http:
            calendar = await http.get(
                "/me/calendar", headers={"Authorization": f"Bearer {user_token}"}
            )
            refused = await http.get("/me/calendar", headers={"Authorization": f"Bearer {forged}"})
            graph_keys = (
                await http.get(
                    graph_url.removesuffix("/v1.0") + f"/{DEFAULT_TENANT}/discovery/v2.0/keys"
                )
            ).json()
    finally:
        for process in (graph, tokens):
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)
    assert exchanged.status_code == 200
    assert calendar.status_code == 200
    assert calendar.json()["@odata.context"].endswith(f"#users('{OID}')/calendar/$entity")
    assert refused.status_code == 401
    assert service_keys == graph_keys  # one key, one kid, published by both
    assert key_file.stat().st_mode & 0o077 == 0  # the private key is this user's alone
    assert [p.name for p in key_file.parent.iterdir()] == ["signing.pem"]


def test_a_shared_key_is_the_same_key_and_kid_each_time_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    made = TokenKey.shared(path)
    again = TokenKey.shared(path)
    assert made.kid == again.kid
    assert made.private_key.private_numbers() == again.private_key.private_numbers()
    assert isinstance(made.private_key, rsa.RSAPrivateKey)


def test_a_file_that_holds_no_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    path.write_text("not a key\n")
    with pytest.raises(ValueError, match="no unencrypted PEM private key"):
        TokenKey.shared(path)


async def test_an_unusable_key_file_stops_the_emulator_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    path.write_text("not a key\n")
    process = await start(["graph-emulator", "--port", "0", "--signing-key", str(path)], tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    [line] = stderr.decode().splitlines()
    expected = "the file holds no unencrypted PEM private key"
    assert line == f"meetbot: cannot start: --signing-key {path}: {expected}"
