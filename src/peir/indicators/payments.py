"""Commitment and payment: whether money is committed and paid as well as accrued.

With the ``committed`` and ``paid`` phases (:class:`peir.Phase`; Peru's compromiso anual and
girado, Brazil's empenhado and pago...), per country-year and per institution:

- ``commitment_rate`` = committed ÷ modified × 100 (PER practice);
- ``payment_rate`` = paid ÷ executed × 100 and ``arrears_proxy`` = executed − paid, the
  accrued spending not yet paid at the close of the year (PEFA 2016, PI-22 expenditure arrears:
  the proxy is the flow of the year, not the stock of arrears, and a payment of an earlier
  year's accrual booked as paid this year lowers it).
"""

from __future__ import annotations

import pandas as pd

from peir.indicators import formulas as F
from peir.indicators._base import Frame, Indicator, make_indicator

__all__ = ["INDICATORS"]


def _arrears(d: pd.DataFrame) -> pd.Series:
    return d["spending_executed"] - d["spending_paid"]


_WHERE = {"main": ("", ""), "institution": (" by institution", " por institución")}
_SUFFIX = {"main": "", "institution": "_institution"}
_FRAMES: tuple[Frame, ...] = ("main", "institution")

INDICATORS: list[Indicator] = [
    ind
    for fr in _FRAMES
    for ind in (
        make_indicator(
            f"commitment_rate{_SUFFIX[fr]}",
            f"Commitment rate{_WHERE[fr][0]}",
            f"Tasa de compromiso{_WHERE[fr][1]}",
            "%",
            "committed ÷ modified × 100",
            "Share of the modified budget committed (contracts signed, orders placed) during the "
            "year.",
            ("spending_committed", "spending_modified"),
            lambda d: F.execution_rate(d["spending_committed"], d["spending_modified"]),
            frame=fr,
            standard="PER practice",
        ),
        make_indicator(
            f"payment_rate{_SUFFIX[fr]}",
            f"Payment rate{_WHERE[fr][0]}",
            f"Tasa de pago{_WHERE[fr][1]}",
            "%",
            "paid ÷ executed × 100",
            "Share of the accrued (executed) spending paid in cash during the year; below 100 % "
            "bills are left unpaid (PEFA PI-22, expenditure arrears).",
            ("spending_paid", "spending_executed"),
            lambda d: F.execution_rate(d["spending_paid"], d["spending_executed"]),
            frame=fr,
            standard="PEFA 2016",
        ),
        make_indicator(
            f"arrears_proxy{_SUFFIX[fr]}",
            f"Accrued but unpaid spending (arrears proxy){_WHERE[fr][0]}",
            f"Gasto devengado no pagado (aproximación de atrasos){_WHERE[fr][1]}",
            "currency",
            "executed − paid",
            "Spending accrued in the year and not paid by its close: a proxy of the year's new "
            "payment arrears (PEFA PI-22 asks for the stock of arrears, which budget data does not "
            "give). Negative when the year's payments include earlier years' accruals.",
            ("spending_executed", "spending_paid"),
            _arrears,
            frame=fr,
            standard="PEFA 2016",
        ),
    )
]
