"""The server's garbage-collector settings (run in a child process: freezing is for good)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _child(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_settling_freezes_what_start_up_left_and_widens_the_young_generation() -> None:
    out = _child(
        """
        import gc
        from bot.heap import YOUNG_THRESHOLD, settle_after_startup
        kept = [object() for _ in range(1000)]
        before = gc.get_freeze_count()
        settle_after_startup()
        print(before, gc.get_freeze_count() > len(kept), gc.get_threshold()[0] == YOUNG_THRESHOLD)
        """
    )
    assert out == "0 True True"


def test_objects_made_after_settling_are_still_collected() -> None:
    out = _child(
        """
        import gc, weakref
        from bot.heap import settle_after_startup
        settle_after_startup()
        class Node:
            pass
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        print(gone() is None)
        """
    )
    assert out == "True"
