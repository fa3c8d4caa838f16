"""`build_package` and `render_manifest`: the zip Teams takes, and the ids in it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.package import NIL_ID, PackageIds, build_package, render_manifest
from tests.package.helpers import FRESH_CLONE_IDS, REAL_IDS


def _read(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


@pytest.fixture
def package(tmp_path: Path) -> dict[str, bytes]:
    return _read(build_package(REAL_IDS, tmp_path / "build" / "meetbot-app.zip"))


def test_package_holds_exactly_the_manifest_and_icons_at_its_root(
    package: dict[str, bytes],
) -> None:
    assert sorted(package) == ["color.png", "manifest.json", "outline.png"]


def test_build_package_returns_the_path_it_wrote(tmp_path: Path) -> None:
    output = tmp_path / "nested" / "folder" / "app.zip"

    assert build_package(REAL_IDS, output) == output
    assert zipfile.is_zipfile(output)


def test_packaged_manifest_carries_the_ids_everywhere(package: dict[str, bytes]) -> None:
    text = package["manifest.json"].decode("utf-8")
    manifest = json.loads(text)

    assert "${{" not in text
    assert manifest["id"] == REAL_IDS.app_id
    assert manifest["bots"][0]["botId"] == REAL_IDS.bot_id
    assert manifest["webApplicationInfo"] == {
        "id": REAL_IDS.bot_id,
        "resource": f"api://meetbot.contoso.com/botid-{REAL_IDS.bot_id}",
    }
    assert "meetbot.contoso.com" in manifest["validDomains"]
    assert manifest == render_manifest(REAL_IDS)


def test_without_a_domain_the_manifest_names_none() -> None:
    manifest = render_manifest(FRESH_CLONE_IDS)

    assert not any("${{" in s for s in _strings(manifest))
    assert manifest["id"] == NIL_ID
    assert "" not in manifest["validDomains"]
    assert manifest["validDomains"] == ["token.botframework.com"]
    assert manifest["webApplicationInfo"]["resource"] == f"api://botid-{NIL_ID}"


def test_icons_have_the_sizes_teams_requires(package: dict[str, bytes]) -> None:
    color = Image.open(io.BytesIO(package["color.png"]))
    outline = Image.open(io.BytesIO(package["outline.png"]))

    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size) == ("PNG", (32, 32))


def test_outline_icon_is_white_on_transparent(package: dict[str, bytes]) -> None:
    outline = Image.open(io.BytesIO(package["outline.png"]))
    data = outline.convert("RGBA").tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]

    assert outline.mode == "RGBA"
    assert all((r, g, b) == (255, 255, 255) or a == 0 for r, g, b, a in pixels)
    alphas = {pixel[3] for pixel in pixels}
    assert 0 in alphas  # a transparent background
    assert 255 in alphas  # and a glyph


def test_color_icon_has_no_transparent_pixel(package: dict[str, bytes]) -> None:
    color = Image.open(io.BytesIO(package["color.png"])).convert("RGBA")

    fully_transparent = color.getchannel("A").histogram()[0]

    assert fully_transparent == 0


def test_same_ids_give_a_byte_identical_package(tmp_path: Path) -> None:
    first = build_package(REAL_IDS, tmp_path / "first.zip").read_bytes()
    second = build_package(REAL_IDS, tmp_path / "second.zip").read_bytes()

    assert first == second
    assert build_package(FRESH_CLONE_IDS, tmp_path / "other.zip").read_bytes() != first


@pytest.mark.parametrize(
    "bad",
    [
        "meetbot",
        "",
        "{6f1b2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b}",
        "6f1b2a3c4d5e4f608a7b9c0d1e2f3a4b",
        "6f1b2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b\n",
        "${{TEAMS_APP_ID}}",
    ],
)
@pytest.mark.parametrize("field", ["app_id", "bot_id"])
def test_an_id_that_is_not_a_guid_is_refused(tmp_path: Path, field: str, bad: str) -> None:
    ids = PackageIds(**{**vars(REAL_IDS), field: bad})

    with pytest.raises(ValueError, match="is not a GUID") as raised:
        build_package(ids, tmp_path / "app.zip")
    assert repr(bad) in str(raised.value)
    assert not (tmp_path / "app.zip").exists()


@pytest.mark.parametrize(
    "bad",
    [
        "https://meetbot.contoso.com",
        "meetbot.contoso.com/api/messages",
        "meetbot.contoso.com:3978",
        "meetbot.contoso.com.",
        "-meetbot.contoso.com",
        "meetbot..contoso.com",
        "*.contoso.com",
        "",
    ],
)
def test_a_domain_that_is_not_a_bare_host_name_is_refused(tmp_path: Path, bad: str) -> None:
    ids = PackageIds(app_id=REAL_IDS.app_id, bot_id=REAL_IDS.bot_id, domain=bad)

    with pytest.raises(ValueError, match="is not a bare host name") as raised:
        build_package(ids, tmp_path / "app.zip")
    assert repr(bad) in str(raised.value)


@pytest.mark.parametrize("domain", ["meetbot.contoso.com", "localhost", "abc123.ngrok-free.app"])
def test_a_host_name_is_accepted(domain: str) -> None:
    ids = PackageIds(app_id=REAL_IDS.app_id, bot_id=REAL_IDS.bot_id, domain=domain)

    assert domain in render_manifest(ids)["validDomains"]
