"""Every HTML page retrorun writes, opened in a real browser (Chromium driven by Playwright).

The pages are generated through the CLI from real inputs: the example profiles (plan
handout, weekly and compact), the RBDS001 treadmill trial with its static and the Hamner
IK + GRF trial (analysis reports), Hamner forward vs its time-reversed copy (comparison),
and a SQLite database with ten logged sessions (progress). Each page is checked for what a
user would notice: console errors, requests leaving the page (they must be self-contained),
invisible or zero-size figures, horizontal overflow on a 390 px phone and at 1280 px, the
numbers on the page against the JSON written next to it, selectable text, and for the
handout the printed PDF (one week per A4 page; the compact layout on fewer pages).

Chromium is Debian's ``chromium`` package (``/usr/bin/chromium``, or ``RETRORUN_CHROMIUM``);
``playwright install`` is not needed. Without it these tests skip, and fail when ``CI`` is
set (``.ci/run`` installs it).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrorun import DISCLAIMER
from retrorun.cli import app

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
PROFILES = REPO / "examples" / "profiles"
NOVICE = PROFILES / "novice-lateral-knee.toml"
PLAN_START = "2026-12-07"  # a Monday: weeks and pages line up
WIDTHS = (390, 1280)  # a phone and a laptop, CSS px
WHITESPACE = re.compile(r"\s+")


class Opened:
    """A page and what went wrong while it loaded."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []

    def text(self) -> str:
        return WHITESPACE.sub(" ", self.page.inner_text("body"))


def open_page(ctx, path: Path, width: int = 1280, media: str = "screen") -> Opened:
    page = ctx.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(media=media)
    o = Opened(page)
    page.on("console", lambda m: o.problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: o.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: o.problems.append(f"failed request: {r.url}"))
    page.on("request", lambda r: o.problems.append(f"request leaves the page: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return o


def check_page(o: Opened, width: int, min_figures: int) -> None:
    """The checks every page must pass at *width* CSS px."""
    page = o.page
    assert o.problems == []
    # self-contained and static: no scripts, no external stylesheets or images
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate(
        "[...document.querySelectorAll('link[href], img[src]')]"
        ".filter(e => !(e.href || e.src).startsWith('data:')).length") == 0
    assert page.locator("meta[name=viewport]").count() == 1
    # no horizontal scrolling of the page (wide tables scroll inside their own box)
    scroll_w = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_w <= width, f"page is {scroll_w} px wide in a {width} px window"
    # every figure is rendered, visible, inside the window and not a thumbnail
    figs = page.locator("body svg:not(svg svg), body img").all()
    assert len(figs) >= min_figures
    for fig in figs:
        assert fig.is_visible()
        box = fig.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        assert box["width"] >= min(300, 0.8 * width), f"figure only {box['width']:.0f} px wide"
    # text is selectable (and copyable): select the heading and read the selection back
    h1 = page.locator("h1").first
    h1.select_text()
    assert page.evaluate("window.getSelection().toString()").strip() == h1.inner_text().strip()
    assert page.evaluate("getComputedStyle(document.body).userSelect") != "none"


def run_cli(*args: str, env: dict[str, str] | None = None) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert r.exit_code == 0, r.output
    return r.output


def pdf_pages(o: Opened) -> list[str]:
    """Print the page (A4 from its own @page rule) and return the text of every PDF page."""
    from pypdf import PdfReader

    pdf = o.page.pdf(prefer_css_page_size=True, print_background=True)
    # NFKC: the PDF's text layer keeps typographic ligatures ("ﬂ" for "fl")
    return [WHITESPACE.sub(" ", unicodedata.normalize("NFKC", p.extract_text()))
            for p in PdfReader(io.BytesIO(pdf)).pages]


# ---------------------------------------------------------------- plan handout


def _plan(tmp: Path, profile: Path, *extra: str) -> tuple[Path, dict]:
    stem = profile.stem + "".join(extra).replace("-", "_")
    html, js = tmp / f"{stem}.html", tmp / f"{stem}.json"
    run_cli("plan", profile, "--start", PLAN_START, "-f", "html", "-o", html, *extra)
    run_cli("plan", profile, "--start", PLAN_START, "-f", "json", "-o", js)
    return html, json.loads(js.read_text())


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("handouts")
    return {"weekly": _plan(tmp, NOVICE), "compact": _plan(tmp, NOVICE, "--compact"),
            "explain": _plan(tmp, NOVICE, "--explain")}


@pytest.mark.parametrize("layout", ["weekly", "compact", "explain"])
@pytest.mark.parametrize("width", WIDTHS)
def test_handout_in_the_browser(browser_context, handouts, layout, width) -> None:
    path, plan = handouts[layout]
    o = open_page(browser_context, path, width)
    check_page(o, width, min_figures=0)
    text = o.text()
    assert DISCLAIMER in text
    assert text.count(DISCLAIMER) == 2  # on top and at the foot of the page
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert o.page.locator(".session").count() == len(sessions) == 18
    for w in plan["weeks"]:
        assert o.page.get_by_role("heading", name=re.compile(rf"^Week {w['number']} ·")).count() \
            == 1
    # the numbers of the JSON plan are the ones on the page
    for s in sessions:
        row = WHITESPACE.sub(" ", o.page.locator(f"[id='{s['session_id']}']").inner_text())
        minutes = f"{round(s['backward_minutes'], 1):g}"
        assert f"L{s['level']}" in row and f"{minutes} backward min" in row
    ceiling = plan["limits"]["easy_speed_m_s"] * plan["limits"]["speed_fraction"]
    assert f"{ceiling:.2f} m/s" in text
    assert ("Why these numbers" in text) == (layout == "explain")
    if width == 390:  # the weeks table is one labelled card per week on a phone
        card = o.page.locator("table.weeks tbody tr").first
        assert card.bounding_box()["width"] <= width
        assert "Min/week" in o.page.evaluate(
            "getComputedStyle(document.querySelector('table.weeks td:nth-child(7)'),"
            " '::before').content")
    o.page.close()


def test_handout_prints_one_week_per_page(browser_context, handouts) -> None:
    path, plan = handouts["weekly"]
    pages = pdf_pages(open_page(browser_context, path, media="print"))
    weeks = len(plan["weeks"])
    # by design: one cover page (summary, weeks table, caps, evidence gaps), then one per week
    assert len(pages) == 1 + weeks
    assert pages[0].startswith("Backward-running plan") and "Evidence gaps" in pages[0]
    for n, text in enumerate(pages[1:], start=1):
        assert text.startswith(f"Week {n} ·"), text[:80]
        assert len(re.findall(r"Week \d+ ·", text)) == 1
        week = plan["weeks"][n - 1]
        assert text.count("Pain next morning") == len(week["sessions"])  # the log lines
        assert DISCLAIMER in text  # each week page can be handed out on its own


@pytest.mark.parametrize("profile", ["experienced-low-back", "plantar-heel", "prevention",
                                     "supervised-balance"])
def test_every_example_profile_prints_one_week_per_page(browser_context, tmp_path,
                                                        profile) -> None:
    path, plan = _plan(tmp_path, PROFILES / f"{profile}.toml")
    pages = pdf_pages(open_page(browser_context, path, media="print"))
    assert len(pages) == 1 + len(plan["weeks"])
    assert [p[: p.index(" ·")] for p in pages[1:]] == [f"Week {w['number']}"
                                                       for w in plan["weeks"]]


def test_compact_handout_prints_on_fewer_pages(browser_context, handouts) -> None:
    weekly = pdf_pages(open_page(browser_context, handouts["weekly"][0], media="print"))
    compact_pages = pdf_pages(open_page(browser_context, handouts["compact"][0],
                                        media="print"))
    assert len(compact_pages) < len(weekly)
    assert len(compact_pages) <= 4  # 6 weeks of 3 sessions: cover + 3 pages (measured: 4)
    joined = " ".join(compact_pages)
    assert all(f"Week {w} ·" in joined for w in range(1, 7))
    # the same 18 sessions with their dates, nothing dropped by the packing
    _, plan = handouts["compact"]
    for w in plan["weeks"]:
        for s in w["sessions"]:
            d = date.fromisoformat(s["date"])
            assert f"{d:%a %d %b %Y}" in joined


# ---------------------------------------------------------------- analysis reports


@pytest.fixture(scope="module")
def analyses(real_data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analyses")
    rb, ham = real_data / "rbds_fukuchi2017", real_data / "hamner2013_running"
    jobs = {
        "rbds": [rb / "RBDS001runT35.c3d", "--static", rb / "RBDS001static.c3d"],
        "hamner": [ham / "Run_30002_IK_Original.mot", "--grf",
                   ham / "Run_30002_GRF_newCOP3_v24.mot"],
        "hamner_reversed": [ham / "Run_30002_IK_Original.mot", "--grf",
                            ham / "Run_30002_GRF_newCOP3_v24.mot", "--time-reverse"],
    }
    out = {}
    for name, args in jobs.items():
        js, html = tmp / f"{name}.json", tmp / f"{name}.html"
        run_cli("analyze", *args, "--json", js, "--html", html)
        out[name] = (html, json.loads(js.read_text()), js)
    return out


def _summary_row(o: Opened, label: str) -> str:
    return o.page.locator("table tr", has=o.page.locator("th", has_text=label)) \
        .locator("td").inner_text().strip()


@pytest.mark.parametrize("trial", ["rbds", "hamner", "hamner_reversed"])
@pytest.mark.parametrize("width", WIDTHS)
def test_analysis_report_in_the_browser(browser_context, analyses, trial, width) -> None:
    path, data, _ = analyses[trial]
    o = open_page(browser_context, path, width)
    # events, COM (2 panels in one figure), left/right bars, joint angles, knee moments
    check_page(o, width, min_figures=5)
    text = o.text()
    assert DISCLAIMER in text
    st = data["spatiotemporal"]
    assert _summary_row(o, "cadence (steps/min)") == str(st["cadence_steps_per_min"])
    ct = st["contact_time_s"]
    assert _summary_row(o, "contact time L / R (s)") == f"{ct['left']} / {ct['right']}"
    assert _summary_row(o, "direction").startswith(
        f"{data['direction']} ({data['direction_detail']['mode']}")
    assert _summary_row(o, "body mass (kg)").startswith(str(data["body_mass_kg"]))
    expected = {"rbds": "forward", "hamner": "forward", "hamner_reversed": "backward"}[trial]
    assert data["direction"] == expected
    assert ("SYNTHETIC trial" in text) == (trial == "hamner_reversed")
    for h in ("Summary", "Gait events", "Centre of mass", "Left / right",
              "Joint angles, left and right", "Knee and ground-reaction force"):
        assert o.page.get_by_role("heading", name=h, exact=True).count() == 1
    o.page.close()


def test_analysis_report_figure_titles_are_words(analyses) -> None:
    """Matplotlib draws text as paths and keeps each string as an SVG comment: the panel
    titles are the readable names, never the JSON keys."""
    from retrorun.biomech.plots import _TITLES

    html = analyses["rbds"][0].read_text()
    assert "kam lever pct" not in html and "lever arm mm" not in html
    assert all(len(t.split()) >= 3 for t in _TITLES.values())


# ---------------------------------------------------------------- comparison


@pytest.fixture(scope="module")
def comparison(analyses, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    html, js = tmp / "cmp.html", tmp / "cmp.json"
    run_cli("compare", analyses["hamner"][2], analyses["hamner_reversed"][2], "--html", html,
            "--json", js, "--label-a", "forward", "--label-b", "backward (synthetic)")
    return html, json.loads(js.read_text())


@pytest.mark.parametrize("width", WIDTHS)
def test_comparison_in_the_browser(browser_context, comparison, width) -> None:
    path, res = comparison
    o = open_page(browser_context, path, width)
    check_page(o, width, min_figures=2)  # joint angles, knee and GRF
    text = o.text()
    assert DISCLAIMER in text and "SYNTHETIC trial" in text
    assert "Differences are backward (synthetic) − forward" in text
    for line in res["summary"]:
        assert WHITESPACE.sub(" ", line) in text
    # one table row per metric and side with data; metrics the model lacks are listed instead
    with_data = [(m, side, s) for m, sides in res["metrics"].items()
                 for side, s in sides.items() if s["n_a"] or s["n_b"]]
    rows = o.page.locator("table tbody tr")
    assert rows.count() == len(with_data) > 0
    assert "– … –" not in o.page.locator("table").inner_text()
    # highlighted rows are exactly those whose CI excludes zero
    sig = sum(1 for _, _, s in with_data
              if s["ci_t"] and s["ci_t"][0] is not None and (s["ci_t"][0] > 0 or s["ci_t"][1] < 0))
    assert o.page.locator("tr.sig").count() == sig > 0
    first = rows.first.locator("td").all_inner_texts()
    m, side, s = with_data[0]
    assert first[:2] == [m, side] and first[6] == f"{s['difference']:+.2f}"
    o.page.close()


# ---------------------------------------------------------------- progress


@pytest.fixture(scope="module")
def progress_page(tmp_path_factory):
    """Ten sessions logged over three weeks (pain falling), then `retrorun progress`."""
    tmp = tmp_path_factory.mktemp("progress")
    start = date(2026, 3, 2)
    env = {"RETRORUN_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
           "RETRORUN_TODAY": start.isoformat()}
    run_cli("athlete", "add", "Sam", "--profile", NOVICE, "--start", start.isoformat(), env=env)
    pains = iter([3, 3, 2, 2, 2, 1, 2, 1, 1, 1])
    logged = 0
    for i in range(21):
        env["RETRORUN_TODAY"] = (start + timedelta(days=i)).isoformat()
        today = run_cli("today", env=env)
        if "Waiting for next-morning pain" in today:
            run_cli("morning", "--pain", "1", env=env)
            today = run_cli("today", env=env)
        if f"session {env['RETRORUN_TODAY']}-" in today:
            p = str(next(pains, 1))
            run_cli("log", "--done", "yes", "--rpe", "4", "--pain-during", p, "--pain-after", p,
                    "--looks-left", "5", "--looks-right", "5", "--surface", "track", env=env)
            logged += 1
    env["RETRORUN_TODAY"] = (start + timedelta(days=20)).isoformat()  # the third Sunday
    html, js = tmp / "progress.html", tmp / "progress.json"
    run_cli("progress", "--html", html, "--png", tmp / "p.png", "--json", js, env=env)
    return html, json.loads(js.read_text()), logged


@pytest.mark.parametrize("width", WIDTHS)
def test_progress_page_in_the_browser(browser_context, progress_page, width) -> None:
    path, rep, logged = progress_page
    assert logged >= 8
    o = open_page(browser_context, path, width)
    check_page(o, width, min_figures=1)
    text = o.text()
    assert DISCLAIMER in text and "information only" in text
    rows = o.page.locator("table tr").all()[1:]
    assert len(rows) == len(rep["weeks"]) == 3
    for row, w in zip(rows, rep["weeks"], strict=True):
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == str(w["week"]) and cells[1] == w["start"]
        assert cells[3] == f"{w['backward_minutes']:.1f}"
        assert cells[9] == f"{w['mean_pain']:.1f}"
        assert cells[12] == f"{w['looks_left']}/{w['looks_right']}"
    assert f"{rep['pain_slope_per_week']:+.2f} points/week" in text
    assert rep["pain_slope_per_week"] < 0  # pain was falling
    o.page.close()
