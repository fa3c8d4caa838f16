"""One headless Chromium per session for the render tests, and a cache of rendered cards.

Without Chromium, the npm renderer or Python playwright the render tests are skipped on a
developer's machine but fail in CI (`CI` set), where skipping would silently drop them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import outside
from tests.render.browser import Missing, Rendered, Renderer, check_prerequisites

SCREENSHOT_DIR_VARIABLE = "MEETBOT_SCREENSHOT_DIR"


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    try:
        executable = check_prerequisites()
    except Missing as absent:
        outside.missing("the card render tests", str(absent))
    renderer = Renderer(executable)
    yield renderer
    renderer.close()


@pytest.fixture(scope="session")
def rendered(renderer: Renderer) -> Callable[[str, dict[str, object], int], Rendered]:
    """`rendered(name, card, width)`: the card rendered and its buttons clicked, once per
    session for each name and width (several tests look at the same rendering)."""
    cache: dict[tuple[str, int], Rendered] = {}

    def get(name: str, card: dict[str, object], width: int) -> Rendered:
        if (name, width) not in cache:
            cache[name, width] = renderer.render(card, width, click=True)
        return cache[name, width]

    return get


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$MEETBOT_SCREENSHOT_DIR (e.g. docs/cards, to regenerate the committed pictures), else a
    temporary directory."""
    given = os.environ.get(SCREENSHOT_DIR_VARIABLE)
    return Path(given) if given else tmp_path_factory.mktemp("cards")
