"""`peir validate`: bounded problem lines with --all-issues for every one, JSON with counts,
a warning when a project has no context table; `allow_gaps` in peir.yaml and --allow-gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peir.cli import main

HEADER = "country,year,institution_code,phase,amount,currency"


def _repeated(tmp_path: Path, n: int = 30) -> Path:
    p = tmp_path / "b.csv"
    rows = [f"SLV,2019,A,approved,x{i},USD" for i in range(n)]
    p.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return p


def test_validate_prints_one_line_per_code_unless_all_issues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p = _repeated(tmp_path)
    assert main(["-q", "validate", str(p), "--kind", "budget"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert (
        err[0].startswith("b.csv:2: amount='x0' error:")
        and "and 29 more (rows 2, 3, 4, 5, 6, …)" in err[0]
    )
    assert main(["-q", "validate", str(p), "--kind", "budget", "--all-issues"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 30 and err[-1].startswith("b.csv:31: amount='x29'")


def test_validate_json_counts_and_all_issues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p = _repeated(tmp_path, 12)
    assert main(["-q", "validate", str(p), "--kind", "budget", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert len(data["issues"]) == 1 and data["issues"][0]["count"] == 12
    assert data["amount_unparsed"] == 12
    assert main(["-q", "validate", str(p), "--kind", "budget", "--json", "--all-issues"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [i["row"] for i in data["issues"]] == list(range(2, 14))


def test_validate_config_without_context_warns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "b.csv").write_text(HEADER + "\nSLV,2019,A,approved,1,USD\n", encoding="utf-8")
    cfg = tmp_path / "peir.yaml"
    cfg.write_text("name: t\ndata:\n  budget: {path: b.csv}\n", encoding="utf-8")
    assert main(["-q", "validate", "--config", str(cfg)]) == 0  # a warning, not an error
    err = capsys.readouterr().err
    assert "no context table" in err and "[no_context]" in err


def _gappy_project(tmp_path: Path, allow: bool) -> Path:
    (tmp_path / "b.csv").write_text(
        HEADER + "\nSLV,2019,A,executed,100,USD\nSLV,2020,A,executed,110,USD\n"
    )
    (tmp_path / "c.csv").write_text(
        "country,year,population,gdp_deflator,currency\nSLV,2019,6300000,100,USD\n"
    )
    cfg = tmp_path / "peir.yaml"
    cfg.write_text(
        "name: t\nbase_year: 2019\n"
        + ("allow_gaps: true\n" if allow else "")
        + "data:\n  budget: {path: b.csv}\n  context: {path: c.csv}\n",
        encoding="utf-8",
    )
    return cfg


def test_allow_gaps_in_the_project_file_and_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    strict = _gappy_project(tmp_path, allow=False)
    out = tmp_path / "i.csv"
    assert main(["-q", "indicators", "--config", str(strict), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--allow-gaps" in err and "allow_gaps: true" in err
    assert (
        main(["-q", "indicators", "--config", str(strict), "--out", str(out), "--allow-gaps"]) == 0
    )
    relaxed = _gappy_project(tmp_path, allow=True)
    assert main(["-q", "indicators", "--config", str(relaxed), "--out", str(out)]) == 0
    assert out.stat().st_size > 0
