"""A plain `pytest` on a machine without the parts from outside Python skips, never fails.

The suite runs here a second time in a private mount namespace (`unshare --mount`, so nothing
outside this test sees it) in which PostgreSQL's server binaries, Chromium, Node.js and npm,
and `tests/js/node_modules` are hidden, and without `CI`: what a developer's fresh machine with
only Python looks like. The tests that need those parts must say so with a skip; everything
else must pass.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests import outside

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_DIRECTORIES = (
    Path("/usr/lib/postgresql"),
    Path("/usr/lib/chromium"),
    ROOT / "tests/js/node_modules",
    ROOT / "bench/.venv-agents",
)
HIDDEN_PROGRAMS = ("node", "npm", "npx", "chromium", "pg_config", "initdb", "pg_ctl", "postgres")
# Checked against the outer run's own suite: ruff and mypy need nothing from outside Python.
NOT_REPEATED = ("tests/test_outside_parts.py", "tests/test_code_quality.py")
# Each outside part, and a word its skip reason names it by.
PARTS = {
    "PostgreSQL": "postgresql",
    "Chromium or the renderer": "render",
    "Node.js": "node",
    "the Agents SDK": "agents",
}


def _hiding_script() -> str:
    """Shell lines, run as root in the new namespace, that hide every outside part.

    Programs first: some live in the directories that the tmpfs mounts then cover.
    """
    found = (shutil.which(name) for name in HIDDEN_PROGRAMS)
    programs = {str(Path(path).resolve()) for path in found if path}
    programs |= {str(Path("/usr/bin") / name) for name in HIDDEN_PROGRAMS}
    lines = [
        f"mount --bind /dev/null {shlex.quote(path)}"
        for path in sorted(programs)
        if Path(path).exists()
    ]
    lines += [
        f"mount -t tmpfs meetbot-hidden {shlex.quote(str(path))}"
        for path in HIDDEN_DIRECTORIES
        if path.is_dir()
    ]
    return "\n".join(lines)


def test_plain_pytest_skips_what_it_cannot_run(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        outside.missing("the suite without its outside parts", "needs root and unshare")
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "CI" and not name.startswith(("MEETBOT_", "PYTEST_"))
    }
    pytest_command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
        f"--basetemp={tmp_path / 'inner'}",
        *(f"--ignore={path}" for path in NOT_REPEATED),
    ]
    script = f"{_hiding_script()}\ncd {shlex.quote(str(ROOT))}\nexec {shlex.join(pytest_command)}"
    run = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "sh", "-ec", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = run.stdout + run.stderr
    summary = output.strip().splitlines()[-1] if output.strip() else ""

    failures = [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert run.returncode == 0, "\n".join([*failures, summary]) or output[-6000:]
    assert " failed" not in summary and " error" not in summary, summary
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert re.search(r"\d+ passed, \d+ skipped", summary), summary
    for part, word in PARTS.items():
        assert any(word in line.lower() for line in skips), f"no test skipped for {part}: {skips}"
