"""A plain `pytest` on a machine without the parts from outside Python skips, never fails.

The suite runs here a second time in a private mount namespace (`unshare --mount`, so nothing
outside this test sees it) in which PostgreSQL's server binaries, Chromium, Node.js and npm,
`tests/js/node_modules` and the Agents SDK's venv are hidden, and without `CI`: what a
developer's fresh machine with only Python looks like. The tests that need those parts must say
so with a skip; everything else must pass.

That second run takes the test modules that can reach one of those parts (`tests.outside_reach`
reads them from the source); the others behave the same with or without the parts, and the outer
run has just run them. The tests below the first one prove that the walk finds every way a
module can reach a part, and that the product it does not walk names none.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import outside
from tests.outside_reach import (
    HIDDEN_DIRECTORY_PIECES,
    HIDDEN_PROGRAMS,
    REMOVED_PREFIXES,
    REMOVED_VARIABLES,
    Reach,
    named_parts,
)

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_DIRECTORIES = (
    Path("/usr/lib/postgresql"),
    Path("/usr/lib/chromium"),
    ROOT / "tests/js/node_modules",
    ROOT / "bench/.venv-agents",
)
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


def _repeated() -> list[Path]:
    """The test modules the second run takes: those that can reach a part."""
    return [
        path
        for path in Reach(ROOT).test_modules()
        if path.relative_to(ROOT).as_posix() not in NOT_REPEATED
    ]


def test_plain_pytest_skips_what_it_cannot_run(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        outside.missing("the suite without its outside parts", "needs root and unshare")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in REMOVED_VARIABLES and not name.startswith(REMOVED_PREFIXES)
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
        *(str(path.relative_to(ROOT)) for path in _repeated()),
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


# A made-up project: each test module reaches a part in one way, or (the `plain_` ones) not.
MADE_UP = {
    "tests/conftest.py": """
        import pytest
        from tests.helper_b import NPX

        @pytest.fixture
        def pg():
            return ["pg_ctl", "start"]

        @pytest.fixture
        def db(pg):
            return pg

        @pytest.fixture
        def npx_path():
            return NPX

        @pytest.fixture
        def harmless():
            \"\"\"Not node, not CI: prose.\"\"\"
            return 1
    """,
    "tests/helper_a.py": "from tests.helper_b import NPX\nTHING = NPX\n",
    "tests/helper_b.py": "NPX = 'npx'\n",
    "tests/helper_plain.py": "VALUE = 'sqlite'\n",
    "bench/script.py": "INITDB = 'initdb'\n",
    "tests/test_program.py": "import subprocess\nsubprocess.run(['node', 'x.js'])\n",
    "tests/test_program_path.py": "BROWSER = '/usr/bin/chromium'\n",
    "tests/test_directory.py": "from pathlib import Path\nJS = Path('tests/js') / 'node_modules'\n",
    "tests/test_variable.py": "import os\nASKED = os.environ.get('CI')\n",
    "tests/test_prefix.py": "import os\nDIR = os.environ.get('MEETBOT_SOMETHING')\n",
    "tests/test_library.py": "from playwright.async_api import Page\n",
    "tests/test_helper.py": "from tests.helper_a import THING\n",
    "tests/test_by_file_name.py": "from pathlib import Path\nBENCH = Path('bench') / 'script.py'\n",
    "tests/test_fixture.py": "def test_it(pg):\n    assert pg\n",
    "tests/test_fixture_of_fixture.py": "def test_it(db):\n    assert db\n",
    "tests/test_fixture_helper.py": "def test_it(npx_path):\n    assert npx_path\n",
    "tests/test_getfixturevalue.py": "def test_it(request):\n    request.getfixturevalue('db')\n",
    "tests/test_usefixtures.py": "import pytest\npytestmark = pytest.mark.usefixtures('db')\n",
    "tests/auto/conftest.py": """
        import pytest

        @pytest.fixture(autouse=True)
        def browser():
            return 'chromium'
    """,
    "tests/auto/test_autouse.py": "def test_it():\n    pass\n",
    "tests/loose/conftest.py": "import os\nos.environ.setdefault('MEETBOT_X', '1')\n",
    "tests/loose/test_loose.py": "def test_it():\n    pass\n",
    "tests/near/conftest.py": "import pytest\n@pytest.fixture\ndef pg():\n    return 'sqlite'\n",
    "tests/near/test_plain_nearest_wins.py": "def test_it(pg):\n    assert pg\n",
    # installed, not ours: never walked (a vendored test there is not the suite's)
    "tests/js/node_modules/pkg/test_plain_vendored.py": "NODE = 'node'\n",
    "bench/.venv-agents/lib/test_plain_installed.py": "CI = 'CI'\n",
    "tests/test_plain.py": """
        \"\"\"Talks about node, chromium and CI in prose only.\"\"\"
        from tests.helper_plain import VALUE

        def test_it(harmless):
            assert VALUE and harmless
    """,
}


def test_the_walk_finds_every_way_to_a_part(tmp_path: Path) -> None:
    for name, text in MADE_UP.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    found = {path.relative_to(tmp_path).as_posix() for path in Reach(tmp_path).test_modules()}
    tests = {name for name in MADE_UP if Path(name).name.startswith("test_")}
    assert found == {name for name in tests if not Path(name).name.startswith("test_plain")}


@pytest.mark.parametrize("package", ["bot", "cards", "dialogs", "emulators"])
def test_the_product_names_no_part(package: str) -> None:
    """The walk follows imports through tests/ and bench/ only: the product never names a part."""
    named = {
        path.relative_to(ROOT).as_posix(): parts
        for path in sorted((ROOT / package).rglob("*.py"))
        if (parts := named_parts(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert named == {}


def test_the_walk_knows_what_is_hidden() -> None:
    assert all(
        any(piece in str(d) for piece in HIDDEN_DIRECTORY_PIECES) for d in HIDDEN_DIRECTORIES
    )
    repeated = {path.relative_to(ROOT).as_posix() for path in _repeated()}
    # one module per part, each known to need it, and one known not to
    assert {
        "tests/store/test_store_storage.py",
        "tests/render/test_render.py",
        "tests/package/test_package_schema.py",
        "tests/bench/test_agents_echo.py",
    } <= repeated
    assert "tests/commands/test_commands_sign_in.py" not in repeated
