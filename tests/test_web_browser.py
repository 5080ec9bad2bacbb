"""The coach overview and an athlete page in a real browser (Chromium driven by Playwright),
served by uvicorn on a free loopback port: rows in severity order and visible, no console
errors (the Content-Security-Policy blocks nothing the page needs), no request leaving the
server, the progress plot drawn, and no horizontal overflow on a 390 px phone or at 1280 px.

Chromium is Debian's ``/usr/bin/chromium`` (or ``RETRORUN_CHROMIUM``). Without it, or without
the ``playwright`` package, the tests skip, and fail when ``CI`` is set.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from retrorun import DISCLAIMER

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``(base URL, athlete ids)`` of the clinic served by uvicorn in a thread."""
    uvicorn = pytest.importorskip("uvicorn")
    from retrorun.store.db import make_engine, session_factory
    from retrorun.web.app import create_app
    from web_fixtures import TODAY, fill_clinic

    url = f"sqlite:///{tmp_path_factory.mktemp('webb') / 'clinic.sqlite'}"
    engine = make_engine(url)
    with session_factory(engine)() as s:
        ids = fill_clinic(s)
    engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(url, today=TODAY, web_token=""),
                                        host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not th.is_alive():
            srv.should_exit = True
            pytest.fail("uvicorn did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", ids
    finally:
        srv.should_exit = True
        th.join(timeout=10)


def _open(browser_context, url: str, width: int, base: str):
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"external request {r.url}")
            if not r.url.startswith(base) else None)
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    resp = page.goto(url, wait_until="load")
    assert resp is not None and resp.status == 200
    return page, problems


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_overview_in_a_browser(server, browser_context) -> None:
    base, _ids = server
    for width in WIDTHS:
        page, problems = _open(browser_context, base + "/", width, base)
        try:
            rows = page.locator("#athletes tbody tr")
            assert rows.count() == 4
            names = [rows.nth(i).get_attribute("data-athlete") for i in range(4)]
            assert names == ["Tom", "Ref", "Mia", "Sam"]
            for i in range(4):
                assert rows.nth(i).is_visible()
            # The flags a coach must see first are on screen, in words.
            first = rows.nth(0).inner_text()
            assert "Stopped" in first and "Red flag reported" in first
            assert "Next-morning pain rising" in rows.nth(2).inner_text()
            assert page.get_by_text(DISCLAIMER).first.is_visible()
            # The severity colour is applied (CSS not blocked by the CSP).
            colour = page.locator(".badge.sev-critical").first.evaluate(
                "e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(165, 15, 21)"
            assert _overflow(page) <= 0, f"horizontal overflow at {width} px"
            assert problems == []
        finally:
            page.close()


def test_athlete_page_in_a_browser(server, browser_context) -> None:
    base, ids = server
    page, problems = _open(browser_context, f"{base}/athletes/{ids['Mia']}", 1280, base)
    try:
        img = page.locator("img.plot")
        img.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('img.plot').complete", timeout=30_000)
        w, h = img.evaluate("e => [e.naturalWidth, e.naturalHeight]")
        assert w > 300 and h > 300  # the SVG plot (7.5 × 8 in) loaded and decoded
        text = page.locator("#logs-table").inner_text()
        assert "Next-morning pain 3/10 is higher than your baseline 0/10" in text
        assert problems == []
        assert _overflow(page) <= 0
    finally:
        page.close()
