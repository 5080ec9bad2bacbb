"""Handouts of a plan: Markdown, and a printable HTML page a runner takes to the track.

The HTML is rendered from ``templates/handout.html.j2`` (jinja2, autoescaped) and carries its
own print CSS: one page per week (``layout="weekly"``, default) or everything packed
(``layout="compact"``). Both formats include the disclaimer, the screening outcome, the caps and
the evidence notes (and, with ``explain=True``, the full "why these numbers" table).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from retrorun import DISCLAIMER
from retrorun.export import planfmt as f
from retrorun.prescription.model import Plan

LAYOUTS = ("weekly", "compact")


def _context(plan: Plan, explain: bool) -> dict[str, Any]:
    from retrorun.prescription.evidence import explain as _explain

    lim = plan.limits
    ceil = lim.step_ceiling_m_s
    weeks = []
    rows = f.week_rows(plan)
    for w, row in zip(plan.weeks, rows, strict=True):
        sessions = []
        for s in w.sessions:
            blocks = []
            for b in s.blocks:
                blocks.append({
                    "kind": b.kind,
                    "title": b.title,  # names the session's own (scaled) pattern
                    "lines": f.block_lines(b),
                    "surface": f.surface_label(b.surface),
                    "surface_cues": list(b.surface_cues),
                    "looks": f.looks_text(b.looks) if b.kind == "backward_warmup" else "",
                    "cues": list((b.steps[0].cues if b.steps else ()) + b.cues)
                    if b.kind == "backward_warmup" else list(b.cues),
                })
            sessions.append({
                "id": s.session_id,
                "date": f"{s.date:%a %d %b %Y}",
                "level": s.level,
                "phase": f.PHASE_LABEL.get(s.phase, s.phase),
                "minutes": f.minutes(s.backward_minutes),
                "supervised": s.supervised,
                "blocks": blocks,
            })
        warm = [b for s in sessions for b in s["blocks"] if b["kind"] == "backward_warmup"]
        weeks.append({
            **row,
            "sessions": sessions,
            # the compact layout prints surface and cues once a week (unique, in order)
            "surfaces": list(dict.fromkeys(x for b in warm
                                           for x in [b["surface"], *b["surface_cues"]])),
            "cues": list(dict.fromkeys(c for b in warm for c in b["cues"])),
        })
    expl = []
    if explain:
        expl = [{"topic": x.topic, "value": x.value, "why": x.why, "source": x.source}
                for x in _explain(plan)]
    return {
        "plan": plan,
        "title": f.plan_title(plan),
        "weeks": weeks,
        "ceiling": f"{ceil:.2f} m/s = {f.mmss(lim.step_ceiling_s_per_km)}/km "
                   f"({ceil * 3.6:.1f} km/h on a treadmill)",
        "easy": f"{f.mmss(1000 / lim.easy_speed_m_s)}/km",
        "fraction": f"{lim.speed_fraction:.0%}",
        "caps": [
            f"One session ≤ {lim.session_growth_max:g} × your longest backward session of the "
            "last 30 days",
            f"A week ≤ +{lim.two_week_growth_max - 1:.0%} over the week two weeks before",
            f"≤ {lim.weekly_backward_max:.0f} backward min a week ({lim.share_max:.0%} of your "
            "running at most)",
            f"Effort RPE ≤ {lim.rpe_max}; never fast",
        ],
        "notes": [n for n in plan.notes if not n.startswith("Evidence gap")],
        "gaps": [n.removeprefix("Evidence gap: ") for n in plan.notes
                 if n.startswith("Evidence gap")],
        "explanations": expl,
        "disclaimer": plan.disclaimer or DISCLAIMER,
    }


@lru_cache(maxsize=1)
def _env():  # -> jinja2.Environment
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("retrorun.export", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(plan: Plan, *, explain: bool = True, layout: str = "weekly") -> str:
    """A self-contained printable HTML handout.

    Parameters
    ----------
    plan
        The plan.
    explain
        Include the "why these numbers" table (evidence notes are always included).
    layout
        ``weekly`` (one printed page per week) or ``compact``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    ctx = _context(plan, explain)
    ctx["layout"] = layout
    return _env().get_template("handout.html.j2").render(**ctx)


def render_markdown(plan: Plan, *, explain: bool = False) -> str:
    """The plan as Markdown (weeks table, every session, notes, evidence gaps, disclaimer)."""
    c = _context(plan, explain)
    out: list[str] = [f"# Backward-running plan: {c['title']}", ""]
    out.append(f"> {c['disclaimer']}")
    out.append("")
    scr = plan.screening + (" — backward blocks on a treadmill with handrails or with a coach "
                            "present" if plan.supervised else "")
    out += [
        f"- **Screening:** {scr}",
        f"- **Dates:** {plan.start:%a %d %b %Y} → {plan.end:%a %d %b %Y} ({len(plan.weeks)} "
        "weeks)",
        f"- **Pace ceiling:** {c['ceiling']} — {c['fraction']} of your easy pace {c['easy']}; "
        "walking phases: comfortable",
        f"- **Start:** L{plan.start_level} — " + "; ".join(plan.start_reasons),
        "",
        "## Weeks",
        "",
        "| Week | Dates | Level | Phase | Days | Min/session | Week total | Why |",
        "|---:|---|---|---|---|---:|---:|---|",
    ]
    for w in c["weeks"]:
        out.append(f"| {w['week']} | {w['dates']} | {w['level']} | {w['phase']} | {w['days']} "
                   f"| {w['per_session']} | {w['total']} | {w['decision']} |")
    out += ["", "## Sessions", ""]
    out.append("Every session: **1. backward warm-up first**, 2. transfer strides, 3. your own "
               "run.")
    out.append("")
    for w in c["weeks"]:
        out.append(f"### Week {w['week']} ({w['dates']})")
        out.append("")
        if not w["sessions"]:
            out.append("No backward sessions this week (the caps allow none).")
            out.append("")
        for s in w["sessions"]:
            sup = " — **supervised**" if s["supervised"] else ""
            out.append(f"- **{s['date']}** · L{s['level']} {s['phase']} · {s['minutes']} backward "
                       f"min{sup}")
            for i, b in enumerate(s["blocks"], start=1):
                out.append(f"    {i}. {b['title'].split(':')[0]}: " + "; ".join(b["lines"]))
                if b["kind"] == "backward_warmup":
                    out.append(f"        - surface: {b['surface']}"
                               + "".join(f"; {x}" for x in b["surface_cues"]))
                    out.append(f"        - looks: {b['looks']}")
                    out.append("        - cues: " + "; ".join(b["cues"]))
        out.append("")
    out += ["## Caps (never broken)", ""] + [f"- {x}" for x in c["caps"]] + [""]
    if c["notes"]:
        out += ["## Notes", ""] + [f"- {x}" for x in c["notes"]] + [""]
    out += ["## Evidence gaps", ""] + [f"- {x}" for x in c["gaps"]] + [""]
    if c["explanations"]:
        out += ["## Why these numbers", "", "| Topic | Value | Why | Source |",
                "|---|---|---|---|"]
        for x in c["explanations"]:
            cells = [str(x[k]).replace("|", "\\|") for k in ("topic", "value", "why", "source")]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out.append(f"*{c['disclaimer']}*")
    out.append("")
    return "\n".join(out)
