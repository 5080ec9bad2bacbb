"""Screening before any backward running: cleared, supervised only, or refer.

Rules (each with its evidence key):

- **refer** (no plan): any PAR-Q "yes" (``screening.parq``); a knee, back, heel or running red
  flag (``screening.*_red_flags``, ``screening.running_pain_refer``); pain during running > 5
  (``screening.pain_during_max``) or at rest > 3 (``screening.pain_rest_max``); a 3 m backward
  walk ≥ 8.15 s (``screening.bwt_3m_refer_s``); low back pain under 20 or over 50 years of
  age not yet seen by a clinician (``screening.back_red_flags``).
- **supervised** (treadmill with handrails or a coach present): dizziness or vestibular
  problems, a fall in the last 12 months (``screening.vestibular_or_fall``); a 3 m backward walk
  > 5.5 s (``screening.bwt_3m_supervised_s``); single-leg stance < 30 s
  (``screening.single_leg_stance_min_s``).
- **advice** (does not change the outcome): symptoms for more than 12 weeks without a clinician.

A ``bone_joint_problem`` PAR-Q "yes" is lifted by ``condition.clinician_cleared`` (the
clinician has seen the problem); every other refer reason stands regardless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrorun.prescription.evidence import value
from retrorun.prescription.profile import AthleteProfile

OUTCOMES = ("cleared", "supervised", "refer")

GP = "your doctor (GP)"
URGENT = "urgent care / A&E today"
PHYSIO = "a physiotherapist or sports-medicine doctor"


@dataclass(frozen=True, slots=True)
class Reason:
    """One screening finding.

    Attributes
    ----------
    code
        Stable code, e.g. ``"parq.chest_pain_rest"``.
    outcome
        What it leads to: ``refer`` | ``supervised`` | ``advice``.
    message
        Plain-language explanation.
    who_to_see
        Who to see (empty for supervised/advice without a referral).
    citation
        Key into :data:`retrorun.prescription.evidence.EVIDENCE`.
    """

    code: str
    outcome: str
    message: str
    who_to_see: str
    citation: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "outcome": self.outcome,
            "message": self.message,
            "who_to_see": self.who_to_see,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """Outcome of :func:`screen`: ``cleared`` | ``supervised`` | ``refer`` and the reasons."""

    outcome: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def cleared(self) -> bool:
        return self.outcome == "cleared"

    @property
    def supervised(self) -> bool:
        return self.outcome == "supervised"

    @property
    def referred(self) -> bool:
        return self.outcome == "refer"

    def summary(self) -> str:
        """One paragraph a runner can read."""
        if self.outcome == "cleared":
            head = "Cleared: you can start the backward-running plan on your own."
        elif self.outcome == "supervised":
            head = ("Supervised only: do the backward blocks on a treadmill with handrails or "
                    "with a coach present.")
        else:
            head = "Refer: no plan. Please see a clinician first."
        lines = [head]
        for r in self.reasons:
            who = f" → see {r.who_to_see}" if r.who_to_see else ""
            lines.append(f"- [{r.outcome}] {r.message}{who}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome, "reasons": [r.to_dict() for r in self.reasons]}


_PARQ = {
    "heart_condition": ("You have a heart condition or were told to exercise only as a doctor "
                        "advises.", GP),
    "chest_pain_activity": ("You feel chest pain during physical activity.", GP),
    "chest_pain_rest": ("You had chest pain at rest in the past month.", GP),
    "dizziness_or_fainting": ("You lose balance because of dizziness or have lost "
                              "consciousness.", GP),
    "bone_joint_problem": ("You have a bone or joint problem that more activity could make "
                           "worse.", PHYSIO),
    "bp_or_heart_medication": ("You take medication for blood pressure or a heart condition.",
                               GP),
    "pregnant_or_recent_birth": ("You are pregnant or gave birth in the last 6 months.", GP),
    "other_reason": ("You know of another reason not to be more active.", GP),
}

_KNEE = {
    "cannot_bear_weight": ("You cannot bear weight on the leg.", URGENT),
    "badly_swollen": ("Your knee is badly swollen.", URGENT),
    "locking_or_giving_way": ("Your knee locks, gives way or clicks painfully.", PHYSIO),
    "red_hot_joint_fever": ("A red, hot joint with fever or chills can be an infection.", URGENT),
    "swelling_after_trauma": ("Swelling soon after an injury can mean a ligament tear or "
                              "bleeding in the joint.", URGENT),
    "night_or_rest_pain": ("Continuous pain, at night or at rest.", GP),
    "morning_stiffness_over_30_min": ("Morning stiffness over 30 minutes can be inflammatory "
                                      "arthritis.", GP),
}

_BACK = {
    "major_trauma": ("Back pain after major trauma.", URGENT),
    "history_of_cancer": ("Back pain with a history of cancer.", GP),
    "fever_or_weight_loss": ("Fever, chills or unexplained weight loss.", GP),
    "worse_lying_down": ("Pain worse lying down or severe night pain.", GP),
    "saddle_numbness": ("Numbness around the saddle area is an emergency (cauda equina).",
                        URGENT),
    "bladder_or_bowel_change": ("New bladder or bowel problems are an emergency (cauda "
                                "equina).", URGENT),
    "leg_weakness": ("Leg weakness or foot drop.", URGENT),
}

_HEEL = {
    "heel_numbness_tingling": ("Numbness or tingling in the heel (a nerve, e.g. tarsal "
                               "tunnel).", PHYSIO),
    "sudden_pop": ("A sudden pop under the heel can be a fascia rupture.", PHYSIO),
    "heel_bony_tenderness_swelling": ("Bony tenderness with swelling can be a calcaneal stress "
                                      "fracture.", PHYSIO),
    "inflamed_other_joints": ("Heel pain with other inflamed joints can be inflammatory "
                              "arthritis.", GP),
}

_RUNNING = {
    "pain_changes_gait": ("Pain makes you limp or changes how you run.", PHYSIO),
    "pain_rises_with_activity": ("Pain rises as you keep running.", PHYSIO),
}

#: Symptom duration above which a runner without a clinician's check gets advice, weeks.
LONG_SYMPTOMS_WEEKS = 12


def screen(profile: AthleteProfile) -> ScreeningResult:
    """Screen an athlete before backward running.

    Parameters
    ----------
    profile
        The athlete.

    Returns
    -------
    ScreeningResult
        ``refer`` if any refer reason, else ``supervised`` if any supervised reason, else
        ``cleared``; ``reasons`` lists every finding (advice included), refer reasons first.
    """
    reasons: list[Reason] = []

    def add(code: str, outcome: str, message: str, who: str, key: str) -> None:
        reasons.append(Reason(code, outcome, message, who, key))

    parq = profile.parq
    for name, (msg, who) in _PARQ.items():
        if getattr(parq, name):
            if name == "bone_joint_problem" and profile.condition.clinician_cleared:
                add("parq.bone_joint_problem", "advice", msg + " A clinician has cleared you: "
                    "follow their limits.", "", "screening.parq")
            else:
                add(f"parq.{name}", "refer", msg, who, "screening.parq")

    flags = profile.red_flags
    kind = profile.condition.kind
    for table, key in ((_KNEE, "screening.knee_red_flags"), (_BACK, "screening.back_red_flags"),
                       (_HEEL, "screening.heel_red_flags"),
                       (_RUNNING, "screening.running_pain_refer")):
        for name, (msg, who) in table.items():
            if getattr(flags, name):
                add(f"red_flag.{name}", "refer", msg, who, key)

    pain = profile.pain
    if pain.during_running > value("screening.pain_during_max"):
        add("pain.during_running", "refer", f"Pain during running is {pain.during_running}/10: "
            "above 5 is more than the pain-monitoring model accepts.", PHYSIO,
            "screening.pain_during_max")
    if pain.now > value("screening.pain_rest_max"):
        add("pain.now", "refer", f"Pain at rest is {pain.now}/10: pain at rest means the "
            "problem needs a clinician before training.", PHYSIO, "screening.pain_rest_max")

    age = profile.body.age
    lo, hi = (int(v) for v in (value("screening.back_red_flags", 0),
                               value("screening.back_red_flags", 1)))
    if kind == "low_back_pain" and age is not None and not lo <= age <= hi \
            and not profile.condition.clinician_cleared:
        add("red_flag.back_age", "refer", f"Back pain at age {age} (under {lo} or over {hi}) "
            "should be checked once by a clinician to rule out serious causes.", GP,
            "screening.back_red_flags")

    bwt = profile.skill.backward_walk_3m_s
    if bwt is not None:
        refer_s = value("screening.bwt_3m_refer_s")
        sup_s = value("screening.bwt_3m_supervised_s")
        if bwt >= refer_s:
            add("balance.bwt_3m", "refer", f"3 m backward walk took {bwt:g} s (≥ {refer_s:g} s "
                "predicts falls).", PHYSIO, "screening.bwt_3m_refer_s")
        elif bwt > sup_s:
            add("balance.bwt_3m", "supervised", f"3 m backward walk took {bwt:g} s "
                f"(> {sup_s:g} s: higher fall risk).", "", "screening.bwt_3m_supervised_s")
    sls = profile.skill.single_leg_stance_s
    sls_min = value("screening.single_leg_stance_min_s")
    if sls is not None and sls < sls_min:
        add("balance.single_leg_stance", "supervised", f"Single-leg stance {sls:g} s "
            f"(< {sls_min:g} s).", "", "screening.single_leg_stance_min_s")
    if profile.safety.dizziness_or_vestibular:
        add("safety.vestibular", "supervised", "Dizziness or a vestibular problem makes moving "
            "backwards riskier.", "", "screening.vestibular_or_fall")
    if profile.safety.fall_last_12_months:
        add("safety.recent_fall", "supervised", "You fell in the last 12 months.", "",
            "screening.vestibular_or_fall")

    if (kind != "none" and profile.condition.duration_weeks > LONG_SYMPTOMS_WEEKS
            and not profile.condition.clinician_cleared):
        add("advice.long_symptoms", "advice", f"Symptoms for "
            f"{profile.condition.duration_weeks:g} weeks: worth a physiotherapist's "
            "assessment alongside this plan.", PHYSIO, "screening.running_pain_refer")

    order = {"refer": 0, "supervised": 1, "advice": 2}
    reasons.sort(key=lambda r: order[r.outcome])
    outcomes = {r.outcome for r in reasons}
    outcome = ("refer" if "refer" in outcomes else
               "supervised" if "supervised" in outcomes else "cleared")
    return ScreeningResult(outcome, reasons)
