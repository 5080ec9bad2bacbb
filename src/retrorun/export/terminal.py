"""Rich terminal views of screening results and plans."""

from __future__ import annotations

import datetime as dt
import io
from typing import IO

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from retrorun import DISCLAIMER
from retrorun.export import planfmt as f
from retrorun.prescription.model import Plan, Session
from retrorun.prescription.screening import ScreeningResult

_OUTCOME_STYLE = {"cleared": "bold green", "supervised": "bold yellow", "refer": "bold red"}


def screening_renderable(res: ScreeningResult) -> Panel:
    """A panel with the outcome and every reason."""
    t = Table.grid(padding=(0, 1))
    t.add_column(no_wrap=True)
    t.add_column()
    for r in res.reasons:
        who = f"\n[dim]→ see {r.who_to_see}[/dim]" if r.who_to_see else ""
        t.add_row(f"[{_OUTCOME_STYLE.get(r.outcome, 'cyan')}]{r.outcome}[/]",
                  f"{r.message}{who}")
    head = res.summary().splitlines()[0]
    body: list = [Text(head, style=_OUTCOME_STYLE[res.outcome])]
    if res.reasons:
        body.append(t)
    body.append(Text(DISCLAIMER, style="dim italic"))
    return Panel(Group(*body), title="Screening", border_style=_OUTCOME_STYLE[res.outcome])


def print_screening(res: ScreeningResult, file: IO[str] | None = None) -> None:
    """Print :func:`screening_renderable`."""
    Console(file=file, highlight=False).print(screening_renderable(res))


def _session_panel(s: Session, title: str) -> Panel:
    g = Table.grid(padding=(0, 1))
    g.add_column(no_wrap=True, style="bold")
    g.add_column()
    for i, b in enumerate(s.blocks, start=1):
        lines = f.block_lines(b)
        g.add_row(f"{i}. {b.title.split(':')[0]}", "\n".join(lines))
        if b.kind == "backward_warmup":
            g.add_row("", f"[dim]surface:[/dim] {f.surface_label(b.surface)}"
                      + ("".join(f"\n  · {c}" for c in b.surface_cues)))
            g.add_row("", f"[dim]looks:[/dim] {f.looks_text(b.looks)}")
            cues = b.steps[0].cues + b.cues if b.steps else b.cues
            g.add_row("", "[dim]cues:[/dim]" + "".join(f"\n  · {c}" for c in cues))
    head = (f"{s.date:%A %d %B %Y} · week {s.week} · L{s.level} "
            f"{f.PHASE_LABEL.get(s.phase, s.phase)} · {f.minutes(s.backward_minutes)} "
            "backward min" + (" · [yellow]SUPERVISED[/yellow]" if s.supervised else ""))
    return Panel(Group(Text.from_markup(head), g), title=title, border_style="cyan")


def plan_renderable(plan: Plan, *, explain: bool = False, today: dt.date | None = None) -> Group:
    """The whole terminal view: header, week table, next session, notes, disclaimer."""
    lim = plan.limits
    ceil = lim.step_ceiling_m_s
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim", no_wrap=True)
    head.add_column()
    head.add_row("Screening", f"[{_OUTCOME_STYLE[plan.screening]}]{plan.screening}[/]"
                 + (" — backward blocks on a treadmill with handrails or with a coach"
                    if plan.supervised else ""))
    head.add_row("Dates", f"{plan.start:%a %d %b %Y} → {plan.end:%a %d %b %Y} "
                 f"({len(plan.weeks)} weeks)")
    head.add_row("Pace ceiling", f"{ceil:.2f} m/s = {f.mmss(lim.step_ceiling_s_per_km)}/km "
                 f"({lim.speed_fraction:.0%} of your easy pace {f.mmss(1000 / lim.easy_speed_m_s)}"
                 f"/km); walking: comfortable; effort RPE ≤ {lim.rpe_max}")
    head.add_row("Start", f"L{plan.start_level}: " + "; ".join(plan.start_reasons))
    head.add_row("Caps", f"session ≤ {lim.session_growth_max:g}× longest in 30 d · "
                 f"2-week ≤ +{lim.two_week_growth_max - 1:.0%} · ≤ "
                 f"{lim.weekly_backward_max:.0f} backward min/week")

    weeks = Table(title="Weeks", title_justify="left", header_style="bold", expand=False)
    weeks.add_column("Wk", justify="right", no_wrap=True, min_width=2)
    weeks.add_column("Dates", no_wrap=True)
    weeks.add_column("Level", ratio=2)
    weeks.add_column("Sessions", ratio=2)
    weeks.add_column("Min each", justify="right", no_wrap=True)
    weeks.add_column("Week", justify="right", no_wrap=True, min_width=4)
    weeks.add_column("Why", style="dim", ratio=3)
    for r in f.week_rows(plan):
        weeks.add_row(r["week"], r["dates"], r["level_phase"], r["days"], r["per_session"],
                      r["total"], r["why"])

    parts: list = [Panel(head, title=f"retrorun plan · {f.plan_title(plan)}",
                         border_style="bold blue"), weeks]
    nxt = plan.next_session(today or plan.start)
    if nxt is not None:
        parts.append(_session_panel(nxt, "Next session"))
    notes = Text()
    for i, n in enumerate(plan.notes):
        notes.append(("\n" if i else "") + "• " + n,
                     style="yellow" if n.startswith("Evidence gap") else "")
    parts.append(Panel(notes, title="Notes", border_style="dim"))
    if explain:
        from retrorun.prescription.evidence import explain as _explain

        t = Table(title="Why these numbers (--explain)", title_justify="left",
                  header_style="bold", show_lines=True, expand=True,
                  caption="Full citations: --format markdown or html", caption_justify="left")
        t.add_column("Topic", no_wrap=True)
        t.add_column("Value", ratio=2)
        t.add_column("Why", ratio=3)
        t.add_column("Source", style="dim", ratio=3)
        for x in _explain(plan):
            t.add_row(x.topic, x.value, x.why, x.short_source or x.source)
        parts.append(t)
    parts.append(Text(plan.disclaimer or DISCLAIMER, style="dim italic"))
    return Group(*parts)


def print_plan(plan: Plan, *, explain: bool = False, today: dt.date | None = None,
               file: IO[str] | None = None) -> None:
    """Print the plan to the terminal."""
    Console(file=file, highlight=False).print(plan_renderable(plan, explain=explain, today=today))


def plan_to_text(plan: Plan, *, explain: bool = False, today: dt.date | None = None,
                 width: int = 120) -> str:
    """The terminal view as plain text (no colour codes)."""
    buf = io.StringIO()
    Console(file=buf, width=width, no_color=True, highlight=False,
            force_terminal=False).print(plan_renderable(plan, explain=explain, today=today))
    return buf.getvalue()
