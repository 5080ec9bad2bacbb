"""The phase ladder: backward walking → jogging intervals → continuous running → maintenance.

``LEVELS`` is ordered easiest → hardest. Within a phase the levels add **duration**; moving to the
next phase raises **speed** (walk → jog → run). The planner raises **frequency** before a phase
change (``progression.order``). Every level holds a step pattern: ``reps`` × ``rep_s`` of
backward movement with ``rec_s`` recovery between repeats; ``scaled(budget_s)`` fits the pattern
into a smaller time budget when a cap binds.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrorun.prescription.profile import AthleteProfile

PHASES: tuple[str, ...] = (
    "backward_walk",
    "backward_jog_intervals",
    "backward_run_continuous",
    "maintenance",
)

#: Shortest backward repeat the scaler produces when reducing repeats, s.
MIN_REP_S = 60
#: Shortest jog repeat of an interval level when shortening repeats, s.
MIN_REP_JOG_S = 15
#: Granularity of scaled durations, s.
GRAIN_S = 5


@dataclass(frozen=True, slots=True)
class Level:
    """One rung of the ladder.

    Attributes
    ----------
    index
        Position in :data:`LEVELS` (0 = easiest).
    name
        Short name, e.g. ``"6 × (1:00 jog / 1:00 walk)"``.
    phase
        One of :data:`PHASES`.
    kind
        Step kind of the work repeats (``backward_walk`` | ``backward_jog`` | ``backward_run``).
    reps, rep_s
        Repeats and seconds per repeat.
    rec_s, rec_kind
        Recovery between repeats, s, and its kind (``backward_walk`` counts as backward time;
        ``forward_walk`` does not).
    rpe
        Target CR-10 effort (upper bound).
    sessions_per_week
        Sessions a week this level asks for (``None`` = the default 3).
    reps_lbp, rep_s_lbp
        Longer pattern used for low back pain (walking levels only), else ``None``.
    """

    index: int
    name: str
    phase: str
    kind: str
    reps: int
    rep_s: int
    rec_s: int
    rec_kind: str | None
    rpe: int
    sessions_per_week: int | None = None
    reps_lbp: int | None = None
    rep_s_lbp: int | None = None

    @property
    def walking(self) -> bool:
        return self.kind == "backward_walk"

    def pattern(self, condition: str = "none") -> tuple[int, int]:
        """``(reps, rep_s)`` for a condition (low back pain may use the longer walking pattern)."""
        if condition == "low_back_pain" and self.reps_lbp is not None:
            return self.reps_lbp, int(self.rep_s_lbp or self.rep_s)
        return self.reps, self.rep_s

    def backward_s(self, condition: str = "none") -> int:
        """Nominal backward seconds of one session at this level."""
        reps, rep_s = self.pattern(condition)
        rec = self.rec_s * (reps - 1) if self.rec_kind and self.rec_kind.startswith("backward") \
            else 0
        return reps * rep_s + rec

    def backward_minutes(self, condition: str = "none") -> float:
        """Nominal backward minutes of one session at this level, min."""
        return self.backward_s(condition) / 60.0

    def pattern_name(self, reps: int, rep_s: int) -> str:
        """Name of this level's pattern with ``reps`` × ``rep_s`` (what the runner does).

        ``pattern_name(*level.pattern())`` is the nominal name; the planner names every
        backward block after its *scaled* pattern, e.g. ``"Backward walk 2 × 2:45"`` for L1
        when a cap keeps the session at 5.5 min.
        """
        if self.phase == "backward_walk":
            return f"Backward walk {reps} × {_mmss(rep_s)}"
        if self.phase == "backward_jog_intervals":
            if reps == 1:
                return f"Backward jog {_mmss(rep_s)}"
            return f"{reps} × ({_mmss(rep_s)} jog / {_mmss(self.rec_s)} walk)"
        if self.phase == "maintenance":
            return f"Maintenance {_mmss(rep_s)}, {self.sessions_per_week}×/week"
        return f"Continuous {_mmss(rep_s)}"

    def scaled(self, budget_s: float, condition: str = "none") -> tuple[int, int]:
        """``(reps, rep_s)`` that fit ``budget_s`` backward seconds (nominal when it fits).

        Keeps as many repeats as possible and shortens each (down to ``MIN_REP_JOG_S`` for
        jog intervals, ``MIN_REP_S`` for walking), dropping repeats only below that; durations
        are multiples of ``GRAIN_S``. The result never exceeds the budget nor the nominal
        pattern; ``(0, 0)`` when nothing fits.
        """
        reps, rep_s = self.pattern(condition)
        if budget_s >= self.backward_s(condition):
            return reps, rep_s
        b = int(budget_s)
        back_rec = self.rec_kind is not None and self.rec_kind.startswith("backward")
        min_rep = MIN_REP_JOG_S if back_rec else MIN_REP_S
        for n in range(reps, 0, -1):
            avail = b - (n - 1) * self.rec_s if back_rec else b
            r = avail // n
            r = min(rep_s, r - r % GRAIN_S)
            if r >= min_rep or (n == 1 and r > 0):
                return n, r
        return 0, 0


def _mmss(s: int) -> str:
    return f"{s // 60}:{s % 60:02d}"


def _lvl(i: int, name: str, phase: str, kind: str, reps: int, rep_s: int, rec_s: int,
         rec_kind: str | None, rpe: int, **kw: int) -> Level:
    return Level(i, name, phase, kind, reps, rep_s, rec_s, rec_kind, rpe, **kw)


LEVELS: tuple[Level, ...] = (
    _lvl(0, "Backward walk 2 × 2:30", "backward_walk", "backward_walk", 2, 150, 30,
         "forward_walk", 3),
    _lvl(1, "Backward walk 2 × 4:00", "backward_walk", "backward_walk", 2, 240, 30,
         "forward_walk", 3),
    _lvl(2, "Backward walk 2 × 5:00", "backward_walk", "backward_walk", 2, 300, 30,
         "forward_walk", 3, reps_lbp=3, rep_s_lbp=300),
    _lvl(3, "Backward walk 3 × 4:00", "backward_walk", "backward_walk", 3, 240, 30,
         "forward_walk", 3, reps_lbp=3, rep_s_lbp=600),
    _lvl(4, "6 × (0:30 jog / 1:00 walk)", "backward_jog_intervals", "backward_jog", 6, 30, 60,
         "backward_walk", 4),
    _lvl(5, "6 × (1:00 jog / 1:00 walk)", "backward_jog_intervals", "backward_jog", 6, 60, 60,
         "backward_walk", 4),
    _lvl(6, "5 × (1:30 jog / 1:00 walk)", "backward_jog_intervals", "backward_jog", 5, 90, 60,
         "backward_walk", 4),
    _lvl(7, "5 × (2:00 jog / 1:00 walk)", "backward_jog_intervals", "backward_jog", 5, 120, 60,
         "backward_walk", 4),
    _lvl(8, "Continuous 8:00", "backward_run_continuous", "backward_run", 1, 480, 0, None, 5),
    _lvl(9, "Continuous 10:00", "backward_run_continuous", "backward_run", 1, 600, 0, None, 5),
    _lvl(10, "Continuous 12:00", "backward_run_continuous", "backward_run", 1, 720, 0, None, 5),
    _lvl(11, "Continuous 15:00", "backward_run_continuous", "backward_run", 1, 900, 0, None, 5),
    _lvl(12, "Maintenance 10:00, 2×/week", "maintenance", "backward_run", 1, 600, 0, None, 5,
         sessions_per_week=2),
)

#: First level of each phase.
PHASE_START: dict[str, int] = {}
for _l in LEVELS:
    PHASE_START.setdefault(_l.phase, _l.index)

_SKILL_BASE = {"never": 0, "walks_backwards": 1, "jogs_backwards": 4, "regular": 8}
_LAST_WALK = PHASE_START["backward_jog_intervals"] - 1


def start_level_reasons(profile: AthleteProfile) -> tuple[int, list[str]]:
    """Start level and the reasons, from skill, balance, endurance, pain and condition.

    Rules (design rule ``start.skill_endurance_pain``):

    - skill: never → L0, walks backwards → L1, jogs backwards → L4, regular → L8;
    - endurance: < 2 runs or < 60 min a week or longest run < 20 min → at most L4
      (< 30 min a week → at most L2); regular skill with ≥ 150 min a week and a ≥ 45 min
      longest run → L9;
    - balance: 3 m backward walk > 5.5 s or single-leg stance < 30 s → at most L3 (walking);
    - pain: during or after running ≥ 4 → at most L3 and one level lower; 3 → one level lower
      (0–2 is the stricter return-to-run zone, ``rtr.pain_max``);
    - plantar heel pain → walking phase (the only reported use is backward walking).
    """
    reasons: list[str] = []
    sk = profile.skill
    lvl = _SKILL_BASE[sk.backward]
    reasons.append(f"backward skill '{sk.backward}' → L{lvl}")
    en = profile.endurance
    if sk.backward == "regular" and en.weekly_minutes >= 150 and en.longest_run_min >= 45:
        lvl = 9
        reasons.append("regular backward runner with ≥ 150 min/week and a ≥ 45 min long run → L9")
    if en.weekly_minutes < 30:
        if lvl > 2:
            lvl = 2
            reasons.append(f"{en.weekly_minutes:g} forward min/week (< 30) → at most L2")
    elif en.runs_per_week < 2 or en.weekly_minutes < 60 or en.longest_run_min < 20:
        if lvl > 4:
            lvl = 4
            reasons.append("low running volume (< 2 runs, < 60 min/week or longest < 20 min) "
                           "→ at most L4")
    bwt, sls = sk.backward_walk_3m_s, sk.single_leg_stance_s
    if (bwt is not None and bwt > 5.5) or (sls is not None and sls < 30):
        if lvl > _LAST_WALK:
            lvl = _LAST_WALK
            reasons.append(f"balance test below the screening cut-off → walking (L{lvl})")
    worst = max(profile.pain.during_running, profile.pain.after_running)
    if worst >= 4:
        lvl = max(0, min(lvl, _LAST_WALK) - 1)
        reasons.append(f"pain {worst}/10 during/after running → walking phase, one level "
                       f"lower (L{lvl})")
    elif worst >= 3:
        if lvl > 0:
            lvl -= 1
            reasons.append(f"pain {worst}/10 during/after running → one level lower (L{lvl})")
    if profile.condition.kind == "plantar_heel_pain" and lvl > _LAST_WALK:
        lvl = _LAST_WALK
        reasons.append("plantar heel pain → walking phase (only backward walking is reported)")
    return lvl, reasons


def start_level(profile: AthleteProfile) -> int:
    """Index into :data:`LEVELS` where the athlete starts (see :func:`start_level_reasons`)."""
    return start_level_reasons(profile)[0]
