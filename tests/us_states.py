"""A regional dataset of the 50 US states and DC, 2013-2016, from the files in ../shared:

- budget: BJS Justice Expenditure and Employment Extracts (``us_bjs_jeee``), state and local
  spending on police protection, judicial and legal services and corrections ($ thousands);
- personnel: the same extracts' employees by function (all staff, not split by category);
- caseload: FBI UCR offences known to the police (``us_states_ucr_crimes``): recorded crime
  = violent + property crime, homicides = murder and non-negligent manslaughter; the national
  rows are the sums of the states;
- context: the UCR state populations (regional rows), and for the country WDI population,
  GDP in current dollars and the GDP deflator (``reference/macro``).

Used by the tests of the regional brief and to render it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import peir

FUNCTIONS = {  # JEEE column -> (institution code, name, employees column, link)
    "exp_police_k": ("POLICE", "State and local police protection", "emp_police", "patrol"),
    "exp_judicial_legal_k": (
        "JUDICIAL_LEGAL",
        "State and local judicial and legal services",
        "emp_judicial_legal",
        "judicial",
    ),
    "exp_corrections_k": (
        "CORRECTIONS",
        "State and local corrections",
        "emp_corrections",
        "corrections",
    ),
}
YEARS = range(2013, 2017)


def _macro(shared: Path, name: str) -> pd.Series:
    d = pd.read_csv(shared / "reference" / "macro" / name)
    d = d[(d["country_iso3"] == "USA") & d["year"].isin(list(YEARS))]
    return d.set_index("year")["value"].astype(float)


def us_states_dataset(shared: Path) -> peir.Dataset:
    """The dataset described in the module docstring (``shared`` = ../shared/data)."""
    jeee = pd.read_csv(shared / "real" / "us_bjs_jeee" / "us_jeee_state_2013_2016.csv")
    ucr = pd.read_csv(
        shared / "real" / "us_states_ucr_crimes" / "crime_rates_1985_2017_ucr_us_states.csv"
    )
    ucr = ucr[ucr["year"].isin(list(YEARS))]
    budget, personnel = [], []
    for i, r in enumerate(jeee.itertuples(index=False)):
        for col, (code, name, emp, _link) in FUNCTIONS.items():
            ref = f"BJS JEEE: us_bjs_jeee/us_jeee_state_2013_2016.csv line {i + 2}"
            budget.append(
                {
                    "country": "USA",
                    "year": int(r.year),
                    "institution_code": code,
                    "institution": name,
                    "region": r.state,
                    "phase": "executed",
                    "amount": float(getattr(r, col)) * 1000.0,
                    "currency": "USD",
                    "source_ref": f"{ref}, column '{col}'",
                }
            )
            personnel.append(
                {
                    "country": "USA",
                    "year": int(r.year),
                    "institution_code": code,
                    "category": "all_staff",
                    "region": r.state,
                    "headcount": float(getattr(r, emp)),
                    "source_ref": f"{ref}, column '{emp}'",
                }
            )
    chain_map = pd.DataFrame(
        [
            {
                "institution_code": code,
                "link": link,
                "share": 1.0,
                "basis": f"JEEE function '{name}' (BJS does not split it by activity)",
                "source_ref": "JEEE functions",
            }
            for code, name, _e, link in FUNCTIONS.values()
        ]
    )
    src = "FBI UCR"
    ucr_ref = "FBI UCR: us_states_ucr_crimes/crime_rates_1985_2017_ucr_us_states.csv"
    caseload = []
    for measure, cols in (
        ("crimes_recorded", ("violent.crime.total", "property.crime.total")),
        ("homicides", ("murder.and.nonnegligent.manslaughter.total",)),
    ):
        v = ucr[list(cols)].sum(axis=1)
        for (year, state), value in zip(zip(ucr["year"], ucr["state"]), v):
            caseload.append(
                {
                    "country": "USA",
                    "year": int(year),
                    "region": state,
                    "measure": measure,
                    "value": float(value),
                    "source": src,
                    "source_ref": ucr_ref,
                }
            )
        for year, value in v.groupby(ucr["year"]).sum().items():
            caseload.append(
                {
                    "country": "USA",
                    "year": int(year),
                    "region": None,
                    "measure": measure,
                    "value": float(value),
                    "source": src,
                    "source_ref": ucr_ref + " (sum of the states)",
                }
            )
    pop, gdp = (
        _macro(shared, "wdi_SP.POP.TOTL_population.csv"),
        _macro(shared, "derived_NY.GDP.MKTP.CN_gdp_current_lcu.csv"),
    )
    defl = _macro(shared, "derived_NY.GDP.DEFL.ZS_deflator_2015eq100_chained.csv")
    context = pd.DataFrame(
        [
            *(
                {
                    "country": "USA",
                    "year": y,
                    "region": None,
                    "population": pop[y],
                    "population_source": "WDI SP.POP.TOTL",
                    "gdp_lcu": gdp[y],
                    "gdp_deflator": defl[y],
                    "fx_lcu_per_usd": 1.0,
                    "currency": "USD",
                    "source_ref": "WDI (reference/macro)",
                }
                for y in YEARS
            ),
            *(
                {
                    "country": "USA",
                    "year": int(r.year),
                    "region": r.state,
                    "population": float(r.population),
                    "population_source": "FBI UCR state population",
                    "source_ref": ucr_ref,
                }
                for r in ucr.itertuples(index=False)
            ),
        ]
    )
    return peir.Dataset(
        budget=pd.DataFrame(budget),
        chain_map=chain_map,
        context=context,
        caseload=pd.DataFrame(caseload),
        personnel=pd.DataFrame(personnel),
        name="US states: BJS JEEE 2013-2016 and FBI UCR",
    )
