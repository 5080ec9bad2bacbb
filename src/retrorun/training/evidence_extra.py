"""Evidence entries the training log needs beyond ``retrorun.prescription.evidence``.

Importing this module registers them into
:data:`retrorun.prescription.evidence.EVIDENCE` (idempotent). Most are **design rules**:
no study gives the number, and each says why it was chosen. They live here so the
prescription registry stays owned by the prescription area.
"""

from __future__ import annotations

from retrorun.prescription.evidence import EVIDENCE, Evidence


def _d(
    key: str, summary: str, values: tuple[float, ...], unit: str, citation: str, reason: str
) -> Evidence:
    return Evidence(key, summary, values, unit, citation, "", True, reason)


EXTRA: tuple[Evidence, ...] = (
    Evidence(
        "redflag.stop_and_refer",
        "A red flag at any time (locking, giving way, hot swollen joint with fever, night or "
        "rest pain, saddle numbness, bladder change, dizziness or a fall...): stop and refer",
        (),
        "",
        "NHS same-day knee triage; NHS Gloucestershire knee pathway; AHCPR acute low back "
        "problems guideline; PAR-Q (CSEP); AOPT (pain that wakes you, changes your stride)",
        "V",
    ),
    _d(
        "design.severe_pain_refer",
        "Pain ≥ 8/10 at any time: stop and refer",
        (8,),
        "NRS",
        "NHS same-day triage ('very painful knee'); Silbernagel 2007 (> 5 unacceptable)",
        "Far above the pain-monitoring model's acceptable 5/10; a self-guided programme should "
        "not try to manage it.",
    ),
    _d(
        "design.repeated_unacceptable_pain_refer",
        "Pain > 5/10 on two sessions running: stop and refer",
        (5, 2),
        "NRS / sessions",
        "AOPT ('bad pain' increases with activity); Silbernagel 2007",
        "One step back is the model's answer to unacceptable pain; if it persists after the "
        "step back, load is not the (only) problem.",
    ),
    _d(
        "design.persistent_swelling_refer",
        "Swelling on 3 sessions running: stop and refer",
        (3,),
        "sessions",
        "NHS Gloucestershire knee pathway ('persistent localised pain or swelling': refer soon)",
        "About a week at 3 sessions a week.",
    ),
    _d(
        "design.morning_rise_points",
        "Next-morning pain vs the baseline (the lower of the resting pain at screening and "
        "the median next-morning pain of the last 14 days): 1 point above → hold; 2 or more "
        "(or > 5/10) → regress",
        (1, 2, 14),
        "NRS / NRS / days",
        "Silbernagel 2007 (pain must settle by the next morning; higher next day → reduce load)",
        "A 1-point change is within the noise of a 0–10 rating; 2 points is treated as a real "
        "rise. The median keeps one bad morning from raising the baseline; the minimum keeps an "
        "improved runner from being judged against their old, higher pain.",
    ),
    _d(
        "design.provisional_until_morning",
        "Without the next-morning pain a decision is provisional and never a progress",
        (),
        "",
        "Silbernagel 2007 (the 24-hour response matters most)",
        "Progress needs the next-morning value; it is decided again when it arrives.",
    ),
    _d(
        "design.return_to_run_window",
        "The stricter return-to-run rules apply for 14 days after swelling or a limp",
        (14,),
        "days",
        "RunCalcs return-to-run guide",
        "Two weeks of sessions at 3 a week.",
    ),
    _d(
        "design.look_balance",
        "Left/right look-backs more than 20 % apart: flagged",
        (0.20,),
        "",
        "",
        "No study of look alternation exists; the plan asks for equal counts.",
    ),
)


def register() -> None:
    """Add :data:`EXTRA` to the registry (no-op for keys already present)."""
    for e in EXTRA:
        EVIDENCE.setdefault(e.key, e)


register()
