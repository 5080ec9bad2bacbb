"""retrorun.biomech — trial model, readers, frames, events, centre of mass, analysis.

Heavy modules are imported lazily; ``from retrorun.biomech import load_trial`` works.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Trial", "analyze_trial", "load_trial"]


def __getattr__(name: str) -> Any:
    if name == "load_trial":
        from retrorun.biomech.io import load_trial

        return load_trial
    if name == "Trial":
        from retrorun.biomech.trial import Trial

        return Trial
    if name == "analyze_trial":
        from retrorun.biomech.analysis import analyze_trial

        return analyze_trial
    raise AttributeError(name)
