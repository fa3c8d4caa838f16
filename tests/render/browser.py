"""Headless Chromium with the render page: render a card, describe it, click it, screenshot it.

The page and its scripts are served by Playwright's request routing from this directory and
`tests/js/node_modules` under a made-up origin, so nothing listens on a socket and nothing
reaches the network (every other request is aborted).

Playwright's sync API runs on a thread of its own: on the thread that uses it, it leaves its
event loop marked as running, and every pytest-asyncio test after it in the session would fail
with "cannot be called from a running event loop".
"""

from __future__ import annotations

import io
import json
import mimetypes
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parent / "js" / "node_modules"
RENDERER = NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js"
MARKDOWN = NODE_MODULES / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js"
HOST_CONFIG = HERE / "teams-light-hostconfig.json"
ORIGIN = "http://render.meetbot.invalid"
PAGE_URL = f"{ORIGIN}/render/page.html"

DESKTOP = 440  # px: a Teams desktop chat card
MOBILE = 320  # px: a narrow phone
SCALE = 2  # device pixels per CSS pixel in screenshots
T = TypeVar("T")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--font-render-hinting=none",  # the same glyph shapes on every machine with the same fonts
)


class Missing(Exception):
    """Something the render tests need is not installed."""


def chromium_path() -> str:
    path = os.environ.get("MEETBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise Missing(f"no Chromium at {path} (apt-get install chromium, or set MEETBOT_CHROMIUM)")
    return path


def check_prerequisites() -> str:
    """The Chromium executable, after checking the renderer and Playwright are there."""
    for needed in (RENDERER, MARKDOWN):
        if not needed.is_file():
            raise Missing(f"{needed} is missing (run npm ci in tests/js)")
    try:
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError as exc:
        raise Missing(f"Python playwright is not importable: {exc}") from exc
    return chromium_path()


@dataclass(frozen=True)
class Rendered:
    """What the renderer made of a card: its parse/validation events and the DOM description
    from page.js `inspect()`, plus the actions recorded when its buttons were clicked."""

    source: dict[str, Any]  # the card JSON
    events: list[dict[str, Any]]
    dom: dict[str, Any]
    width: int
    executed: list[dict[str, Any]] = field(default_factory=list)
    after_clicks: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return str(self.dom["text"])


class Renderer:
    """Chromium with one render page; `render` replaces whatever card the page showed.

    One page, not one per width: Chromium throttles pages in the background, which makes
    Playwright's clicks there take seconds. Every call goes to the browser's own thread.
    """

    def __init__(self, executable: str) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._host_config = json.loads(HOST_CONFIG.read_text(encoding="utf-8"))
        self._errors: list[str] = []
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        try:
            self._call(self._start, executable)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self._call(self._stop)
        finally:
            self._thread.shutdown(wait=True)

    def render(self, card: dict[str, Any], width: int, *, click: bool = False) -> Rendered:
        """Render `card` at `width`; with `click`, then click every OpenUrl and ShowCard button
        (as a user would, through Playwright) and describe the card again."""
        return self._call(self._render, card, width, click)

    def submit(self, card: dict[str, Any], width: int = DESKTOP) -> list[dict[str, Any]]:
        """Render `card`, click each of its Action.Submit buttons through Playwright, and return
        what each one sent: its `data` merged with the inputs' values under their ids, which is
        what Teams posts to the bot as the activity's `value`."""
        return self._call(self._submit, card, width)

    def screenshot(
        self, card: dict[str, Any], path: Path, *, width: int = DESKTOP, open_cards: bool = False
    ) -> None:
        """A PNG of the card alone; with `open_cards`, after clicking its ShowCard buttons.

        Saved with a 256-colour palette: a card has few colours, so the picture stays the same
        (measured: no channel off by more than 2 of 255) at less than half the size."""
        png = self._call(self._screenshot, card, width, open_cards)
        with Image.open(io.BytesIO(png)) as image:
            palette = image.convert("RGB").quantize(
                colors=256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        palette.save(path, format="PNG", optimize=True)

    def text_width(self, text: str, *, size: int) -> float:
        """How wide `text` is in the card font at `size` px (canvas measurement)."""
        width = self._call(
            self._evaluate, "([text, size]) => meetbot.textWidth(text, size)", [text, size]
        )
        return float(width)

    def has_font(self, family: str) -> bool:
        """Whether Chromium has the font `family` (a system font, by name)."""
        return bool(self._call(self._evaluate, "family => meetbot.hasFont(family)", family))

    # -- on the browser's thread ----------------------------------------------------------------

    def _call(self, work: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(work, *args).result()

    def _start(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS)
        )
        context = self._browser.new_context(
            viewport={"width": DESKTOP + 200, "height": 900},
            device_scale_factor=SCALE,
            locale="en-US",
            timezone_id="America/Los_Angeles",
            reduced_motion="reduce",
            service_workers="block",
        )
        context.route("**/*", _serve)
        self._page = context.new_page()
        self._page.set_default_timeout(5000)
        self._page.on("pageerror", lambda exc: self._errors.append(str(exc)))
        self._page.goto(PAGE_URL)
        self._page.wait_for_function("window.meetbot !== undefined")
        self._raise_page_errors()

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _evaluate(self, script: str, argument: Any = None) -> Any:
        return self._page.evaluate(script, argument)

    def _render(self, card: dict[str, Any], width: int, click: bool) -> Rendered:
        events = self._show(card, width)
        dom = self._page.evaluate("meetbot.inspect()")
        if not click:
            return Rendered(card, events, dom, width)
        self._click(dom, ("Action.OpenUrl", "Action.ShowCard"))
        executed = self._page.evaluate("meetbot.executed()")
        after = self._page.evaluate("meetbot.inspect()")
        self._raise_page_errors()
        return Rendered(card, events, dom, width, executed, after)

    def _submit(self, card: dict[str, Any], width: int) -> list[dict[str, Any]]:
        self._show(card, width)
        self._click(self._page.evaluate("meetbot.inspect()"), ("Action.Submit",))
        executed: list[dict[str, Any]] = self._page.evaluate("meetbot.executed()")
        self._raise_page_errors()
        return [action["data"] for action in executed if action["type"] == "Action.Submit"]

    def _screenshot(self, card: dict[str, Any], width: int, open_cards: bool) -> bytes:
        self._show(card, width)
        if open_cards:
            self._click(self._page.evaluate("meetbot.inspect()"), ("Action.ShowCard",))
        self._page.mouse.move(0, 0)  # no hover or focus styles in the picture
        self._page.evaluate("document.activeElement && document.activeElement.blur()")
        png: bytes = self._page.locator("#card").screenshot(animations="disabled", caret="hide")
        self._raise_page_errors()
        return png

    def _show(self, card: dict[str, Any], width: int) -> list[dict[str, Any]]:
        self._page.mouse.move(0, 0)
        result = self._page.evaluate(
            "([card, config, width]) => meetbot.render(card, config, width)",
            [card, self._host_config, width],
        )
        self._page.evaluate("document.fonts.ready.then(() => true)")
        self._raise_page_errors()
        if not result["rendered"]:
            raise AssertionError("the renderer produced no card")
        events: list[dict[str, Any]] = result["events"]
        return events

    def _click(self, dom: dict[str, Any], kinds: tuple[str, ...]) -> None:
        for button in dom["buttons"]:
            if button["visible"] and button["type"] in kinds:
                self._page.click(f"[data-meetbot-button='{button['index']}']")

    def _raise_page_errors(self) -> None:
        if self._errors:
            errors, self._errors = self._errors, []
            raise RuntimeError(f"JavaScript errors on the render page: {errors}")


def _serve(route: Any) -> None:
    url: str = route.request.url
    if not url.startswith(ORIGIN + "/"):
        route.abort()
        return
    path = url[len(ORIGIN) + 1 :].split("?", maxsplit=1)[0]
    bases = {"render": HERE, "js": NODE_MODULES}
    top, _, rest = path.partition("/")
    base = bases.get(top)
    target = (base / rest).resolve() if base else None
    if target is None or base is None or not target.is_relative_to(base) or not target.is_file():
        route.fulfill(status=404, body="not found")
        return
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=target.read_bytes(), content_type=kind)
