"""`meetbot package` from a normal (non-editable) install: the template and icons ship with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.package.helpers import ROOT

NOT_SOURCE = (".git", ".venv", "build", "node_modules", "*.egg-info", "__pycache__", ".*_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Meetbot built into a wheel and installed on its own into a folder, as pip installs it.

    The wheel is built from a copy of the checkout: setuptools leaves a `build/` folder in the
    source tree, and a stale one would hide what the package data declares.
    """
    work = tmp_path_factory.mktemp("install")
    source, wheels, target = work / "source", work / "wheels", work / "site"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True)
    (wheel,) = wheels.glob("meetbot-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("Microsoft")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(installed), "HOME": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_meetbot_package_works_from_a_wheel_outside_the_clone(
    installed: Path, tmp_path: Path
) -> None:
    where = _run(installed, tmp_path, "-c", "import bot, manifest; print(bot.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where  # not the clone's bot/

    result = _run(installed, tmp_path, "-m", "bot", "package", "-o", "app.zip")

    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.read("color.png") == (ROOT / "manifest" / "color.png").read_bytes()
