"""The interactive profile questionnaire behind ``retrorun profile new``.

Asks one question per field with the allowed values shown and re-asks on an invalid answer;
returns a plain dict that :func:`retrorun.prescription.profile.profile_from_dict` validates.
"""

from __future__ import annotations

from typing import Any

import typer

_CONDITIONS = ["lateral_knee_pain", "low_back_pain", "plantar_heel_pain", "none"]
_SIDES = ["left", "right", "both"]
_SKILLS = ["never", "walks_backwards", "jogs_backwards", "regular"]
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SURFACES = ["track", "treadmill", "flat_path"]


def _choice(text: str, choices: list[str], default: str | None = None) -> str:
    while True:
        raw = typer.prompt(f"{text} ({' / '.join(choices)})", default=default)
        v = str(raw).strip().lower()
        if v in choices:
            return v
        typer.echo(f"  allowed: {', '.join(choices)}", err=True)


def _number(text: str, lo: float, hi: float, default: float, integer: bool = False) -> Any:
    while True:
        raw = typer.prompt(text, default=str(int(default) if integer else default))
        try:
            v: float = int(raw) if integer else float(raw)
        except ValueError:
            v = float("nan")
        if lo <= v <= hi:
            return v
        kind = "a whole number" if integer else "a number"
        typer.echo(f"  {kind} from {lo:g} to {hi:g}", err=True)


def _many(text: str, allowed: list[str], default: str) -> list[str]:
    while True:
        raw = typer.prompt(f"{text} (comma-separated from {', '.join(allowed)})",
                           default=default)
        items = [x.strip().lower() for x in raw.replace(" ", ",").split(",") if x.strip()]
        bad = [x for x in items if x not in allowed]
        if items and not bad and len(set(items)) == len(items):
            return items
        typer.echo(f"  allowed: {', '.join(allowed)}; at least one, no repeats"
                   + (f" (not {', '.join(bad)})" if bad else ""), err=True)


def _yes(text: str) -> bool:
    return typer.confirm(text, default=False)


def _opt_float(text: str, lo: float, hi: float) -> float | None:
    while True:
        raw = typer.prompt(f"{text} (blank to skip)", default="", show_default=False)
        if not raw.strip():
            return None
        try:
            v = float(raw)
        except ValueError:
            v = float("nan")
        if lo <= v <= hi:
            return v
        typer.echo(f"  a number from {lo:g} to {hi:g}, or blank", err=True)


def ask_profile() -> dict[str, Any]:
    """Ask every question and return the answers as a profile dict."""
    d: dict[str, Any] = {"name": typer.prompt("Your name", default="athlete")}
    kind = _choice("Condition", _CONDITIONS, "none")
    cond: dict[str, Any] = {"kind": kind, "side": "none"}
    if kind != "none":
        cond["side"] = _choice("Side", _SIDES, "both" if kind == "low_back_pain" else None)
        cond["duration_weeks"] = _number("How many weeks have you had it", 0, 1040, 0.0)
        cond["clinician_cleared"] = _yes("Has a clinician examined it and cleared you to run?")
    d["condition"] = cond
    d["pain"] = {
        "now": _number("Pain now, at rest (0–10)", 0, 10, 0, integer=True),
        "during_running": _number("Pain during running (0–10)", 0, 10, 0, integer=True),
        "after_running": _number("Pain after running (0–10)", 0, 10, 0, integer=True),
    }
    skill: dict[str, Any] = {"backward": _choice("Backward skill", _SKILLS, "never")}
    typer.echo("Balance test: give at least one of the two.")
    while True:
        bwt = _opt_float("3 m backward walk time, s", 0.5, 120)
        sls = _opt_float("Single-leg stance time (weaker leg), s", 0, 600)
        if bwt is not None or sls is not None:
            break
        typer.echo("  please give at least one balance test", err=True)
    if bwt is not None:
        skill["backward_walk_3m_s"] = bwt
    if sls is not None:
        skill["single_leg_stance_s"] = sls
    d["skill"] = skill
    runs = _number("Runs per week", 0, 14, 3, integer=True)
    d["endurance"] = {
        "runs_per_week": runs,
        "weekly_minutes": _number("Running minutes per week", 0, 2000,
                                  0.0 if runs == 0 else 90.0),
        "longest_run_min": _number("Longest run in the last 30 days, min", 0, 600, 0.0),
        "easy_pace": typer.prompt("Easy forward pace (m:ss per km, or m:ss/mi)",
                                  default="6:30"),
    }
    d["schedule"] = {
        "training_days": _many("Training days", _DAYS, "mon,wed,sat"),
        "surfaces": _many("Surfaces available", _SURFACES, "track"),
    }
    body: dict[str, Any] = {}
    for key, text, lo, hi in (("age", "Age, years", 10, 110), ("mass_kg", "Body mass, kg", 20, 300),
                              ("height_m", "Height, m", 1.0, 2.5)):
        v = _opt_float(text, lo, hi)
        if v is not None:
            body[key] = int(v) if key == "age" else v
    d["body"] = body
    typer.echo("PAR-Q (answer y for yes):")
    d["parq"] = {
        "heart_condition": _yes("  Heart condition / exercise only as a doctor advises?"),
        "chest_pain_activity": _yes("  Chest pain during physical activity?"),
        "chest_pain_rest": _yes("  Chest pain at rest in the past month?"),
        "dizziness_or_fainting": _yes("  Lose balance from dizziness, or ever lose consciousness?"),
        "bone_joint_problem": _yes("  A bone or joint problem more activity could worsen?"),
        "bp_or_heart_medication": _yes("  Blood-pressure or heart medication?"),
        "pregnant_or_recent_birth": _yes("  Pregnant, or gave birth in the last 6 months?"),
        "other_reason": _yes("  Any other reason not to be more active?"),
    }
    flags: dict[str, bool] = {}
    typer.echo("Red flags:")
    common = [("pain_changes_gait", "Does pain make you limp or change how you run?"),
              ("pain_rises_with_activity", "Does pain rise as you keep running?")]
    specific = {
        "lateral_knee_pain": [
            ("cannot_bear_weight", "Can you NOT bear weight on the leg?"),
            ("badly_swollen", "Is the knee badly swollen?"),
            ("locking_or_giving_way", "Does the knee lock, give way or click painfully?"),
            ("red_hot_joint_fever", "Is the knee red and hot, with fever or chills?"),
            ("swelling_after_trauma", "Did it swell soon after an injury?"),
            ("night_or_rest_pain", "Continuous pain at night or at rest?"),
            ("morning_stiffness_over_30_min", "Morning stiffness over 30 minutes?"),
        ],
        "low_back_pain": [
            ("major_trauma", "Did it start with a major fall or accident?"),
            ("history_of_cancer", "Any history of cancer?"),
            ("fever_or_weight_loss", "Fever, chills or unexplained weight loss?"),
            ("worse_lying_down", "Worse lying down, or severe night pain?"),
            ("saddle_numbness", "Numbness around the groin/buttocks (saddle area)?"),
            ("bladder_or_bowel_change", "New bladder or bowel problems?"),
            ("leg_weakness", "Leg weakness or foot drop?"),
        ],
        "plantar_heel_pain": [
            ("heel_numbness_tingling", "Numbness or tingling in the heel?"),
            ("sudden_pop", "Did you feel a sudden pop under the heel?"),
            ("heel_bony_tenderness_swelling", "Bony tenderness with swelling at the heel?"),
            ("inflamed_other_joints", "Other joints inflamed too?"),
        ],
    }
    for key, text in specific.get(kind, []) + common:
        flags[key] = _yes("  " + text)
    d["red_flags"] = flags
    d["safety"] = {
        "dizziness_or_vestibular": _yes("Dizziness or a vestibular (inner-ear balance) problem?"),
        "fall_last_12_months": _yes("A fall in the last 12 months?"),
    }
    return d
