"""The plan generator: a profile (+ history) → a week-by-week backward-running plan.

Pure and deterministic: same inputs, same plan. The steps:

1. :func:`~retrorun.prescription.screening.screen` — a referred athlete raises
   :class:`ReferralError` (no plan is ever built for them).
2. Start level from skill, endurance and pain (:func:`~retrorun.prescription.ladder.start_level`),
   unless given.
3. Training days: up to 3 a week (2 in maintenance) with at least one rest day between
   backward sessions, wrapping around the week (Sunday → Monday counts as consecutive).
4. Week by week: progress when the current level was done at its full dose in ≥ 2 sessions —
   duration within a phase first, then frequency (2 → 3 sessions), then speed (next phase).
5. Each session gets a backward-time **budget**: the level's nominal minutes, clipped by every cap
   (10 min in a first week without history, 1.1 × the longest session of the last 30 days,
   1.3 × the week two weeks earlier, the weekly share, the per-session maximum); the level's
   step pattern is scaled into the budget (:meth:`~retrorun.prescription.ladder.Level.scaled`).
   A session whose budget is under a minute is dropped.
6. Each session = backward warm-up block (first) → transfer strides → the athlete's own run.

:func:`~retrorun.prescription.caps.check_caps` verifies the result; the property tests run it on
random profiles and histories.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from functools import lru_cache

from retrorun import DISCLAIMER
from retrorun.prescription.caps import clean_history, week_index
from retrorun.prescription.evidence import EVIDENCE, gaps_for, value
from retrorun.prescription.ladder import GRAIN_S, LEVELS, Level, start_level_reasons
from retrorun.prescription.looks import look_schedule
from retrorun.prescription.model import Block, Limits, Plan, Session, Step, Week
from retrorun.prescription.profile import WEEKDAYS, AthleteProfile
from retrorun.prescription.screening import ScreeningResult, screen

#: Highest number of weeks a plan may have.
MAX_WEEKS = 52
#: A session whose backward budget is below this is dropped, s.
MIN_SESSION_S = 60


class ReferralError(ValueError):
    """The athlete was referred by screening: no plan. ``.result`` holds the reasons."""

    def __init__(self, result: ScreeningResult) -> None:
        self.result = result
        who = sorted({r.who_to_see for r in result.reasons
                      if r.outcome == "refer" and r.who_to_see})
        msgs = [r.message for r in result.reasons if r.outcome == "refer"]
        super().__init__(
            "No plan: screening says refer. " + " ".join(msgs)
            + (f" Please see {' or '.join(who)}." if who else "")
        )


def make_limits(profile: AthleteProfile) -> Limits:
    """The cap numbers for this athlete (from the evidence registry)."""
    lbp = profile.condition.kind == "low_back_pain"
    return Limits(
        easy_speed_m_s=profile.endurance.easy_speed_m_s,
        speed_fraction=value("speed.ceiling_fraction"),
        rpe_max=int(value("intensity.rpe_max")),
        session_growth_max=value("caps.session_vs_longest_30d"),
        two_week_growth_max=value("caps.two_week_growth"),
        weekly_running_minutes=float(profile.endurance.weekly_minutes),
        share_max=value("caps.weekly_share"),
        share_base_min_minutes=float(value("caps.share_base_min_minutes")),
        max_session_minutes=float(value("dose.max_running_minutes")),
        max_session_minutes_walk=float(value(
            "dose.max_walking_minutes_lbp" if lbp else "dose.max_walking_minutes"
        )),
        min_rest_days=int(value("dose.rest_days_between")),
    )


@lru_cache(maxsize=512)
def choose_days(training_days: tuple[int, ...], n: int) -> tuple[int, ...]:
    """Up to ``n`` weekdays (0 = Monday) from ``training_days`` with a rest day between each.

    Adjacency wraps around the week. Among valid sets of the largest size ≤ ``n``, picks the one
    with the largest smallest gap, then the earliest days.
    """
    days = sorted(set(training_days))
    for k in range(min(n, len(days)), 0, -1):
        best: tuple[int, tuple[int, ...]] | None = None
        for combo in itertools.combinations(days, k):
            if k == 1:
                gaps = [7]
            else:
                gaps = [b - a for a, b in itertools.pairwise(combo)] + [combo[0] + 7 - combo[-1]]
            g = min(gaps)
            if g < 2:
                continue
            if best is None or g > best[0]:
                best = (g, combo)
        if best is not None:
            return best[1]
    return ()


_CUES_WALK = (
    "Reach back with the toes, roll from forefoot to heel",
    "Tall: hips stacked over the feet, chest up",
    "Short, even steps; arms relaxed",
)
_CUES_JOG = (
    "Land softly on the forefoot under the hip",
    "Lean slightly from the ankles, not the waist",
    "Quick, light steps; push through the front of the foot",
    "Hips level, knees tracking over the second toe",
)
_CUES_CONDITION = {
    "lateral_knee_pain": ("Watch the knee: it tracks over the second toe, the hip does not drop",),
    "low_back_pain": ("Gentle brace; do not arch the low back",),
    "plantar_heel_pain": ("Soft landings; stop if first-step heel pain is worse next morning",),
    "none": (),
}
_TRANSFER_CUES = (
    "Same posture as backwards: tall, hips over the feet",
    "Quick, short steps landing under the hip",
    "Smooth and relaxed, not a sprint",
)


def _pace_str(s_per_km: float) -> str:
    s = round(s_per_km)
    return f"{s // 60}:{s % 60:02d}/km"


def _surface(profile: AthleteProfile, supervised: bool) -> tuple[str, tuple[str, ...]]:
    surfaces = profile.schedule.surfaces
    if supervised:
        if "treadmill" in surfaces:
            return "treadmill", ("Supervised: treadmill with handrails — hold them lightly",
                                 "Clip on the safety key; start the belt before you turn round")
        s = "track" if "track" in surfaces else "flat_path"
        return s, ("Supervised: only with a coach or partner present beside you",)
    if "track" in surfaces:
        return "track", ("Outside lane or the home straight; check the lane is clear first",)
    if "treadmill" in surfaces:
        return "treadmill", ("Clip on the safety key; start the belt slowly holding the rails",
                             "No looking back on a treadmill: eyes forward")
    return "flat_path", ("A flat, smooth stretch you know: no kerbs, roots or traffic",
                         "Walk it forwards first; turn round at the same marks")


def _backward_block(
    level: Level,
    reps: int,
    rep_s: int,
    condition: str,
    limits: Limits,
    surface: str,
    surface_cues: tuple[str, ...],
    session_number: int,
) -> Block:
    ceil_ms = limits.step_ceiling_m_s
    ceil_spk = limits.step_ceiling_s_per_km
    if level.walking:
        label = "comfortable walk"
        cues = _CUES_WALK
    else:
        label = f"≤ {limits.speed_fraction:.0%} of easy pace ({_pace_str(ceil_spk)})"
        cues = _CUES_JOG
    if surface == "treadmill":
        label += f"; treadmill ≤ {ceil_ms * 3.6:.1f} km/h"
    step = Step(
        kind=level.kind,
        duration_s=rep_s,
        repeats=reps,
        recovery_s=level.rec_s if reps > 1 else 0,
        recovery_kind=level.rec_kind if reps > 1 else None,
        pace_ceiling_m_s=ceil_ms,
        pace_ceiling_s_per_km=ceil_spk,
        pace_label=label,
        rpe_target=min(level.rpe, limits.rpe_max),
        cues=cues,
    )
    looks = look_schedule(step.backward_s, surface, session_number)
    return Block(
        kind="backward_warmup",
        title=f"Backward warm-up: {level.pattern_name(reps, rep_s)}",
        steps=(step,),
        surface=surface,
        surface_cues=surface_cues,
        looks=looks,
        cues=_CUES_CONDITION.get(condition, ()),
    )


@lru_cache(maxsize=64)
def _transfer_block(level: Level, surface: str) -> Block:
    n = 2 if level.walking else 4
    step = Step(
        kind="forward_stride",
        duration_s=20,
        repeats=n,
        recovery_s=60,
        recovery_kind="forward_walk",
        pace_label="relaxed, smooth (not a sprint)",
        rpe_target=5,
        cues=_TRANSFER_CUES,
    )
    return Block(
        kind="transfer_drills",
        title=f"Transfer: {n} × 20 s forward strides",
        steps=(step,),
        surface="treadmill" if surface == "treadmill" else "any",
        cues=("Carry the backward posture into forward running",),
    )


def _main_block(profile: AthleteProfile) -> Block:
    typ = profile.endurance.typical_run_min
    if typ > 0:
        step = Step(kind="easy_run", duration_s=round(typ * 60), pace_label="as planned",
                    rpe_target=5, cues=("Your own run, as you planned it",))
        title = f"Your own run (≈ {typ:.0f} min)"
    else:
        step = Step(kind="forward_walk", duration_s=20 * 60, pace_label="brisk",
                    rpe_target=3, cues=("Brisk forward walk while you are not running",))
        title = "Brisk forward walk (20 min)"
    return Block(kind="main_run", title=title, steps=(step,), surface="any")


def _plan_id(profile: AthleteProfile, start: dt.date, weeks: int, level: int | None,
             hist: list[tuple[dt.date, float]], block_start: dt.date,
             step_back: float | None) -> str:
    inputs = {"p": profile.to_dict(), "s": start.isoformat(), "w": weeks, "l": level,
              "h": [(d.isoformat(), m) for d, m in hist]}
    if block_start != start:
        inputs["b"] = block_start.isoformat()
    if step_back is not None:
        inputs["sb"] = step_back
    payload = json.dumps(inputs, sort_keys=True)
    return "rr-" + hashlib.sha1(payload.encode()).hexdigest()[:10]


def build_plan(
    profile: AthleteProfile,
    start: dt.date,
    weeks: int = 6,
    *,
    start_level: int | None = None,
    history: Sequence[tuple[dt.date, float]] = (),
    plan_id: str | None = None,
    block_start: dt.date | None = None,
    step_back_minutes: float | None = None,
) -> Plan:
    """Build a backward-running plan.

    Parameters
    ----------
    profile
        The athlete.
    start
        First day a session may fall on (any weekday).
    weeks
        Number of weeks (1–52; default 6, ``dose.block_weeks``), counted from the week of the
        block that contains ``start``.
    start_level
        Level of week 1 (index into ``LEVELS``); default from the profile.
    history
        ``(date, backward minutes)`` of past sessions; entries on or after ``start`` and with
        0 minutes are ignored. All caps hold across history + plan.
    plan_id
        Id of the plan; default: a hash of the inputs.
    block_start
        First day of the training block (≤ ``start``; default ``start``). Weeks are the
        7-day weeks counted from it: a re-plan that starts mid-block passes the block's first
        day, so its week numbers, session ids and two-week cap windows are the block's, and the
        sessions already done in the current week count towards that week.
    step_back_minutes
        After a regress (design rule ``design.step_back_dose``): sessions at the start level
        stay at or below this many backward minutes, and reaching it counts as that level's
        full dose (so the runner repeats the lower dose twice, then progresses again). ``None``
        (default): no such ceiling.

    Returns
    -------
    Plan

    Raises
    ------
    ReferralError
        When screening says refer (no plan is built).
    ValueError
        For ``weeks`` or ``start_level`` out of range or a malformed history.
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    if not isinstance(start, dt.date):
        raise TypeError(f"start must be a datetime.date, got {type(start).__name__}")
    if not 1 <= int(weeks) <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    weeks = int(weeks)
    if block_start is None:
        block_start = start
    if isinstance(block_start, dt.datetime):
        block_start = block_start.date()
    if not isinstance(block_start, dt.date):
        raise TypeError(f"block_start must be a datetime.date, got {type(block_start).__name__}")
    if block_start > start:
        raise ValueError(f"block_start {block_start} is after the plan start {start}")
    if step_back_minutes is not None and not (step_back_minutes > 0
                                              and math.isfinite(step_back_minutes)):
        raise ValueError(f"step_back_minutes must be > 0, got {step_back_minutes!r}")
    result = screen(profile)
    if result.referred:
        raise ReferralError(result)
    supervised = result.supervised
    cond = profile.condition.kind
    hist = clean_history(history, start)
    limits = make_limits(profile)

    if start_level is None:
        level_i, reasons = start_level_reasons(profile)
    else:
        if not 0 <= int(start_level) < len(LEVELS):
            raise ValueError(f"start_level must be 0–{len(LEVELS) - 1}, got {start_level}")
        level_i, reasons = int(start_level), [f"start level L{start_level} given"]
    first_level = level_i

    tdays = tuple(sorted(WEEKDAYS.index(d) for d in profile.schedule.training_days))
    target_freq = len(choose_days(tdays, int(value("dose.sessions_per_week"))))
    freq = target_freq
    worst_pain = max(profile.pain.during_running, profile.pain.after_running)
    if (LEVELS[level_i].walking and target_freq >= 3
            and (profile.skill.backward == "never" or worst_pain >= 4)):
        freq = 2
        reasons.append("novice or painful start: 2 sessions a week, 3 once walking is easy")
    if target_freq < int(value("dose.sessions_per_week")):
        reasons.append(f"your training days allow {target_freq} session(s) a week with a rest "
                       "day between")

    surface, surface_cues = _surface(profile, supervised)
    main = _main_block(profile)

    # timeline of (date, minutes) for the caps; history first
    timeline: list[tuple[dt.date, float]] = list(hist)
    totals: dict[int, float] = {}
    counts: dict[int, int] = {}
    for d, m in hist:
        k = week_index(d, block_start)
        totals[k] = totals.get(k, 0.0) + m
        counts[k] = counts.get(k, 0) + 1
    first_week = week_index(start, block_start)

    run_max = limits.max_session_minutes * 60.0
    walk_max = limits.max_session_minutes_walk * 60.0
    weekly_max = limits.weekly_backward_max
    first_max = value("caps.first_week_max_minutes") * 60.0
    growth = limits.session_growth_max
    two_week = limits.two_week_growth_max
    gap_days = limits.min_rest_days + 1
    min_full = int(value("progression.min_compliant_sessions"))

    full_at_level = 0
    blocks_memo: dict[tuple[int, int, int, int], Block] = {}
    week_list: list[Week] = []
    session_no = 0
    for w in range(first_week, first_week + weeks):
        wstart = block_start + dt.timedelta(days=7 * (w - 1))
        if w == first_week:
            decision = f"start at L{level_i}"
            if step_back_minutes is not None:
                decision += f": step-back dose ≤ {step_back_minutes:.1f} min"
        elif full_at_level >= min_full and level_i + 1 < len(LEVELS):
            cur = LEVELS[level_i]
            nxt_i = level_i + 1
            nxt = LEVELS[nxt_i]
            if nxt.phase != cur.phase and freq < target_freq and nxt.phase != "maintenance":
                freq += 1
                decision = f"progress: frequency → {freq} sessions a week"
            else:
                kind = ("duration" if nxt.phase == cur.phase else
                        "maintenance" if nxt.phase == "maintenance" else
                        f"speed → {nxt.phase.replace('_', ' ')}")
                level_i = nxt_i
                decision = f"progress: {kind} (L{level_i})"
            full_at_level = 0
        elif full_at_level >= min_full:
            decision = "hold: top of the ladder (maintenance)"
        else:
            decision = f"hold L{level_i}: build minutes"
        level = LEVELS[level_i]
        n = min(freq, level.sessions_per_week or freq)
        chosen = choose_days(tdays, n)
        offs = sorted((wd - wstart.weekday()) % 7 for wd in chosen)
        dates = [wstart + dt.timedelta(days=o) for o in offs]
        # a re-plan that starts mid-week: only the days from its start, and no more sessions
        # than the week asks for counting those already done this week
        done_here = counts.get(w, 0)
        dates = [d for d in dates if d >= start][:max(n - done_here, 0)]
        nominal = level.backward_s(cond)
        smax = walk_max if level.walking else run_max
        base = totals.get(w - 2, 0.0)
        week_cap = weekly_max
        if base > 0:
            week_cap = min(week_cap, two_week * base)
        # the dose the static caps (share of running, session maximum) allow at this level:
        # reaching it counts as the level's full dose, so progression does not stall on it
        static_s = min(float(nominal), smax, weekly_max * 60.0 / max(len(dates) + done_here, 1))
        full_s = min(float(nominal), static_s - GRAIN_S * level.reps)
        step_back_s = None
        if step_back_minutes is not None and level_i == first_level:
            step_back_s = step_back_minutes * 60.0
            full_s = min(full_s, step_back_s - GRAIN_S * level.reps)
        used = totals.get(w, 0.0)  # minutes already done this week (history)
        first_binding = ""
        sessions: list[Session] = []
        for j, d in enumerate(dates):
            if timeline and (d - timeline[-1][0]).days < gap_days:
                continue
            # every cap as (limit in s, name); the budget is the smallest
            limits_s = [(float(nominal), "level"), (smax, "session maximum")]
            if step_back_s is not None:
                limits_s.append((step_back_s, "step-back dose"))
            # the 1.1x cap (Frandsen 2025) is per session: against the longest session of
            # the previous 30 days, so consecutive sessions may each grow by 10 % (the
            # two-week cap bounds what that adds up to); a first week without any session
            # in the previous 30 days is held to the 5-10 min entry dose
            lo = d - dt.timedelta(days=30)
            before_week = [m for pd, m in timeline if lo <= pd < wstart]
            prior = [m for pd, m in timeline if lo <= pd < d]
            if not before_week:
                limits_s.append((first_max, "first-week 10 min"))
            if prior:
                limits_s.append((growth * max(prior) * 60.0, "1.1× cap"))
            left = len(dates) - j
            room = (week_cap - used) * 60.0 / left
            limits_s.append((room, "2-week cap" if week_cap < weekly_max else "share cap"))
            budget, binding = min(limits_s, key=lambda t: t[0])
            if not sessions:
                first_binding = binding
            budget = math.floor(budget + 1e-9)
            if budget < MIN_SESSION_S:
                continue
            reps, rep_s = level.scaled(budget, cond)
            if reps == 0:
                continue
            session_no += 1
            key = (level.index, reps, rep_s, session_no % 2)
            bw = blocks_memo.get(key)
            if bw is None:
                bw = blocks_memo[key] = _backward_block(level, reps, rep_s, cond, limits,
                                                        surface, surface_cues, session_no)
            bw_s = bw.backward_s
            if bw_s < MIN_SESSION_S:
                session_no -= 1
                continue
            minutes = bw_s / 60.0
            used += minutes
            timeline.append((d, minutes))
            if bw_s >= full_s:
                full_at_level += 1
            sessions.append(Session(
                session_id="",
                date=d,
                week=w,
                index_in_week=0,
                level=level.index,
                phase=level.phase,
                backward_minutes=minutes,
                blocks=(bw, _transfer_block(level, surface), main),
                supervised=supervised,
            ))
        sessions = [
            _with_id(s, k) for k, s in enumerate(sessions, start=done_here + 1)
        ]
        if decision.startswith("hold L") and first_binding == "step-back dose":
            decision = (f"hold L{level_i}: step-back dose (≥ {min_full} sessions before "
                        "moving on)")
        elif decision.startswith("hold L") and first_binding == "level":
            decision = f"hold L{level_i}: at the full dose (≥ {min_full} sessions before moving on)"
        elif decision.startswith("hold L") and first_binding:
            decision = f"hold L{level_i}: build minutes ({first_binding})"
        totals[w] = used
        week_list.append(Week(number=w, start=wstart, sessions=tuple(sessions),
                              decision=decision))

    notes = _notes(profile, result, surface, slow_text(week_list, limits))
    keys = tuple(k for k in EVIDENCE if k.split(".")[0] in (
        "dose", "placement", "speed", "intensity", "progression", "caps", "looks", "surface",
        "transfer", "start", "phase", "screening"))
    return Plan(
        plan_id=plan_id or _plan_id(profile, start, weeks, start_level, hist, block_start,
                                    step_back_minutes),
        athlete=profile.name,
        condition=cond,
        side=profile.condition.side,
        start=start,
        weeks=tuple(week_list),
        screening=result.outcome,
        supervised=supervised,
        start_level=first_level,
        start_reasons=tuple(reasons),
        limits=limits,
        notes=notes,
        evidence_keys=keys,
        disclaimer=DISCLAIMER,
        block_start=block_start,
    )


def _with_id(s: Session, k: int) -> Session:
    return Session(
        session_id=f"{s.date.isoformat()}-w{s.week}s{k}",
        date=s.date,
        week=s.week,
        index_in_week=k,
        level=s.level,
        phase=s.phase,
        backward_minutes=s.backward_minutes,
        blocks=s.blocks,
        supervised=s.supervised,
    )


def _notes(profile: AthleteProfile, result: ScreeningResult, surface: str,
           slow: str = "") -> tuple[str, ...]:
    notes: list[str] = []
    if result.supervised:
        notes.append("Supervised only (treadmill with handrails or a coach present): " + " ".join(
            r.message for r in result.reasons if r.outcome == "supervised"))
    for r in result.reasons:
        if r.outcome == "advice":
            notes.append(r.message)
    if surface != "track" and not result.supervised:
        notes.append(f"No track available: backward blocks on the {surface.replace('_', ' ')} "
                     "(see the surface cues).")
    if profile.condition.kind == "low_back_pain":
        notes.append("Low back pain: at walking levels, backward walking may build to 30 min "
                     "(postural LBP study).")
    notes.append("Stop the backward block if pain passes 5/10, and see a clinician if pain "
                 "changes how you move or does not settle by the next morning.")
    if slow:
        notes.append(slow)
    for g in gaps_for(profile.condition.kind):
        notes.append("Evidence gap: " + g.text)
    return tuple(notes)


def _fmt_min(m: float) -> str:
    return f"{round(m, 1):g}"


def growth_summary(weeks: Sequence[Week]) -> tuple[float, float, list[float]]:
    """First and longest session minutes of a plan and its distinct per-session steps up to
    the longest."""
    mins = [s.backward_minutes for w in weeks for s in w.sessions]
    if not mins:
        return 0.0, 0.0, []
    top = max(mins)
    steps: list[float] = []
    for m in mins[:mins.index(top) + 1]:
        if not steps or abs(m - steps[-1]) > 1e-9:
            steps.append(m)
    return mins[0], top, steps


def slow_text(weeks: Sequence[Week], limits: Limits) -> str:
    """'Why so slow': how the two growth caps shape this plan's minutes (empty when they
    never bind)."""
    if not any("1.1× cap" in w.decision or "2-week cap" in w.decision for w in weeks):
        return ""
    first, last, steps = growth_summary(weeks)
    seq = " → ".join(_fmt_min(m) for m in steps[:5]) + (" → …" if len(steps) > 5 else "")
    return (f"Why so slow: a session may be at most {limits.session_growth_max - 1:.0%} longer "
            "than your longest backward session of the last 30 days (Frandsen 2025: bigger "
            "single-session spikes raised injury rates in 5,205 runners), and a week at most "
            f"{limits.two_week_growth_max - 1:.0%} more than the week two weeks before (Nielsen "
            f"2014). So your backward minutes grow session by session ({seq}, rounded down to "
            f"whole 5 s per repeat): from {_fmt_min(first)} to at most {_fmt_min(last)} min in "
            f"{len(weeks)} weeks. That is on purpose: the backward block is a short corrective "
            "warm-up, and slow, regular doses are what the evidence supports.")


