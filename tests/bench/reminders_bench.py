"""bench/reminders.py, loaded as a module for the tests of its parts (it is a script, not a
package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "reminders.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_reminders", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module
