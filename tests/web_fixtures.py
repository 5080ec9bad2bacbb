"""A small realistic clinic for the web tests, filled through the store's repository functions.

``fill_clinic(session)`` adds four athletes from :data:`store_helpers.START` (Monday
2026-03-02; training days Mon/Wed/Fri) and logs their sessions day by day as a runner
would (log, then the next-morning pain the day after), so every decision and re-plan is the
real model's. :data:`TODAY` is the day the pages are looked at.

- **Sam**: fine. Every session done as planned, pain 2/10, back to 0 the next morning.
- **Mia**: next-morning pain rising 0 → 2 → 3 while pain during stays 3/10.
- **Ref**: a red flag at screening (locking / giving way): stored with no plan.
- **Tom**: reports the knee giving way in his third session: stop and refer.
"""

from __future__ import annotations

from datetime import date, timedelta

from store_helpers import START, entry_for, profile, referred_profile

#: The day the coach looks (Thursday of week 2).
TODAY = START + timedelta(days=10)


def _next_unlogged(session, name: str, logged: set[str]) -> dict | None:
    from retrorun.store.repository import get_athlete, schedule

    a = get_athlete(session, name)
    for s in schedule(session, a):
        if s["session_id"] not in logged:
            return s
    return None


def run_athlete(session, name: str, mornings: list[int | None], **entry_kw) -> list[str]:
    """Log the athlete's planned sessions in order; *mornings*[i] is the next-morning pain
    of session i (added the day after); ``None`` leaves it out. Returns the session ids."""
    from retrorun.store.repository import add_morning, log_session

    logged: list[str] = []
    for i, morning in enumerate(mornings):
        s = _next_unlogged(session, name, set(logged))
        assert s is not None, f"{name}: no session left to log"
        day = date.fromisoformat(s["date"])
        kw = {k: (v[i] if isinstance(v, list) else v) for k, v in entry_kw.items()}
        log_session(session, name, entry_for(s, morning=None, **kw), today=day)
        logged.append(s["session_id"])
        if morning is not None:
            add_morning(session, name, morning, today=day + timedelta(days=1),
                        session_id=s["session_id"])
    return logged


def fill_clinic(session) -> dict[str, int]:
    """Add Sam, Mia, Ref and Tom; return their ids by name."""
    from retrorun.store.repository import add_athlete, get_athlete

    for name in ("Sam", "Mia", "Tom"):
        add_athlete(session, profile(name), start=START)
    add_athlete(session, referred_profile("Ref"), start=START)
    # Sam: sessions on 03-02, 03-04, 03-06, 03-09, 03-11; all well.
    run_athlete(session, "Sam", [0, 0, 0, 0, 0], pain=2)
    # Mia: pain 3/10 during, next mornings 0, 2, 3: rising.
    run_athlete(session, "Mia", [0, 2, 3], pain=3)
    # Tom: fine twice, then a red flag.
    run_athlete(session, "Tom", [0, 0, None], pain=2,
                red_flag=[None, None, "knee gave way on the bend"])
    return {n: get_athlete(session, n).id for n in ("Sam", "Mia", "Ref", "Tom")}
