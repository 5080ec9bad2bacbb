"""Where ``retrorun export-plan`` gets its plan: a profile file run through the planner.

The lead adds ``--athlete`` (a stored plan) when the training-log branch is merged; both paths hand
the exporters a plain ``Plan.to_dict()``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def plan_dict_from_profile(profile_path: str | Path, start: date, weeks: int = 6) -> dict[str, Any]:
    """Load the athlete profile, build the plan and return ``Plan.to_dict()``.

    A ``.json`` file holding a plan (``schema_version`` + ``weeks``) is accepted as is, so stored or
    hand-edited plans export too.
    """
    p = Path(profile_path)
    if p.suffix.lower() == ".json":
        import json

        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc})") from None
        if isinstance(data, dict) and "weeks" in data and "plan_id" in data:
            return data
    from retrorun.prescription.planner import build_plan
    from retrorun.prescription.profile import load_profile

    profile = load_profile(p)
    plan = build_plan(profile, start, weeks=weeks)
    return plan.to_dict()
