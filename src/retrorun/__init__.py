"""retrorun: backward running as corrective training.

Screening, evidence-graded backward-running warm-up plans, a training log with a
pain-monitoring model, watch and calendar delivery, and the biomechanics behind it.

Not medical advice: retrorun refers runners on red flags and never replaces a clinician.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "retrorun is training software, not medical advice. It does not diagnose or treat. "
    "Stop and see a clinician if you have a red flag or pain that changes how you move."
)
