"""``retrorun serve`` and ``retrorun feed`` from the command line; one test runs the real
server (uvicorn) as a subprocess on a free loopback port and fetches the overview over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrorun import DISCLAIMER
from retrorun.cli import app

SRC = Path(__file__).resolve().parents[1] / "src"
#: Seconds to wait for the server to answer (a cold start imports FastAPI, SQLAlchemy and
#: migrates: about 2 s here; generous for a loaded CI machine).
START_TIMEOUT_S = 60


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    env.pop("RETRORUN_WEB_TOKEN", None)
    env.update(extra)
    return env


def test_root_help_does_not_import_the_web_stack() -> None:
    code = (
        "import sys; from retrorun.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "assert 'serve' in r.output and 'feed' in r.output, r.output; "
        "print(','.join(m for m in ('fastapi', 'starlette', 'uvicorn', 'httpx', 'jinja2', "
        "'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env(), timeout=120, check=True)
    assert out.stdout.strip() == ""


def test_serve_refuses_a_network_address_without_a_password(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("RETRORUN_WEB_TOKEN", raising=False)
    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--db",
                                 f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert r.exit_code == 1
    assert "refusing to serve" in r.output and "RETRORUN_WEB_TOKEN" in r.output
    assert not (tmp_path / "x.sqlite").exists()  # refused before touching the database


def test_serve_reports_a_bad_database_or_time_zone(tmp_path) -> None:
    pytest.importorskip("uvicorn")
    pytest.importorskip("fastapi")
    r = CliRunner().invoke(app, ["serve", "--db", "nosuchdialect://x"])
    assert r.exit_code == 1 and "cannot use database" in r.output
    r = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'y.sqlite'}",
                                 "--tz", "Mars/Olympus"])
    assert r.exit_code == 1 and "Mars/Olympus" in r.output


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Loopback requests never go through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    with _OPENER.open(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8")


def test_serve_subprocess_serves_the_overview(tmp_path) -> None:
    pytest.importorskip("uvicorn")
    from retrorun.store.db import make_engine, session_factory
    from web_fixtures import TODAY, fill_clinic

    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    engine = make_engine(url)
    with session_factory(engine)() as s:
        fill_clinic(s)
    engine.dispose()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrorun", "serve", "--port", str(port), "--db", url],
        env=_env(RETRORUN_TODAY=TODAY.isoformat()),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited early ({proc.returncode}): {proc.stderr.read()}")
            try:
                status, body = _get(f"{base}/healthz", timeout=1.0)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not answer within {START_TIMEOUT_S} s")
                time.sleep(0.2)
        assert status == 200 and '"status":"ok"' in body
        status, page = _get(base + "/")
        assert status == 200 and DISCLAIMER in page
        order = [n for n in ("Tom", "Ref", "Mia", "Sam") if f'data-athlete="{n}"' in page]
        assert order == ["Tom", "Ref", "Mia", "Sam"]
        assert page.index('data-athlete="Mia"') < page.index('data-athlete="Sam"')
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode is not None
