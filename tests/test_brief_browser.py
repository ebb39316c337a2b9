"""The HTML brief renders in headless Chromium with no console errors; a screenshot is kept.

Chromium is driven with its own command line (``--screenshot``) and its log on stderr
(``--enable-logging=stderr --v=0``), where every console message appears as ``:CONSOLE``.
The test skips cleanly when no Chromium is installed (``.ci/run`` installs Debian's package).
The screenshots are saved under ``out/artifacts/`` (or ``$PEIR_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

import peir
from peir.report import build_brief

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("PEIR_ARTIFACTS", ROOT / "out" / "artifacts"))

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _render(
    browser: str, html: Path, shot: Path, profile: Path
) -> subprocess.CompletedProcess[str]:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        "--window-size=1280,4000",
        html.resolve().as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def _console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_brief_renders_without_console_errors(lang: str, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = peir.load_example("el_salvador").harmonize(base_year=2015)
        peers = peir.load_example("central_america").harmonize(base_year=2015, currency="USD")
    html = build_brief(h, out_dir=tmp_path / "brief", lang=lang, peers=peers, formats=("html",))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"brief_{lang}.png"
    shot.unlink(missing_ok=True)
    proc = _render(browser, html, shot, tmp_path / "profile")
    console = _console_messages(proc.stderr)
    assert not console, "console messages:\n" + "\n".join(console)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000, "no screenshot"
    print(f"screenshot: {shot}")


def test_console_errors_are_caught(tmp_path: Path) -> None:
    """The detector itself: a page with a script error must be reported."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom'); nosuchfn();</script></body></html>")
    proc = _render(browser, bad, tmp_path / "bad.png", tmp_path / "profile")
    msgs = _console_messages(proc.stderr)
    assert any(re.search("boom|nosuchfn", m) for m in msgs), proc.stderr[-2000:]
