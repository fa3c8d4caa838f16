"""What the suite does when a part from outside Python is missing.

PostgreSQL, Chromium, Node.js and Microsoft's npm packages in `tests/js` are installed by
`.ci/run` (the README's full test command). On a developer's machine without one of them its
tests are skipped, never failed; under `CI` they fail instead, because there a skip would
silently hide what the suite promises to check.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(what: str, why: str) -> NoReturn:
    """Skip the test that needs `what` (fail it under `CI`), saying `why` it cannot run."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run {what}: {why}", pytrace=False)
    pytest.skip(f"{what} skipped: {why}")
