"""Regenerate the README screenshots of retrorun's HTML pages (docs/img/*.png).

Every page is made with the real CLI from real inputs (an example profile, the RBDS001 and
Hamner recordings in ../shared/data/real, a throw-away SQLite database with logged
sessions), then opened in Chromium through Playwright and captured.

    python scripts/screenshots.py             # docs/img/{handout,analysis,compare,progress}.png
    python scripts/screenshots.py --keep DIR  # and keep the generated HTML pages in DIR

Needs Debian's ``chromium`` (``apt-get install chromium``; or set ``RETRORUN_CHROMIUM``) and
the ``playwright`` and ``pillow`` Python packages (``pip install -e .[test]``); no
``playwright install``, no network. PNGs are reduced to a 256-colour palette (≤ 250 KB each).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("RETRORUN_REAL_DATA", REPO.parent / "shared" / "data" / "real"))
PROFILE = REPO / "examples" / "profiles" / "novice-lateral-knee.toml"
OUT = REPO / "docs" / "img"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MAX_BYTES = 250_000


def retrorun(*args: object, env: dict[str, str] | None = None) -> str:
    """Run the CLI of this checkout (``python -m retrorun`` with ``src`` on the path)."""
    e = dict(os.environ, **(env or {}))
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), e.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, "-m", "retrorun", *map(str, args)], env=e,
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        sys.exit(f"retrorun {' '.join(map(str, args))} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def make_pages(tmp: Path) -> dict[str, Path]:
    """Write the four pages into *tmp* and return them by name."""
    pages = {"handout": tmp / "plan.html", "analysis": tmp / "rbds.html",
             "compare": tmp / "compare.html", "progress": tmp / "progress.html"}
    retrorun("plan", PROFILE, "--start", "2026-12-07", "-f", "html", "-o", pages["handout"])
    rb, ham = REAL / "rbds_fukuchi2017", REAL / "hamner2013_running"
    retrorun("analyze", rb / "RBDS001runT35.c3d", "--static", rb / "RBDS001static.c3d",
             "--json", tmp / "rbds.json", "--html", pages["analysis"])
    ik, grf = ham / "Run_30002_IK_Original.mot", ham / "Run_30002_GRF_newCOP3_v24.mot"
    retrorun("analyze", ik, "--grf", grf, "--json", tmp / "fwd.json")
    retrorun("analyze", ik, "--grf", grf, "--time-reverse", "--json", tmp / "bwd.json")
    retrorun("compare", tmp / "fwd.json", tmp / "bwd.json", "--label-a", "forward",
             "--label-b", "backward (synthetic)", "--html", pages["compare"])
    # three weeks of the novice plan, every session logged, pain falling
    start = date(2026, 3, 2)
    env = {"RETRORUN_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
           "RETRORUN_TODAY": start.isoformat()}
    retrorun("athlete", "add", "Sam", "--profile", PROFILE, "--start", start, env=env)
    pains = iter([3, 3, 2, 2, 2, 1, 2, 1, 1, 1])
    for i in range(21):
        env["RETRORUN_TODAY"] = (start + timedelta(days=i)).isoformat()
        today = retrorun("today", env=env)
        if "Waiting for next-morning pain" in today:
            retrorun("morning", "--pain", 1, env=env)
            today = retrorun("today", env=env)
        if f"session {env['RETRORUN_TODAY']}-" in today:
            p = next(pains, 1)
            retrorun("log", "--done", "yes", "--rpe", 4, "--pain-during", p, "--pain-after", p,
                     "--looks-left", 5, "--looks-right", 5, "--surface", "track", env=env)
    env["RETRORUN_TODAY"] = (start + timedelta(days=20)).isoformat()
    retrorun("progress", "--html", pages["progress"], "--png", tmp / "p.png", env=env)
    return pages


#: name → (viewport width, CSS selector whose top starts the shot or None, height)
SHOTS = {
    "handout": (900, None, 1150),
    "analysis": (1000, "section:nth-of-type(5)", 830),  # the joint-angle section
    "compare": (1100, None, 1160),  # down to the end of the joint-angle curves
    "progress": (900, None, 1150),
}


def chromium() -> str:
    exe = os.environ.get("RETRORUN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).is_file():
        sys.exit("Chromium not found: apt-get install chromium (or set RETRORUN_CHROMIUM)")
    return exe


def shoot(pages: dict[str, Path], out: Path) -> list[Path]:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as prof, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(prof, executable_path=chromium(),
                                                    args=CHROMIUM_ARGS, headless=True)
        for name, (width, selector, height) in SHOTS.items():
            page = ctx.new_page()
            page.set_viewport_size({"width": width, "height": height})
            page.goto(pages[name].resolve().as_uri(), wait_until="load")
            top = 0.0
            if selector:
                top = page.locator(selector).bounding_box()["y"] - 8
            full = page.evaluate("document.documentElement.scrollHeight")
            h = min(height, full - top)
            png = out / f"{name}.png"
            page.screenshot(path=png, full_page=True,
                            clip={"x": 0, "y": top, "width": width, "height": h})
            page.close()
            # a palette of 256 colours keeps text sharp and the file small
            Image.open(png).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(
                png, optimize=True)
            size = png.stat().st_size
            if size > MAX_BYTES:
                sys.exit(f"{png}: {size} bytes > {MAX_BYTES}")
            written.append(png)
        ctx.close()
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    ap.add_argument("--keep", type=Path, help="also copy the generated HTML pages here")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        pages = make_pages(Path(d))
        if a.keep:
            a.keep.mkdir(parents=True, exist_ok=True)
            for p in pages.values():
                shutil.copy(p, a.keep / p.name)
        for png in shoot(pages, a.out):
            print(f"wrote {png.relative_to(REPO) if png.is_relative_to(REPO) else png} "
                  f"({png.stat().st_size // 1000} KB)")


if __name__ == "__main__":
    main()
