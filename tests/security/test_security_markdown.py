"""User text in what the bot sends cannot become links or formatting, end to end.

Subjects typed in chat, and subjects on events other people put on the user's calendar, go
through /api/messages into real cards; every TextBlock and fact of those cards is rendered with
markdown-it as Teams' web client configures it (tests/render/page.js: no raw HTML, no
autolinks), and the subject must come out as the same literal text inside plain paragraphs.
Text messages that quote user input are marked `textFormat: plain`.

markdown-it runs in Node from tests/js/node_modules: without it these tests are skipped on a
developer's machine and fail in CI (`CI` set), like the render tests.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cards.text import clean
from tests import outside
from tests.cards.helpers import walk
from tests.conftest import Post, RunningConnector, RunningGraph
from tests.e2e.test_meet import sent_cards
from tests.factories import BOT_ID, USER_AAD_ID, make_message, new_conversation_id

LA = ZoneInfo("America/Los_Angeles")
JS = Path(__file__).resolve().parents[1] / "js"

HOSTILE_SUBJECTS = [
    "[click](https://evil.example)",
    "[click][1] and [1]: https://evil.example",
    "<https://evil.example/login>",
    "![pixel](https://evil.example/p.png)",
    "**x**",
    "__x__ and _y_ and *z*",
    "`code` and ~~gone~~",
    "# Heading",
    "> quoted",
    "- item",
    "1. item",
    "<at>Adele</at>",
    "<at>",
    "<b>bold</b> <script>alert(1)</script>",
    "&lt;b&gt; &amp; &#x41; x",
    "{{DATE(2026-12-01T00:00:00Z, SHORT)}}",
    "a\\*b\\\\",
    "x | y | z",
]

_RENDER = """
import { createRequire } from 'node:module';
const require = createRequire(process.argv[1]);
const MarkdownIt = require('markdown-it');
// As tests/render/page.js configures it for Teams: no raw HTML, no autolinks.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map((text) => md.render(text))));
});
"""
_TAG = re.compile(r"<(/?)([a-z0-9]+)([^>]*)>")


async def rendered(texts: list[str]) -> list[str]:
    """Each markdown text as HTML, by markdown-it."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "markdown-it").is_dir():
        outside.missing("the markdown tests", "needs Node and `npm ci --prefix tests/js`")
    process = await asyncio.create_subprocess_exec(
        node,
        "--input-type=module",
        "-e",
        _RENDER,
        str(JS / "package.json"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate(json.dumps(texts).encode())
    assert process.returncode == 0
    result: list[str] = json.loads(out)
    return result


def markdown_texts(card: dict[str, Any]) -> list[str]:
    """Every string of the card that Teams renders as markdown: TextBlock text and facts."""
    texts = []
    for node in walk(card):
        if node.get("type") == "TextBlock":
            texts.append(node["text"])
        elif node.get("type") == "FactSet":
            texts += [part for fact in node["facts"] for part in (fact["title"], fact["value"])]
    return texts


async def assert_literal(card: dict[str, Any], subject: str) -> None:
    """The card renders to paragraphs and the bot's own links only (Join's dial-in `tel:`
    links, the local-numbers page), and one paragraph shows `subject` as typed."""
    texts = markdown_texts(card)
    assert not any("{{" in text for text in texts)  # no Adaptive Card DATE()/TIME() function
    shown = []
    for source, output in zip(texts, await rendered(texts), strict=True):
        for _closing, tag, attributes in _TAG.findall(output):
            assert tag in ("p", "br", "a"), f"{source!r} rendered as {output!r}"
            assert "evil" not in attributes, f"{source!r} rendered as {output!r}"
        shown.append(html.unescape(_TAG.sub("", output)))
    expected = clean(subject)
    assert any(expected in line for line in shown), (expected, shown)


async def test_subjects_typed_in_chat_are_literal_on_the_meeting_card(
    post: Post, connector: RunningConnector
) -> None:
    for subject in HOSTILE_SUBJECTS:
        conversation = new_conversation_id()
        activity = make_message(
            f"meet {subject} tomorrow 3pm",
            service_url=connector.url,
            conversation_id=conversation,
            local_now=datetime.now(LA),
        )
        await post(activity)
        [card] = sent_cards(connector, conversation)
        await assert_literal(card, subject.replace("<at>Adele</at>", "Adele"))


async def test_subjects_on_events_others_made_are_literal_on_agenda_and_confirm_cards(
    post: Post, graph: RunningGraph, connector: RunningConnector
) -> None:
    start = datetime.now(LA).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for offset, subject in enumerate(HOSTILE_SUBJECTS):
        at = start + timedelta(minutes=10 * offset)
        graph.emulator.seed_event(
            USER_AAD_ID,
            {
                "subject": f"zq{offset} {subject}",
                "start": {"dateTime": at.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                "end": {
                    "dateTime": (at + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": "UTC",
                },
            },
        )
    conversation = new_conversation_id()

    async def ask(text: str) -> dict[str, Any]:
        await post(make_message(text, service_url=connector.url, conversation_id=conversation))
        return sent_cards(connector, conversation)[-1]

    agenda = await ask("upcoming")
    listed = 5  # the agenda lists the first few
    for offset, subject in enumerate(HOSTILE_SUBJECTS[:listed]):
        await assert_literal(agenda, f"zq{offset} {subject}")
    for offset, subject in enumerate(HOSTILE_SUBJECTS):
        confirm = await ask(f"cancel meeting zq{offset}")
        await assert_literal(confirm, f"zq{offset} {subject}")


async def test_texts_that_quote_user_input_are_plain_text(
    post: Post, connector: RunningConnector
) -> None:
    channel = "19:general@thread.tacv2;messageid=1700000000999"
    link = "[sign in again](https://evil.example)"
    mention = make_message(
        f"<at>Meetbot</at> meet Retro tomorrow 4pm with <at>{link}</at>",
        service_url=connector.url,
        conversation_id=channel,
    )
    mention["conversation"]["conversationType"] = "channel"
    mention["entities"] += [
        {"type": "mention", "text": "<at>Meetbot</at>", "mentioned": {"id": BOT_ID}},
        {"type": "mention", "text": f"<at>{link}</at>", "mentioned": {"id": "29:x"}},
    ]
    conversation = new_conversation_id()
    for activity in (
        mention,
        make_message(f"meet Sync tomorrow {link}", service_url=connector.url,
                     conversation_id=conversation),
        make_message(f"meet {link}", service_url=connector.url, conversation_id=conversation),
        make_message(f"{link} now", service_url=connector.url, conversation_id=conversation),
    ):  # fmt: skip
        assert (await post(activity)).status_code in (200, 201)

    texts = [
        call.body
        for call in connector.emulator.activities()
        if call.body.get("type") == "message" and call.body.get("text")
    ]
    quoting = [body for body in texts if "evil.example" in body["text"]]
    assert len(quoting) >= 3  # the mention's name, the time, the subject in "When?"
    assert all(body.get("textFormat") == "plain" for body in texts), texts
