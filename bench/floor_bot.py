"""The floor: the network and disk work of one `meet`, with no framework and no features.

What `bench/compare.py --floor` measures beside Meetbot, to tell what its CPU per `meet` is
made of: this machine's cost of the I/O a `meet` needs, and what Meetbot's layers (botbuilder,
httpx, the parser, cards, reminders, state, logs) add on top. Per message it does
what Meetbot does on the wire and on disk, and nothing else:

1. reads the activity POSTed to /api/messages (aiohttp, orjson);
2. creates an online event: one POST over TLS to the Graph emulator, with a bearer token from
   msal (fetched once, as Meetbot caches it);
3. records the meeting in SQLite (WAL, synchronous=FULL) in one transaction on a thread of its
   own, so the loop never waits on the disk;
4. replies to the conversation through the Bot Connector emulator (a small Adaptive Card);
5. answers the POST 201.

It checks nothing, has no retries, no state, no dialogs, no reminders and no logs: it is not a
bot anyone should run, only a measuring stick.

    GRAPH_BASE_URL=https://127.0.0.1:PORT/v1.0 python bench/floor_bot.py

It prints `floor listening on http://127.0.0.1:PORT/api/messages` once it serves, and stops on
SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sqlite3
import ssl
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import orjson
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import run_loop, serve_until_stopped  # noqa: E402 (after the path is set)
from bot.graph.auth import MsalTokenProvider  # noqa: E402
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, default_cert_path  # noqa: E402

EVENT = orjson.dumps(
    {
        "subject": "Design review",
        "start": {"dateTime": "2026-11-22T15:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-22T15:45:00", "timeZone": "UTC"},
        "attendees": [],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
)


class Disk:
    """One SQLite connection, used by one thread: a durable write per meeting."""

    def __init__(self, path: Path) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="floor-sqlite")
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE meetings (activity_id TEXT PRIMARY KEY, event_id TEXT)")

    def _write(self, activity_id: str, event_id: str) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("INSERT OR REPLACE INTO meetings VALUES (?, ?)", (activity_id, event_id))
        self._db.execute("COMMIT")

    async def write(self, activity_id: str, event_id: str) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._pool, self._write, activity_id, event_id)


async def main() -> int:
    graph = os.environ["GRAPH_BASE_URL"].rstrip("/")
    ca_file = default_cert_path(urlsplit(graph).port or 443)
    tokens = MsalTokenProvider(
        client_id=LOCAL_CLIENT_ID,
        client_secret=LOCAL_CLIENT_SECRET,
        authority=f"{graph.removesuffix('/v1.0')}/local",
        verify=str(ca_file),
        local_authority=True,
    )
    token = await tokens.token()
    disk = Disk(Path(tempfile.mkdtemp(prefix="meetbot-floor-")) / "floor.db")
    tls = ssl.create_default_context(cafile=str(ca_file))
    to_graph = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls, limit=100))
    to_connector = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

    async def messages(request: web.Request) -> web.Response:
        activity = orjson.loads(await request.read())
        conversation = activity["conversation"]["id"]
        async with to_graph.post(
            f"{graph}/users/{activity['from']['aadObjectId']}/events",
            data=EVENT,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        ) as answer:
            event = orjson.loads(await answer.read())
        await disk.write(activity["id"], event["id"])
        card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": event["subject"]}]}
        reply = {
            "type": "message",
            "replyToId": activity["id"],
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
        service = activity["serviceUrl"].rstrip("/")
        async with to_connector.post(
            f"{service}/v3/conversations/{conversation}/activities/{activity['id']}",
            data=orjson.dumps(reply),
            headers={"Content-Type": "application/json"},
        ) as answer:
            await answer.read()
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return await serve_until_stopped(app, "127.0.0.1", 0, "floor", "/api/messages")


if __name__ == "__main__":
    run_loop(main())
