"""The ``peir`` command line: a thin layer over the library.

::

    peir --version
    peir examples
    peir validate FILE --kind budget|caseload|context|chain_map [--spec SPEC.yaml] [--json]
    peir validate (--example NAME | --config peir.yaml) [--json]
    peir indicators (--example NAME | --config peir.yaml) [--ids a,b] [--country X]
                    [--years 2015-2020] [--out FILE.csv]
    peir brief (--example NAME | --config peir.yaml) --out DIR [--lang en|es]
               [--formats html,md,xlsx] [--peers NAME] [--as-of YEAR] [--base-year YEAR]
               [--suppress-below N] [--quote-rejected]

Exit codes: 0 success; 1 the data has errors (validate) or the job failed on the data (any
:class:`peir.PeirError`, including output that cannot be written: a full disk, an unwritable
``--out``); 2 bad usage, or a read spec or project file that cannot be read (a
:class:`peir.SpecError`). Problems are printed one per line on stderr, without a Python
traceback unless ``--debug`` is given. When the reader of the output goes away (``peir
indicators ... | head``), the command ends quietly with exit 0.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from peir._version import __version__
from peir.config import ProjectConfig
from peir.datasets import list_examples, load_example
from peir.errors import PeirError, SpecError
from peir.indicators import compute
from peir.indicators.registry import REGISTRY
from peir.pipeline import ingest
from peir.pipeline.inspect import inspect
from peir.report import build_brief
from peir.report.brief import FORMATS
from peir.report.safe import csv_safe
from peir.report.writer import write_file_atomic

__all__ = ["main"]

KINDS = ("budget", "caseload", "context", "chain_map")


class _UsageError(Exception):
    """Bad usage detected after argument parsing (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Status:
    """Progress lines on stderr for the long steps (quiet with --quiet)."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, text: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.1f}s] {text}", file=self.stream, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="peir",
        description=(
            "Public expenditure and institutional reviews of the security and justice sector."
        ),
    )
    p.add_argument("--version", action="version", version=f"peir {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("examples", help="list the embedded examples")

    v = sub.add_parser(
        "validate", help="validate a file, an example or a project; exit 1 on errors"
    )
    v.add_argument("file", nargs="?", help="a CSV/TXT/XLSX/Parquet file")
    v.add_argument("--kind", choices=KINDS, help="what the file holds (with FILE)")
    v.add_argument("--spec", help="read spec (YAML) for FILE")
    _source_args(v, required=False)
    v.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    v.add_argument(
        "--max-lines",
        type=int,
        default=200,
        help="at most this many problem lines (default 200; 0 = all)",
    )
    v.add_argument(
        "--all-issues",
        action="store_true",
        help="one line (JSON record) per issue, not one per code and column with a count",
    )

    n = sub.add_parser(
        "inspect", help="draft a read spec (YAML, a comment on every guess) for a file"
    )
    n.add_argument("file", help="a CSV/TXT or XLSX file")
    n.add_argument(
        "--kind", choices=KINDS, default="budget", help="the table the file fills (default budget)"
    )
    n.add_argument(
        "--out", metavar="SPEC_YAML", help="write the draft here (default: print it on stdout)"
    )

    i = sub.add_parser("indicators", help="compute indicators on the harmonised data")
    _source_args(i, required=True)
    i.add_argument("--ids", help="comma-separated indicator ids (default: all)")
    i.add_argument("--country", help="ISO3 code(s), comma-separated")
    i.add_argument("--years", help="a year, a range 2015-2020 or a list 2015,2018")
    i.add_argument("--base-year", type=int, help="constant-price base year")
    i.add_argument(
        "--allow-gaps",
        action="store_true",
        help="country-years without context are flagged (NaN), not an error",
    )
    i.add_argument("--out", help="write CSV here (default: print to stdout)")

    b = sub.add_parser("brief", help="build the PEIR-style background brief")
    _source_args(b, required=True)
    b.add_argument("--out", required=True, help="output folder")
    b.add_argument(
        "--lang", choices=("en", "es"), help="language (default: the project's, else en)"
    )
    b.add_argument("--formats", default="html,md,xlsx", help="comma-separated: html,md,xlsx")
    b.add_argument(
        "--peers", help="embedded example with the peer countries (e.g. central_america)"
    )
    b.add_argument(
        "--base-year",
        type=int,
        help="constant-price base year (default: --as-of, else the project's)",
    )
    b.add_argument(
        "--allow-gaps",
        action="store_true",
        help="country-years without context are flagged (NaN), not an error",
    )
    b.add_argument(
        "--as-of",
        type=int,
        metavar="YEAR",
        help="use only data up to YEAR (default: the project's as_of)",
    )
    b.add_argument(
        "--suppress-below",
        type=int,
        metavar="N",
        help="suppress caseload counts below N in every output (default: the project's)",
    )
    b.add_argument(
        "--quote-rejected",
        action="store_true",
        help="quote the original text of rejected cells in the annex",
    )
    return p


def _source_args(p: argparse.ArgumentParser, *, required: bool) -> None:
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--example", metavar="NAME", help="an embedded example (see `peir examples`)")
    g.add_argument("--config", metavar="PEIR_YAML", help="a project file (peir.yaml)")


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def _load(args: argparse.Namespace, status: _Status) -> tuple[Any, Any]:
    """(Dataset, ProjectConfig or None) from --example or --config."""
    if args.example and args.example not in list_examples():
        raise _UsageError(
            f"--example {args.example!r}: no such example; one of {', '.join(list_examples())}"
        )
    if args.config:
        status(f"reading project {args.config}")
        cfg = ProjectConfig.from_yaml(args.config)
        ds = cfg.load_dataset()
        return ds, cfg
    status(f"loading example {args.example}")
    return load_example(args.example), None


def _harmonize(ds: Any, cfg: Any, args: argparse.Namespace, status: _Status) -> Any:
    base_year = getattr(args, "base_year", None)
    if base_year is None and cfg is not None:
        base_year = cfg.base_year
    if base_year is None:
        base_year = ds.meta.get("base_year")
    kwargs: dict[str, Any] = {"base_year": base_year}
    if cfg is not None and cfg.currency:
        kwargs["currency"] = cfg.currency
    elif ds.meta.get("currency"):
        kwargs["currency"] = ds.meta["currency"]
    if getattr(args, "allow_gaps", False) or (cfg is not None and cfg.allow_gaps):
        kwargs["allow_gaps"] = True
    status(f"harmonising (base year {base_year})")
    return ds.harmonize(**kwargs)


def _outlook_blocks(ds: Any, cfg: Any) -> dict[str, Any]:
    """The ``outlook:`` and ``cost_of_crime:`` blocks for the brief: the project's, else the
    example's (validated like a project's)."""
    if cfg is None:
        raw = {k: ds.meta[k] for k in ("outlook", "cost_of_crime") if ds.meta.get(k)}
        if not raw:
            return {}
        cfg = ProjectConfig.from_dict(raw, where=f"example {ds.name}")
    return {"outlook": cfg.outlook, "cost_of_crime": cfg.cost_of_crime, "config_dir": cfg.base_dir}


def _parse_years(text: str | None) -> list[int] | None:
    if not text:
        return None
    years: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
                if hi < lo:
                    raise ValueError
                years.extend(range(lo, hi + 1))
            elif part:
                years.append(int(part))
    except ValueError:
        raise _UsageError(
            f"--years {text!r}: expected a year, a range such as 2015-2020, or a list 2015,2018"
        ) from None
    return years


def _split(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def _report_json(report: Any, *, all_issues: bool = False) -> str:
    frame = report.issues_all() if all_issues else report.issues
    issues = frame.astype(object).where(frame.notna(), None)
    data = {
        "table": report.table,
        "source": report.source,
        "ok": bool(report.ok),
        "rows_read": int(report.rows_read),
        "rows_accepted": int(report.rows_accepted),
        "rows_rejected": int(report.rows_rejected),
        "amount_read": float(report.amount_read),
        "amount_accepted": float(report.amount_accepted),
        "amount_rejected": float(report.amount_rejected),
        "amount_unparsed": int(report.amount_unparsed),
        "encoding": report.encoding,
        "issues": issues.to_dict(orient="records"),
    }
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


# ------------------------------------------------------------------------------------------
# commands
# ------------------------------------------------------------------------------------------


def _cmd_examples(args: argparse.Namespace, status: _Status) -> int:
    for name in list_examples():
        print(name)
    return 0


def _cmd_validate(args: argparse.Namespace, status: _Status) -> int:
    if args.file:
        if args.example or args.config:
            raise _UsageError("give either FILE (with --kind) or --example/--config, not both")
        if not args.kind:
            raise _UsageError(f"--kind is required with FILE: one of {', '.join(KINDS)}")
        status(f"reading {args.file} as {args.kind}")
        table = ingest.read_table(args.kind, args.file, args.spec)
        report = table.report
    else:
        if not (args.example or args.config):
            raise _UsageError("give FILE --kind KIND, or --example NAME, or --config peir.yaml")
        if args.kind or args.spec:
            raise _UsageError("--kind and --spec go with FILE")
        ds, _cfg = _load(args, status)
        status("validating")
        report = ds.validate()
    if args.json:
        print(_report_json(report, all_issues=args.all_issues))
    else:
        limit = None if args.max_lines == 0 else args.max_lines
        lines = report.lines_all(limit=limit) if args.all_issues else report.lines(limit=limit)
        for line in lines:
            print(line, file=sys.stderr)
        total = len(report.issues_all()) if args.all_issues else len(report.issues)
        if limit is not None and total > limit:
            print(
                f"... and {total - limit} more problems (--max-lines 0 shows all)", file=sys.stderr
            )
        print(report.summary())
    return 0 if report.ok else 1


def _cmd_indicators(args: argparse.Namespace, status: _Status) -> int:
    years = _parse_years(args.years)
    unknown = [i for i in _split(args.ids) or [] if i not in REGISTRY]
    if unknown:
        hints = {i: difflib.get_close_matches(i, list(REGISTRY), n=1) for i in unknown}
        said = ", ".join(
            f"{i!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for i, h in hints.items()
        )
        raise _UsageError(f"--ids: unknown indicator {said}; see peir.indicators.catalog()")
    ds, cfg = _load(args, status)
    h = _harmonize(ds, cfg, args, status)
    status("computing indicators")
    countries = _split(args.country)
    country: Any = countries[0] if countries and len(countries) == 1 else countries
    out = csv_safe(compute(h, _split(args.ids), country=country, years=years))
    if args.out:
        path = write_file_atomic(args.out, out.to_csv(index=False).encode("utf-8"))
        status(f"wrote {len(out)} rows to {path}")
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


def _cmd_brief(args: argparse.Namespace, status: _Status) -> int:
    formats = _split(args.formats) or ["html"]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise _UsageError(
            f"--formats {args.formats!r}: unknown {', '.join(bad)}; any of {', '.join(FORMATS)}"
        )
    as_of = args.as_of
    ds, cfg = _load(args, status)
    lang = args.lang or (cfg.lang if cfg is not None else "en")
    if as_of is None and cfg is not None:
        as_of = cfg.as_of
    if args.suppress_below is not None and args.suppress_below < 0:
        raise _UsageError(f"--suppress-below {args.suppress_below}: expected a count >= 0")
    suppress = (
        args.suppress_below
        if args.suppress_below is not None
        else (cfg.suppress_below if cfg else None)
    )
    if as_of is not None and args.base_year is None and (cfg is None or cfg.base_year is None):
        args.base_year = as_of  # prices of the as-of year unless a base year is given
    h = _harmonize(ds, cfg, args, status)
    peers = None
    peers_name = args.peers or (cfg.peers_example if cfg is not None else None)
    if peers_name:
        status(f"harmonising peers ({peers_name})")
        peers = _harmonize(load_example(peers_name), None, args, status)
    published = [*(ds.meta.get("published_figures") or []), *(cfg.published_figures if cfg else [])]
    kwargs: dict[str, Any] = {
        "out_dir": args.out,
        "lang": lang,
        "formats": tuple(formats),
        "as_of": as_of,
        "base_year": h.base_year,
        "published": published,
        "requests": list(ds.meta.get("data_requests") or []),
        "suppress_below": suppress,
        "quote_rejected": bool(args.quote_rejected),
    }
    if peers is not None:
        kwargs["peers"] = peers
    if cfg is not None and cfg.country:
        kwargs["country"] = cfg.country
    kwargs.update(_outlook_blocks(ds, cfg))

    def progress(step: str, i: int, n: int) -> None:
        status(f"brief {i}/{n}: {step}")

    kwargs["progress"] = progress
    status("writing the brief" + (f" as of {as_of}" if as_of is not None else ""))
    path = build_brief(h, **kwargs)
    print(path)
    return 0


def _cmd_inspect(args: argparse.Namespace, status: _Status) -> int:
    status(f"inspecting {args.file}")
    draft = inspect(args.file, kind=args.kind)
    text = draft.to_yaml()
    if args.out:
        write_file_atomic(args.out, text.encode("utf-8"))
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text, end="")
    print(draft.summary(), file=sys.stderr)
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace, _Status], int]] = {
    "examples": _cmd_examples,
    "inspect": _cmd_inspect,
    "validate": _cmd_validate,
    "indicators": _cmd_indicators,
    "brief": _cmd_brief,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``peir`` command; returns the exit code (0 ok, 1 data errors, 2 bad usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help/--version (0) or bad usage (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    if not args.command:
        parser.print_usage(sys.stderr)
        print(
            "peir: error: a command is required (examples, validate, indicators, brief)",
            file=sys.stderr,
        )
        return 2
    status = _Status(sys.stderr, args.quiet)
    try:
        return _COMMANDS[args.command](args, status)
    except _UsageError as exc:
        print(f"peir {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (| head): end quietly
        _silence_stdout()
        return 0
    except PeirError as exc:  # an unreadable spec / project file is bad usage (2); the rest, 1
        if args.debug:
            traceback.print_exc()
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"peir {args.command}: {line}", file=sys.stderr)
        return 2 if isinstance(exc, SpecError) else 1
    except KeyboardInterrupt:  # pragma: no cover
        print("peir: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"peir {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr
            )
            print(
                "peir: this is a bug in peir; run again with --debug for the traceback",
                file=sys.stderr,
            )
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush meets no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
