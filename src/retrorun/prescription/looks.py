"""Look-behind schedule: alternate shoulders, equal left/right counts in every session.

A design rule (``looks.alternate_equal``, ``looks.interval_s``): no study has tested look
alternation. Off a treadmill the runner looks back about every 30 s of backward movement; the
count is rounded to an even number (at least 2) and alternates L/R/L/R…, starting on the left
in odd sessions and on the right in even ones so no side always goes first. On a treadmill
there are no look-behinds (hold the rails lightly, eyes forward).
"""

from __future__ import annotations

from functools import lru_cache

from retrorun.prescription.evidence import value
from retrorun.prescription.model import NO_LOOKS, Looks


def look_schedule(backward_s: int, surface: str, session_number: int = 1) -> Looks:
    """Looks for a backward block of ``backward_s`` seconds on ``surface``.

    Parameters
    ----------
    backward_s
        Seconds of backward movement in the block.
    surface
        ``track`` | ``flat_path`` | ``treadmill``.
    session_number
        1-based running number of the session in the plan (picks the starting side).

    Returns
    -------
    Looks
        Balanced schedule (``left == right``), or ``NO_LOOKS`` on a treadmill / empty block.
    """
    return _schedule(int(backward_s), surface, 1 if session_number % 2 == 1 else 0)


@lru_cache(maxsize=4096)
def _schedule(backward_s: int, surface: str, odd: int) -> Looks:
    if surface == "treadmill" or backward_s <= 0:
        return NO_LOOKS
    every = int(value("looks.interval_s"))
    n = max(2, round(backward_s / every))
    n += n % 2
    first, second = ("L", "R") if odd else ("R", "L")
    seq = tuple(first if i % 2 == 0 else second for i in range(n))
    interval = max(1, backward_s // n)
    return Looks(left=n // 2, right=n // 2, sequence=seq, interval_s=interval)
