"""The athlete profile: a validated pydantic model, stored as TOML.

A profile file has one table per topic (see ``examples/profiles/*.toml`` and
``docs/prescription.md``)::

    name = "Sam"
    [condition]      kind, side, duration_weeks, clinician_cleared
    [pain]           now, during_running, after_running   (0–10)
    [skill]          backward, backward_walk_3m_s, single_leg_stance_s
    [endurance]      runs_per_week, weekly_minutes, longest_run_min, easy_pace
    [schedule]       training_days, surfaces
    [body]           mass_kg, height_m, age                (optional)
    [parq]           the PAR-Q items (booleans, default false)
    [red_flags]      knee / back / heel / running red flags (booleans, default false)
    [safety]         dizziness_or_vestibular, fall_last_12_months

Reading and writing TOML lives here (``load_profile`` / ``save_profile``) and nowhere else in
``retrorun.prescription``; the planner only sees the model.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from retrorun._atomic import write_atomic

Condition = Literal["lateral_knee_pain", "low_back_pain", "plantar_heel_pain", "none"]
Side = Literal["left", "right", "both", "none"]
BackwardSkill = Literal["never", "walks_backwards", "jogs_backwards", "regular"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Surface = Literal["track", "treadmill", "flat_path"]

CONDITIONS: tuple[str, ...] = ("lateral_knee_pain", "low_back_pain", "plantar_heel_pain", "none")
SIDES: tuple[str, ...] = ("left", "right", "both", "none")
SKILLS: tuple[str, ...] = ("never", "walks_backwards", "jogs_backwards", "regular")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SURFACES: tuple[str, ...] = ("track", "treadmill", "flat_path")

PainScore = Annotated[int, Field(ge=0, le=10)]

_PACE_RE = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*(?:/\s*(km|mi))?\s*$")
_M_PER_MILE = 1609.344
#: Accepted easy paces, s/km (3:00–15:00 per km).
EASY_PACE_RANGE_S_PER_KM = (180.0, 900.0)


class ProfileError(ValueError):
    """An invalid profile: names the file, the field and what is allowed.

    Attributes
    ----------
    path
        The file (or ``"<profile>"`` for an in-memory dict).
    field
        Dotted field name, e.g. ``"pain.during_running"``.
    message
        What is wrong and what is allowed.
    errors
        All problems found, as ``(field, message)`` pairs (the first is ``field``/``message``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        field: str,
        message: str,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        self.path = str(path)
        self.field = field
        self.message = message
        self.errors = errors or [(field, message)]
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.path}: {self.field}: {self.message}"
        more = [f"{f}: {m}" for f, m in self.errors[1:]]
        if more:
            head += "\n  also " + "\n  also ".join(more)
        return head


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionInfo(_Section):
    """The problem the athlete trains for.

    ``duration_weeks`` is how long the symptoms have lasted (0 for prevention);
    ``clinician_cleared`` is true when a clinician has examined this problem and cleared running.
    """

    kind: Condition = "none"
    side: Side = "none"
    duration_weeks: float = Field(default=0.0, ge=0, le=1040)
    clinician_cleared: bool = False

    @model_validator(mode="after")
    def _side_matches(self) -> ConditionInfo:
        if self.kind == "none" and self.side != "none":
            raise ValueError("side must be 'none' when kind is 'none'")
        return self


class Pain(_Section):
    """Pain on a 0–10 numeric rating scale: now (at rest), during and after running."""

    now: PainScore = 0
    during_running: PainScore = 0
    after_running: PainScore = 0


class Skill(_Section):
    """Backward-movement skill and a balance test (at least one of the two tests).

    ``backward_walk_3m_s``: time of the 3 m backward walk test, s.
    ``single_leg_stance_s``: single-leg stance time (weaker leg, eyes open), s.
    """

    backward: BackwardSkill
    backward_walk_3m_s: float | None = Field(default=None, gt=0, le=120)
    single_leg_stance_s: float | None = Field(default=None, ge=0, le=600)

    @model_validator(mode="after")
    def _one_test(self) -> Skill:
        if self.backward_walk_3m_s is None and self.single_leg_stance_s is None:
            raise ValueError(
                "give a balance test: backward_walk_3m_s (3 m backward walk time, s) "
                "or single_leg_stance_s (single-leg stance time, s)"
            )
        return self


class Endurance(_Section):
    """Current running: runs a week, minutes a week, longest run in the last 30 days, easy pace.

    ``easy_pace`` is written ``"m:ss"`` per km (``"6:30"``, ``"6:30/km"``) or per mile
    (``"10:30/mi"``); a number is read as seconds per km. It is stored as ``"m:ss/km"``.
    """

    runs_per_week: int = Field(ge=0, le=14)
    weekly_minutes: float = Field(ge=0, le=2000)
    longest_run_min: float = Field(ge=0, le=600)
    easy_pace: str

    @field_validator("easy_pace", mode="before")
    @classmethod
    def _parse_pace(cls, v: Any) -> str:
        if isinstance(v, bool):
            raise ValueError("easy pace must be 'm:ss' per km, e.g. '6:30' or '10:30/mi'")
        if isinstance(v, int | float):
            s = float(v)
        elif isinstance(v, str):
            m = _PACE_RE.match(v)
            if not m:
                raise ValueError(
                    f"easy pace {v!r} is not 'm:ss' per km or per mile, e.g. '6:30' or '10:30/mi'"
                )
            s = int(m.group(1)) * 60 + int(m.group(2))
            if m.group(3) == "mi":
                s = s * 1000.0 / _M_PER_MILE
        else:
            raise ValueError("easy pace must be 'm:ss' per km, e.g. '6:30'")
        lo, hi = EASY_PACE_RANGE_S_PER_KM
        if not lo <= s <= hi:
            raise ValueError("easy pace must be between 3:00 and 15:00 per km")
        s = round(s)
        return f"{s // 60}:{s % 60:02d}/km"

    @model_validator(mode="after")
    def _consistent(self) -> Endurance:
        if (self.runs_per_week == 0) != (self.weekly_minutes == 0):
            raise ValueError("runs_per_week and weekly_minutes must both be 0 or both be > 0")
        return self

    @property
    def easy_pace_s_per_km(self) -> float:
        """Easy forward pace, s/km."""
        m = _PACE_RE.match(self.easy_pace)
        assert m is not None
        return float(int(m.group(1)) * 60 + int(m.group(2)))

    @property
    def easy_speed_m_s(self) -> float:
        """Easy forward speed, m/s."""
        return 1000.0 / self.easy_pace_s_per_km

    @property
    def typical_run_min(self) -> float:
        """Minutes of a typical run (weekly minutes / runs), min."""
        return self.weekly_minutes / self.runs_per_week if self.runs_per_week else 0.0


class Schedule(_Section):
    """Days the athlete trains on, and the surfaces available."""

    training_days: list[Weekday] = Field(min_length=1)
    surfaces: list[Surface] = Field(min_length=1)

    @field_validator("training_days", "surfaces")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("values must not repeat")
        return v


class Body(_Section):
    """Optional body data (SI units; age in years)."""

    mass_kg: float | None = Field(default=None, gt=20, le=300)
    height_m: float | None = Field(default=None, gt=1.0, le=2.5)
    age: int | None = Field(default=None, ge=10, le=110)


class ParQ(_Section):
    """PAR-Q items (CSEP): a "yes" to any means see a doctor before starting."""

    heart_condition: bool = False
    chest_pain_activity: bool = False
    chest_pain_rest: bool = False
    dizziness_or_fainting: bool = False
    bone_joint_problem: bool = False
    bp_or_heart_medication: bool = False
    pregnant_or_recent_birth: bool = False
    other_reason: bool = False


class RedFlags(_Section):
    """Red flags (knee: NHS triage; back: AHCPR; heel: clinical convention; running: AOPT)."""

    # knee
    cannot_bear_weight: bool = False
    badly_swollen: bool = False
    locking_or_giving_way: bool = False
    red_hot_joint_fever: bool = False
    swelling_after_trauma: bool = False
    night_or_rest_pain: bool = False
    morning_stiffness_over_30_min: bool = False
    # back
    major_trauma: bool = False
    history_of_cancer: bool = False
    fever_or_weight_loss: bool = False
    worse_lying_down: bool = False
    saddle_numbness: bool = False
    bladder_or_bowel_change: bool = False
    leg_weakness: bool = False
    # heel
    heel_numbness_tingling: bool = False
    sudden_pop: bool = False
    heel_bony_tenderness_swelling: bool = False
    inflamed_other_joints: bool = False
    # running
    pain_changes_gait: bool = False
    pain_rises_with_activity: bool = False


class Safety(_Section):
    """Backward-specific safety questions."""

    dizziness_or_vestibular: bool = False
    fall_last_12_months: bool = False


class AthleteProfile(_Section):
    """A runner's profile: who they are, what hurts, how they move and train.

    See the module docstring for the TOML layout and ``docs/prescription.md`` for every field.
    """

    name: str = Field(default="athlete", min_length=1, max_length=80)
    condition: ConditionInfo = ConditionInfo()
    pain: Pain = Pain()
    skill: Skill
    endurance: Endurance
    schedule: Schedule
    body: Body = Body()
    parq: ParQ = ParQ()
    red_flags: RedFlags = RedFlags()
    safety: Safety = Safety()

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-safe dict without ``None`` values."""
        return self.model_dump(mode="json", exclude_none=True)


def _format_error(err: dict[str, Any]) -> tuple[str, str]:
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    msg = err.get("msg", "invalid")
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field (check the spelling; see docs/prescription.md for the allowed fields)"
    elif err.get("type") == "missing":
        msg = "missing (this field is required)"
    elif "input" in err and err.get("type") not in ("model_type", "dict_type"):
        inp = err["input"]
        if not isinstance(inp, dict):
            msg = f"{msg} (got {inp!r})"
    return (loc or "<profile>", msg)


def profile_from_dict(
    d: dict[str, Any], *, source: str | os.PathLike[str] = "<profile>"
) -> AthleteProfile:
    """Validate a dict into an :class:`AthleteProfile`.

    Raises
    ------
    ProfileError
        Naming ``source``, the first bad field and what is allowed (all problems in ``.errors``).
    """
    if not isinstance(d, dict):
        raise ProfileError(source, "<profile>", "a profile must be a table of fields")
    try:
        return AthleteProfile.model_validate(d)
    except ValidationError as exc:
        errs = [_format_error(e) for e in exc.errors()]
        field, msg = errs[0]
        raise ProfileError(source, field, msg, errs) from None


def load_profile(path: str | os.PathLike[str]) -> AthleteProfile:
    """Read and validate a TOML profile.

    Raises
    ------
    ProfileError
        When the file is missing, is not TOML, or a field is invalid.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ProfileError(p, "<file>", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(p, "<file>", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(p, "<toml>", f"not valid TOML: {exc}") from None
    return profile_from_dict(data, source=p)


def dump_profile_toml(profile: AthleteProfile) -> str:
    """The profile as TOML text (fields in model order, ``None`` values left out)."""
    import tomli_w

    return ("# retrorun athlete profile — fields: docs/prescription.md; check: retrorun profile "
            "check FILE\n" + tomli_w.dumps(profile.to_dict()))


def save_profile(profile: AthleteProfile, path: str | os.PathLike[str]) -> Path:
    """Write a profile as TOML atomically (a temporary file in the same folder, then rename).

    The profile is re-validated first, so an invalid object never reaches the disk; on any
    error the target file is left as it was.
    """
    p = Path(path)
    profile = profile_from_dict(profile.to_dict(), source=p)
    text = dump_profile_toml(profile)
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(p, text)
