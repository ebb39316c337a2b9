"""Small harmonised datasets for the outlook and cost-of-crime tests (El Salvador-like, USD)."""

from __future__ import annotations

import pandas as pd

import peir
from peir import Dataset

#: Each institution wholly on one link.
PLACEMENT = {"PNC": "patrol", "DGCP": "corrections", "FGR": "investigation"}

CHAIN_MAP = pd.DataFrame(
    {
        "institution_code": list(PLACEMENT),
        "link": list(PLACEMENT.values()),
        "share": 1.0,
        "basis": "test",
        "source_ref": [f"map:{i + 2}" for i in range(len(PLACEMENT))],
    }
)


def line(
    year: int, inst: str, econ: str, amount: float, phase: str = "executed"
) -> dict[str, object]:
    """One budget line of SLV in USD."""
    return dict(
        country="SLV",
        year=year,
        institution_code=inst,
        econ=econ,
        phase=phase,
        amount=amount,
        currency="USD",
        source_ref=f"budget.csv:{inst}{year}{econ}",
    )


def measure(year: int, name: str, value: float, source: str) -> dict[str, object]:
    """One national caseload figure of SLV."""
    return dict(
        country="SLV",
        year=year,
        measure=name,
        value=value,
        source=source,
        source_ref=f"caseload.csv:{name}{year}",
    )


def harmonized(
    lines: list[dict[str, object]],
    gdp: dict[int, float],
    caseload: list[dict[str, object]] | None = None,
) -> peir.HarmonizedDataset:
    """Harmonise ``lines`` with GDP by year (deflator 100) through the real pipeline."""
    ctx = pd.DataFrame(
        [
            dict(
                country="SLV",
                year=y,
                gdp_lcu=v,
                gdp_deflator=100.0,
                currency="USD",
                source_ref=f"context.csv:{y}",
            )
            for y, v in gdp.items()
        ]
    )
    ds = Dataset(
        budget=pd.DataFrame(lines),
        chain_map=CHAIN_MAP,
        context=ctx,
        caseload=None if caseload is None else pd.DataFrame(caseload),
    )
    return ds.harmonize(base_year=min(gdp))
