"""The evidence registry: every number retrorun prescribes or adapts with, and where it comes from.

Each :class:`Evidence` entry carries its value(s), a citation from the team's research file
(``evidence.md``) and a grade: ``"V"`` (number read in a retrieved abstract or page) or ``"U"``
(recalled or partly retrieved). A number without a source is a **design rule**
(``design_rule=True``) and says why it was chosen. :data:`EVIDENCE_GAPS` lists what no study
answers; plans show the gaps that apply to the athlete.

Keys are dotted and stable (other modules and the training-log area refer to them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from retrorun.prescription.model import Plan


_YEAR_RE = re.compile(r"^(.*?\b(?:19|20)\d\d)\b")
_PAREN_RE = re.compile(r"\s*\([^()]*\)")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One numeric rule and its source.

    Attributes
    ----------
    key
        Stable dotted key.
    summary
        The rule in one line.
    values
        The number(s) the code uses (units in ``unit``).
    unit
        Unit of ``values`` ("" for ratios/scores).
    citation
        Authors, year, venue (empty for pure design rules).
    grade
        ``"V"`` verified in a retrieved source, ``"U"`` unverified, ``""`` for design rules.
    design_rule
        True when no study gives the number; ``reason`` says why it was chosen.
    reason
        Rationale of a design rule, or a note on how the source is applied.
    """

    key: str
    summary: str
    values: tuple[float, ...]
    unit: str
    citation: str
    grade: str
    design_rule: bool = False
    reason: str = ""

    @property
    def short_citation(self) -> str:
        """Authors and year of each source (``"Alghadir, Anwer et al. 2019; Terblanche …"``)."""
        text = _PAREN_RE.sub("", self.citation)
        parts = []
        for part in text.split(";"):
            part = part.strip()
            m = _YEAR_RE.match(part)
            short = m.group(1) if m else part.split(":")[0].split(",")[0].strip()
            if short and short not in parts:
                parts.append(short)
        return "; ".join(parts)

    @property
    def short_label(self) -> str:
        """Like :attr:`label` with :attr:`short_citation`."""
        if self.design_rule:
            return "design rule"
        return f"[{self.grade}] {self.short_citation}"

    @property
    def label(self) -> str:
        """``[V] citation``, ``[U] citation`` or ``design rule``."""
        if self.design_rule:
            return "design rule" + (f" (informed by {self.citation})" if self.citation else "")
        return f"[{self.grade}] {self.citation}"


@dataclass(frozen=True, slots=True)
class EvidenceGap:
    """Something no study answers, shown to users.

    ``conditions`` lists the conditions it applies to (empty = every plan).
    """

    key: str
    text: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one number of a plan is what it is."""

    topic: str
    value: str
    why: str
    evidence_keys: tuple[str, ...]
    source: str
    short_source: str = ""


def _e(
    key: str,
    summary: str,
    values: tuple[float, ...],
    unit: str,
    citation: str,
    grade: str = "V",
    *,
    design_rule: bool = False,
    reason: str = "",
) -> Evidence:
    return Evidence(key, summary, values, unit, citation, "" if design_rule else grade,
                    design_rule, reason)


_ENTRIES: tuple[Evidence, ...] = (
    # ---- dose -------------------------------------------------------------------------------
    _e("dose.sessions_per_week", "3 backward sessions a week", (3,), "sessions/week",
       "Alghadir, Anwer et al. 2019, BMC Musculoskelet Disord 20:159; Terblanche et al. 2005, "
       "Int J Sports Med 26:214"),
    _e("dose.block_weeks", "Default block of 6 weeks", (6,), "weeks",
       "Alghadir et al. 2019, BMC MSD 20:159 (3 d/wk × 6 wk); Terblanche et al. 2005"),
    _e("dose.session_minutes", "Clinical backward-walking dose 10–15 min a session", (10, 15),
       "min", "Alghadir 2019; Dufek et al. 2011, JEPonline 14:17; Whitley & Dufek 2011, IJES; "
       "Physiother Quart 2023 31(3):86"),
    _e("dose.rest_days_between", "At least 1 rest day between backward sessions", (1,), "days",
       "Soldier gait-retraining RCT protocol, Trials 2023 (s13063-023-07502-x)"),
    _e("dose.start_minutes", "Backward part starts at 5–10 min inside the warm-up", (5, 10),
       "min", "FIFA 11+ manual (F-MARC): Part 1 slow running ≈ 8 min incl. backwards running"),
    _e("dose.max_running_minutes", "Backward running builds toward 15 min a session", (15,),
       "min", "Alghadir et al. 2019; Dufek et al. 2011; Physiother Quart 2023 (clinical doses "
       "10–15 min)",
       reason="15 min is the top of the studied per-session dose; retrorun never exceeds it."),
    _e("dose.max_walking_minutes", "Backward walking up to 15 min a session", (15,), "min",
       "Whitley & Dufek 2011 (10–15 min/day); Physiother Quart 2023 (15 min)"),
    _e("dose.max_walking_minutes_lbp", "Low back pain: backward walking up to 30 min", (30,),
       "min", "Chitkara J Multidiscip Res Health, postural LBP, 3×/wk × 6 wk, 10 → 30 min"),
    _e("placement.warmup_first", "The backward block is the warm-up at the start of the workout",
       (), "", "FIFA 11+ (backward running as a short part of a structured warm-up); origin posts "
       "(strenuous warm-up at the beginning)", design_rule=True,
       reason="The practice this product encodes; FIFA 11+ is the structural precedent."),
    # ---- speed / intensity -------------------------------------------------------------------
    _e("speed.ceiling_fraction", "Backward speed ≤ 70 % of easy forward speed", (0.70,), "",
       "Sterzing, Frommhold, Rosenbaum 2016, Gait Posture 46:135 (BR at 70 % of self-selected "
       "FR speed)", reason="A lab protocol speed, used here as a ceiling."),
    _e("speed.slow_is_active", "The knee benefit comes from slowness: keep it slow", (3.4, 3.5),
       "BW", "ODU MS thesis 1998 (PFJ 3.5 vs 3.4 BW at 1.0 m/s); Flynn & Soutas-Little 1995, "
       "JOSPT 21:277 (−46 % at self-selected speed)"),
    _e("speed.comfortable_walk", "Walking phases at a comfortable self-selected speed", (), "",
       "Lin et al. 2025, Physiother Theory Pract (meta-analysis, 13 RCTs): larger effects at "
       "comfortable speed and on a treadmill"),
    _e("intensity.rpe_max", "Backward effort capped at RPE 5 (CR-10)", (5,), "CR-10",
       "Trials 2023 return-to-run protocol (phases at RPE 3–5); MSSE abstract: BR RPE +2.8 "
       "points at the same speed"),
    _e("intensity.rpe_by_phase", "RPE targets: walk 3, jog intervals 4, continuous/maintenance 5",
       (3, 4, 5), "CR-10", "Trials 2023 protocol RPE 3 → 5", design_rule=True,
       reason="Mapping of our phases onto the protocol's RPE 3–5 range."),
    # ---- progression & caps -----------------------------------------------------------------
    _e("progression.order", "Progress duration first, then frequency, speed last", (), "",
       "Chitkara postural-LBP study (duration-only progression, 10 → 30 min)", design_rule=True,
       reason="Suggested encoding in evidence.md §6; no study compares orders."),
    _e("progression.min_compliant_sessions",
       "Progress only after ≥ 2 compliant sessions at a level", (2,), "sessions",
       "RunCalcs return-to-run guide (move up after two compliant sessions); Trials 2023 "
       "(each phase at least twice)"),
    _e("progression.step_back_dose",
       "After a regress: ≤ the triggering session's minutes / 1.1, held for 2 sessions", (),
       "", "RunCalcs return-to-run guide (step back to the last stage that was tolerated)",
       design_rule=True,
       reason="The level one below can be longer than the session that hurt (the ladder's "
       "nominal minutes, grown by the 1.1× cap); one growth step below the painful dose is the "
       "last dose the cap would have allowed before it."),
    _e("caps.session_vs_longest_30d",
       "A session's backward minutes ≤ 1.1 × the longest in the previous 30 days", (1.1,), "",
       "Frandsen et al. 2025, BJSM 59:1203 (5,205 runners; >10 % spike vs longest run in 30 d "
       "→ HRR 1.64)", reason="Applied to backward minutes by analogy with run distance."),
    _e("caps.two_week_growth", "Backward minutes ≤ +30 % over two weeks", (1.3,), "",
       "Nielsen et al. 2014, JOSPT 44(10) (>30 % per 2 weeks: HR 1.59 for distance-related "
       "injuries incl. ITBS, PFP)", reason="Week w ≤ 1.3 × week w − 2 (0 in week w − 2: no cap)."),
    _e("caps.ten_percent_rule", "The weekly 10 % rule alone did not prevent injuries", (0.208,
       0.203), "", "Buist et al. 2008, AJSM 36:33 (GRONORUN RCT); Fredette et al. 2022 review",
       reason="Why retrorun uses the two caps above instead of a 10 % weekly rule."),
    _e("caps.weekly_share", "Backward minutes ≤ 1/3 of the week's running (corrective, never "
       "predominant)", (1 / 3,), "", "FIFA 11+ (backward running is a part of an ≈ 20 min "
       "warm-up); origin posts (not the predominant way of locomotion)", design_rule=True,
       reason="No study sets a share; 1/3 keeps forward running at least twice the backward."),
    _e("caps.share_base_min_minutes", "Share cap computed on at least 45 forward min a week",
       (45,), "min", "", design_rule=True,
       reason="Lets a low-volume or resting runner do the entry dose (3 × 5 min)."),
    _e("caps.first_week_max_minutes", "Week 1 sessions ≤ 10 backward min without history",
       (10,), "min", "FIFA 11+ (5–10 min)", design_rule=True,
       reason="Upper end of the FIFA 11+ start range when there is no history to cap against."),
    # ---- looks / surface / technique --------------------------------------------------------
    _e("looks.alternate_equal", "Alternate left/right look-behinds, equal counts per session",
       (), "", "origin post (\"alternate the ratio of right-to-left looks\")", design_rule=True,
       reason="No study of look alternation exists; an even count, L/R/L/R…"),
    _e("looks.interval_s", "One look every 30 s of backward movement off a treadmill", (30,),
       "s", "", design_rule=True, reason="Keeps the path behind checked without constant turning."),
    _e("surface.track_preferred", "Flat, predictable surface: a track first", (), "",
       "Trials 2023 protocol (level surfaces, no hills); origin post (flat, predictable surface)"),
    _e("surface.treadmill", "Treadmill fallback (handrails when supervised)", (), "",
       "Lin et al. 2025 (larger effects on a treadmill); Ordway et al. 2016 JSCR (harnessed "
       "treadmill BR)"),
    _e("transfer.strides", "Forward strides with the same posture cues after the backward block",
       (), "", "Davis et al. review (PMC7083994): gait retraining transfers with faded feedback",
       design_rule=True, reason="Number and length of strides are ours."),
    _e("start.skill_endurance_pain", "Start level from skill, endurance and pain", (), "",
       "", design_rule=True,
       reason="No study maps skill to a start level; lower start when pain or low volume."),
    _e("phase.maintenance_sessions", "Maintenance: 2 sessions a week", (2,), "sessions/week",
       "Uthoff et al. 2020/2021 JSCR (2×/wk BR training)", design_rule=True,
       reason="Keeps the skill with the lowest studied frequency."),
    # ---- screening --------------------------------------------------------------------------
    _e("screening.parq", "Any PAR-Q \"yes\": see a doctor first", (), "",
       "PAR-Q, Canadian Society for Exercise Physiology"),
    _e("screening.knee_red_flags", "Knee red flags: refer", (), "",
       "NHS same-day triage; NHS Gloucestershire knee pathway"),
    _e("screening.back_red_flags", "Back red flags (age < 20 or > 50, cancer, night pain, "
       "saddle numbness, bladder change, ...): refer", (20, 50), "years",
       "AHCPR acute low back problems guideline (NCBI Bookshelf)"),
    _e("screening.heel_red_flags", "Heel red flags (numbness, pop, bony tenderness): refer", (),
       "", "clinical convention (not retrieved as a single source)", grade="U"),
    _e("screening.running_pain_refer", "Pain that changes gait or rises with activity: refer",
       (), "", "AOPT blog (\"bad pain\"); running-pain staging PMC4486915"),
    _e("screening.bwt_3m_supervised_s", "3 m backward walk > 5.5 s: supervised only", (5.5,),
       "s", "Polo-Ferrero et al. 2025, JFMK 10(2):154 (cut-off 5.5 s, n = 483)"),
    _e("screening.bwt_3m_refer_s", "3 m backward walk ≥ 8.15 s: refer", (8.15,), "s",
       "Kapan et al. 2025, JAMDA (≥ 8.15 s predicts falls, AUC 0.74)"),
    _e("screening.single_leg_stance_min_s", "Single-leg stance < 30 s: supervised only", (30,),
       "s", "RunCalcs return-to-run guide (hold single-leg balance 30–45 s before starting)"),
    _e("screening.vestibular_or_fall", "Dizziness, vestibular problems or a recent fall: "
       "supervised only", (), "", "evidence.md §4 (backward-gait fall risk, PubMed 23122938)",
       design_rule=True, reason="The supervised/refer split is ours."),
    _e("screening.pain_during_max", "Pain during running > 5/10: refer", (5,), "NRS",
       "Silbernagel et al. 2007, AJSM 35:897 (pain-monitoring model: > 5 unacceptable)"),
    _e("screening.pain_rest_max", "Pain at rest > 3/10: refer", (3,), "NRS",
       "Running-pain staging, PMC4486915 (pain at rest: stop the self-guided programme)",
       design_rule=True, reason="3 = top of the Silbernagel 'safe' zone, applied at rest."),
    # ---- pain monitoring & adaptation (used by retrorun.training) ---------------------------
    _e("pain.during_safe_max", "Pain during 0–3/10 is safe", (3,), "NRS",
       "Silbernagel et al. 2007; zones via Goom/bim.physio"),
    _e("pain.during_acceptable_max", "Pain during ≤ 5/10 is acceptable", (5,), "NRS",
       "Silbernagel et al. 2007, AJSM 35:897 (via evidenceforexercise)"),
    _e("pain.settle_by_next_morning", "Pain must settle by the next morning", (24,), "h",
       "Silbernagel et al. 2007"),
    _e("pain.no_week_to_week_rise", "Pain/stiffness must not rise week to week", (), "",
       "Silbernagel & Crossley 2015, JOSPT", grade="U"),
    _e("rtr.pain_max", "Return-to-run: pain ≤ 2/10 and not rising during the run", (2,), "NRS",
       "RunCalcs return-to-run guide"),
    _e("rtr.no_limp_next_morning", "Return-to-run: no limp the next morning", (), "",
       "RunCalcs return-to-run guide"),
    _e("rtr.swelling_same_or_less", "Return-to-run: swelling the same or less", (), "",
       "RunCalcs return-to-run guide"),
    _e("rtr.baseline_within_24h", "Symptoms back to baseline within 24 h", (24,), "h",
       "RunCalcs return-to-run guide"),
    _e("rtr.step_back", "If a rule fails: step back one level, 24–48 h low-impact", (24, 48),
       "h", "RunCalcs return-to-run guide"),
    _e("adapt.hold", "Hold if pain 4–5/10 or > 24 h to settle", (4, 5, 24), "NRS / h",
       "evidence.md §6, from Silbernagel 2007", design_rule=True,
       reason="Suggested encoding of the pain-monitoring model."),
    _e("adapt.regress", "Regress one level if pain > 5/10, morning pain higher, or swelling up",
       (5,), "NRS", "evidence.md §6, from Silbernagel 2007 and RunCalcs", design_rule=True,
       reason="Suggested encoding of the pain-monitoring model."),
    _e("load.backward_factor", "Backward minutes count × 1.3 as forward-equivalent load",
       (1.3,), "", "Wright & Weyand 2001, J Exp Biol 204:1805 (+35 ± 6 %); Rasica et al. 2020, "
       "Eur J Appl Physiol 120:2507 (+35 %); MSSE BWS-treadmill abstract (+29 %)",
       reason="1.3 is the low end of +29–35 %."),
    _e("load.srpe", "Session load = CR-10 RPE × minutes (AU)", (), "AU",
       "Foster et al. 2021, IJSPP 16:612 (session-RPE)"),
    _e("load.monotony_max", "Weekly monotony (mean/SD of daily load) > 2.0: flag", (2.0,), "",
       "Foster 1998 (via SKOHscripts/workout-planner README)"),
    _e("load.monotony_injury", "Monotony > 2.5 linked to injury", (2.5,), "",
       "Foster 1998 (via SKOHscripts/workout-planner README)"),
    _e("load.acwr_band", "ACWR 0.8–1.3 'sweet spot', ≥ 1.5 'danger' — information only",
       (0.8, 1.3, 1.5), "", "Gabbett 2016, BJSM 50:273; critique: Lolli et al. 2019, BJSM "
       "53:921 (coupling); critique: Impellizzeri et al. 2020, Sports Med; critique: Frandsen "
       "et al. 2025, BJSM (negative dose-response)", reason="Shown, never used to decide."),
    _e("load.ctl_atl_days", "CTL 42-day, ATL 7-day EWMA", (42, 7), "days",
       "Banister/PMC convention (GoldenCheetah, intervals.icu docs)"),
    _e("compliance.bands", "Compliance: within 15 % green, 15–35 % orange, > 35 % red",
       (0.15, 0.35), "", "Today's Plan compliance bands (via evidence.md §5)"),
)

#: All entries by key.
EVIDENCE: dict[str, Evidence] = {e.key: e for e in _ENTRIES}

#: What no study answers (shown with every plan they apply to).
EVIDENCE_GAPS: tuple[EvidenceGap, ...] = (
    EvidenceGap("gap.itbs", "No trial has tested backward running for IT-band (lateral knee) "
                "pain; retrorun extrapolates from knee-OA walking trials and patellofemoral "
                "biomechanics.", ("lateral_knee_pain",)),
    EvidenceGap("gap.plantar", "No trial has tested backward walking or running for plantar "
                "heel pain (plantar fasciitis); support is anecdotal and reports go both ways.",
                ("plantar_heel_pain",)),
    EvidenceGap("gap.lbp_small", "Low back pain studies of backward walking are small "
                "(n = 5 to 34) and mostly walking, not running.", ("low_back_pain",)),
    EvidenceGap("gap.looks", "No study has looked at alternating left/right look-behinds; the "
                "schedule is a design rule."),
    EvidenceGap("gap.caps_forward", "The progression caps come from forward-running cohorts and "
                "are applied to backward minutes by analogy."),
    EvidenceGap("gap.speed", "The 70 % speed ceiling is a lab protocol speed in healthy runners, "
                "not an outcome-tested dose."),
)


def gaps_for(condition: str) -> tuple[EvidenceGap, ...]:
    """Evidence gaps that apply to a plan for ``condition``."""
    return tuple(g for g in EVIDENCE_GAPS if not g.conditions or condition in g.conditions)


def cite(key: str) -> str:
    """The label of an entry (``[V] citation`` / ``design rule``); ``KeyError`` when unknown."""
    return EVIDENCE[key].label


def value(key: str, i: int = 0) -> float:
    """The ``i``-th number of an entry."""
    return EVIDENCE[key].values[i]


def _src(*keys: str) -> str:
    return "; ".join(EVIDENCE[k].label for k in keys)


def _short(*keys: str) -> str:
    seen: list[str] = []
    for k in keys:
        lab = EVIDENCE[k].short_label
        if lab not in seen:
            seen.append(lab)
    return "; ".join(seen)


def explain(plan: Plan) -> list[Explanation]:
    """Why each number of ``plan`` is what it is, with its source or 'design rule'.

    Ends with the evidence gaps that apply to the plan's condition.
    """
    from retrorun.prescription.ladder import LEVELS

    lim = plan.limits
    out: list[Explanation] = []

    def add(topic: str, val: str, why: str, *keys: str) -> None:
        out.append(Explanation(topic, val, why, keys, _src(*keys) if keys else "design rule",
                               _short(*keys) if keys else "design rule"))

    lvl = LEVELS[plan.start_level]
    add("Start level", f"L{lvl.index} {lvl.pattern_name(*lvl.pattern(plan.condition))}",
        "; ".join(plan.start_reasons) + (
            f" (week 1 does {_fmt(plan.sessions[0].backward_minutes)} of its "
            f"{_fmt(lvl.backward_minutes(plan.condition))} min: the caps below)"
            if plan.sessions and plan.sessions[0].level == lvl.index
            and plan.sessions[0].backward_minutes < lvl.backward_minutes(plan.condition) - 1e-9
            else ""), "start.skill_endurance_pain")
    per_week = sorted({len(w.sessions) for w in plan.weeks if w.sessions})
    add("Sessions a week", "/".join(str(n) for n in per_week) or "0",
        "3 a week on your training days, fewer when your days do not allow a rest day between, "
        "2 in maintenance", "dose.sessions_per_week", "dose.rest_days_between",
        "phase.maintenance_sessions")
    add("Plan length", f"{len(plan.weeks)} weeks", "default block 6 weeks", "dose.block_weeks")
    add("Placement", "backward block first", "every session starts with the backward block as "
        "the warm-up, then transfer strides, then your own run", "placement.warmup_first",
        "transfer.strides")
    ceiling = lim.step_ceiling_m_s
    add("Pace ceiling", f"{ceiling:.2f} m/s ({_pace(lim.step_ceiling_s_per_km)}/km)",
        f"{lim.speed_fraction:.0%} of your easy forward speed {lim.easy_speed_m_s:.2f} m/s; "
        "walking phases: comfortable speed; slowness is the active ingredient",
        "speed.ceiling_fraction", "speed.slow_is_active", "speed.comfortable_walk")
    add("Effort", f"RPE ≤ {lim.rpe_max}", "never fast: backward running feels ≈ 3 points harder "
        "than forward at the same speed", "intensity.rpe_max", "intensity.rpe_by_phase")
    first = plan.sessions[0].backward_minutes if plan.sessions else 0.0
    add("First session", f"{first:.1f} backward min", "the backward part starts at 5–10 min "
        "inside the warm-up (capped at 10 without history)", "dose.start_minutes",
        "caps.first_week_max_minutes")
    add("Session cap", f"≤ {lim.session_growth_max:g} × longest in 30 days",
        "a single session may not jump more than 10 % over your longest backward session of "
        "the last 30 days", "caps.session_vs_longest_30d")
    add("Two-week cap", f"≤ +{lim.two_week_growth_max - 1:.0%}",
        "a week's backward minutes may not exceed the week two weeks earlier by more than 30 %",
        "caps.two_week_growth", "caps.ten_percent_rule")
    from retrorun.prescription.planner import growth_summary

    first_m, last_m, steps = growth_summary(plan.weeks)
    if steps:
        seq = " → ".join(_fmt(m) for m in steps[:6]) + (" → …" if len(steps) > 6 else "")
        add("Why so slow", f"{_fmt(first_m)} → at most {_fmt(last_m)} backward min in "
            f"{len(plan.weeks)} weeks",
            f"per session ({seq}): each session ≤ {lim.session_growth_max:g} × your longest of "
            "the last 30 days, so consecutive sessions may each grow 10 %; the two-week cap "
            "bounds what that adds up to; durations are rounded down to 5 s per repeat (≤ 5 s "
            "× repeats lost a session, never added)", "caps.session_vs_longest_30d",
            "caps.two_week_growth")
    add("Share of running", f"≤ {lim.weekly_backward_max:.0f} backward min/week",
        f"backward ≤ {lim.share_max:.0%} of the week's running, on your "
        f"{lim.weekly_running_minutes:.0f} forward min/week (at least "
        f"{lim.share_base_min_minutes:.0f})", "caps.weekly_share", "caps.share_base_min_minutes")
    add("Session maximum", f"{lim.max_session_minutes:g} min running / "
        f"{lim.max_session_minutes_walk:g} min walking",
        "the studied per-session dose; walking longer only for low back pain",
        "dose.max_running_minutes", "dose.max_walking_minutes", "dose.max_walking_minutes_lbp")
    add("Progression", "duration → frequency → speed", "a level is held for at least 2 sessions; "
        "minutes grow first, then sessions a week, then the phase (speed) changes",
        "progression.order", "progression.min_compliant_sessions")
    add("Look-behinds", "alternate L/R, equal counts", "one look every 30 s of backward "
        "movement off a treadmill; none on a treadmill (hold the rails lightly)",
        "looks.alternate_equal", "looks.interval_s")
    add("Surface", plan.sessions[0].surface if plan.sessions else "-",
        "flat and predictable; track first, treadmill or flat path as fallback",
        "surface.track_preferred", "surface.treadmill")
    if plan.supervised:
        add("Supervision", "supervised only", "screening asked for a treadmill with handrails "
            "or a coach present", "screening.bwt_3m_supervised_s",
            "screening.single_leg_stance_min_s", "screening.vestibular_or_fall")
    for g in gaps_for(plan.condition):
        out.append(Explanation("Evidence gap", g.key, g.text, (), "no evidence", "no evidence"))
    return out


def _fmt(m: float) -> str:
    return f"{round(m, 1):g}"


def _pace(s_per_km: float) -> str:
    s = round(s_per_km)
    return f"{s // 60}:{s % 60:02d}"
