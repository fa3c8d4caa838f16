"""manifest/draw_icons.py draws exactly the icons that are committed."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import pytest
from PIL import Image

from tests.package.helpers import MANIFEST_DIR


@pytest.fixture(scope="module")
def draw_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("draw_icons", MANIFEST_DIR / "draw_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "draw"), [("color.png", "draw_color"), ("outline.png", "draw_outline")]
)
def test_committed_icon_is_what_the_script_draws(
    draw_icons: ModuleType, name: str, draw: str
) -> None:
    drawn: Image.Image = getattr(draw_icons, draw)()
    with Image.open(MANIFEST_DIR / name) as committed:
        committed.load()

    assert (committed.mode, committed.size) == (drawn.mode, drawn.size)
    assert committed.tobytes() == drawn.tobytes(), "run `python manifest/draw_icons.py`"


def test_color_icon_background_is_the_accent_color() -> None:
    accent = json.loads((MANIFEST_DIR / "manifest.json").read_text("utf-8"))["accentColor"]
    with Image.open(MANIFEST_DIR / "color.png") as color:
        corner = color.convert("RGB").getpixel((0, 0))
    assert isinstance(corner, tuple)

    assert f"#{corner[0]:02X}{corner[1]:02X}{corner[2]:02X}" == accent.upper()
