"""Counting sends against Teams' windows, for the tests of the limits."""

from __future__ import annotations


def most_in_any_window(times: list[float], window: float) -> int:
    """The most sends in any window of `window` seconds (`times` ascending, in seconds, counted
    in whole microseconds as the clocks keep them, so that float sums decide nothing)."""
    micros = [round(stamp * 1e6) for stamp in times]
    span = round(window * 1e6)
    best, start = 0, 0
    for end, stamp in enumerate(micros):
        while micros[start] <= stamp - span:
            start += 1
        best = max(best, end - start + 1)
    return best
