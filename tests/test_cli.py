"""The ``peir`` command line: exit codes, one line per problem, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import peir
from peir.cli import main

HEADER = "country,year,institution_code,phase,amount,currency"


def _budget(tmp_path: Path, *rows: str) -> Path:
    p = tmp_path / "b.csv"
    p.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return p


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert peir.__version__ in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["validate", str(_budget(tmp_path, "SLV,2019,A,approved,1,USD"))]) == 2
    err = capsys.readouterr().err
    assert "--kind is required" in err
    assert main(["validate"]) == 2
    assert main(["indicators", "--example", "el_salvador", "--years", "20x5"]) == 2
    assert main(["validate", "x.csv", "--kind", "nonsense"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    assert "el_salvador" in capsys.readouterr().out.split()


def test_validate_file_ok_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ok = _budget(tmp_path, "SLV,2019,A,approved,1,USD")
    assert main(["-q", "validate", str(ok), "--kind", "budget"]) == 0
    out = capsys.readouterr()
    assert "1 rows read, 1 accepted" in out.out
    assert out.err == ""
    bad = _budget(
        tmp_path,
        "SLV,2019,A,approved,1,USD",
        "SLV,2019,B,approved,x,USD",
        "SLV,2019,C,banana,2,USD",
    )
    assert main(["-q", "validate", str(bad), "--kind", "budget"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("b.csv:3: amount='x' error:")
    assert err[1].startswith("b.csv:4: phase='banana' error:")


def test_validate_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = _budget(tmp_path, "SLV,2019,B,approved,x,USD")
    assert main(["-q", "validate", str(bad), "--kind", "budget", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["rows_read"] == 1 and data["rows_rejected"] == 1
    assert data["issues"][0]["row"] == 2
    assert data["issues"][0]["code"] == "not_a_number"


def test_validate_with_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("Institución;Monto\nFGR;1.234,5\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "columns: {institution_code: Institución, amount: Monto}\ndecimal: ','\n"
        "constants: {country: SLV, year: 2019, phase: executed, currency: USD}\n",
        encoding="utf-8",
    )
    assert main(["-q", "validate", str(p), "--kind", "budget", "--spec", str(spec)]) == 0
    assert "amount read 1,234.50" in capsys.readouterr().out


def test_validate_not_a_table_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["-q", "validate", str(tmp_path / "missing.csv"), "--kind", "budget"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such file" in err[0]
    binary = tmp_path / "x.csv"
    binary.write_bytes(bytes(range(256)) * 10)
    assert main(["-q", "validate", str(binary), "--kind", "caseload"]) == 1
    err = capsys.readouterr().err
    assert "binary" in err and "Traceback" not in err


def test_bad_or_unreadable_spec_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """docs: exit 2 for bad usage, including a spec or project file that cannot be read."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("colums: {}\n")
    ok = _budget(tmp_path, "SLV,2019,A,approved,1,USD")
    assert main(["-q", "validate", str(ok), "--kind", "budget", "--spec", str(spec)]) == 2
    assert "did you mean 'columns'" in capsys.readouterr().err
    assert (
        main(["-q", "validate", str(ok), "--kind", "budget", "--spec", str(tmp_path / "no.yaml")])
        == 2
    )
    assert "no.yaml: no such file" in capsys.readouterr().err
    assert main(["-q", "indicators", "--config", str(tmp_path / "no.yaml")]) == 2
    (tmp_path / "bad.yaml").write_text("name: [\n")
    assert (
        main(["-q", "brief", "--config", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "o")])
        == 2
    )
    err = capsys.readouterr().err
    assert "not valid YAML" in err and "Traceback" not in err


def test_debug_shows_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["-q", "--debug", "validate", str(tmp_path / "missing.csv"), "--kind", "budget"]) == 1
    )
    assert "Traceback" in capsys.readouterr().err


def test_validate_example_and_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["-q", "validate", "--example", "el_salvador"]) == 0
    cfg = tmp_path / "peir.yaml"
    (tmp_path / "ctx.csv").write_text("country,year,population\nSLV,2019,-5\n")
    cfg.write_text("name: t\ndata:\n  context: {path: ctx.csv}\n")
    capsys.readouterr()
    assert main(["-q", "validate", "--config", str(cfg)]) == 1
    assert "ctx.csv:2: population=" in capsys.readouterr().err
    cfg.write_text("name: t\ndata:\n  contxt: {path: ctx.csv}\n")
    assert main(["-q", "validate", "--config", str(cfg)]) == 2  # a bad project file is bad usage
    assert "did you mean 'context'" in capsys.readouterr().err
    assert main(["-q", "validate", "--example", "atlantis"]) == 2  # an unknown name is bad usage
    assert "el_salvador" in capsys.readouterr().err


def test_indicators_to_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "ind.csv"
    code = main(
        [
            "-q",
            "indicators",
            "--example",
            "el_salvador",
            "--country",
            "SLV",
            "--years",
            "2010-2012",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    df = pd.read_csv(out)
    assert {"country", "year", "indicator", "value"} <= set(df.columns)
    assert set(df["year"].dropna().astype(int)) <= {2010, 2011, 2012}


def test_progress_lines_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--example", "el_salvador"]) == 0
    err = capsys.readouterr().err
    assert "loading example el_salvador" in err


@pytest.mark.slow
def test_brief(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "brief"
    code = main(
        [
            "-q",
            "brief",
            "--example",
            "el_salvador",
            "--out",
            str(out),
            "--lang",
            "es",
            "--formats",
            "md",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert (out / "brief.md").exists()


def test_entry_point_runs_as_module(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "peir.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0 and "peir" in r.stdout


def test_bad_option_values_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An unknown --example, --formats or --ids value is bad usage (2), named, before any work."""
    out = tmp_path / "o"
    assert main(["-q", "brief", "--example", "el_salvadr", "--out", str(out)]) == 2
    assert (
        "--example 'el_salvadr': no such example; one of central_america, el_salvador"
        in capsys.readouterr().err
    )
    assert (
        main(
            ["-q", "brief", "--example", "el_salvador", "--out", str(out), "--formats", "html,pdf"]
        )
        == 2
    )
    assert "unknown pdf" in capsys.readouterr().err
    assert (
        main(
            ["-q", "brief", "--example", "el_salvador", "--out", str(out), "--suppress-below", "-1"]
        )
        == 2
    )
    assert main(["-q", "indicators", "--example", "el_salvador", "--ids", "homicide_rat"]) == 2
    assert "did you mean 'homicide_rate'" in capsys.readouterr().err
    assert not out.exists()  # refused before anything was written


def test_invalid_project_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A project file that reads as YAML but is not a valid peir.yaml is bad usage too."""
    for body, said in (
        ("colour: 1\n", "unknown key 'colour'"),
        ("suppress_below: -3\n", "suppress_below"),
        ("as_of: soon\n", "as_of"),
    ):
        cfg = tmp_path / "peir.yaml"
        cfg.write_text(body, encoding="utf-8")
        for argv in (
            ["validate", "--config", str(cfg)],
            ["indicators", "--config", str(cfg)],
            ["brief", "--config", str(cfg), "--out", str(tmp_path / "o")],
        ):
            assert main(["-q", *argv]) == 2, (body, argv)
            err = capsys.readouterr().err
            assert said in err and "Traceback" not in err and "internal error" not in err, err


def _piped(cmd: str) -> tuple[int, str, str]:
    """Run ``cmd | head -1`` in bash; returns (peir's exit code, the first line, peir's stderr)."""
    script = f"{cmd} | head -1; echo rc=${{PIPESTATUS[0]}}"
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    lines = proc.stdout.splitlines()
    return int(lines[-1].removeprefix("rc=")), lines[0] if len(lines) > 1 else "", proc.stderr


@pytest.mark.parametrize("what", ["indicators", "validate"])
def test_closed_pipe_ends_quietly_on_a_real_pipe(what: str, tmp_path: Path) -> None:
    """More output than a pipe holds (64 KB), read by ``head -1``: peir meets a closed pipe,
    ends with exit 0 and prints nothing on stderr."""
    peir_cmd = f"{sys.executable} -m peir.cli -q"
    if what == "indicators":
        cmd = f"{peir_cmd} indicators --example central_america"
        first = "country,year"
    else:
        bad = tmp_path / "many.csv"
        rows = [f"SLV,2019,A{i},approved,x{i},USD" for i in range(3000)]
        bad.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        cmd = f"{peir_cmd} validate {bad} --kind budget --json --all-issues"
        first = "{"
    full = subprocess.run(
        ["bash", "-c", f"{cmd} | wc -c"], capture_output=True, text=True, timeout=300, check=False
    )
    assert int(full.stdout) > 200_000  # far more than the pipe's buffer: the write does fail
    rc, line, err = _piped(cmd)
    assert line.startswith(first)
    assert rc == 0 and err == "", (rc, err)
