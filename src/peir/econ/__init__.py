"""Economic classifications and funding sources: national codes mapped to common classes.

- :func:`to_gfs` maps national economic codes (El Salvador's rubros, Mexico's capítulos,
  Peru's genéricas, Chile's subtítulos, Argentina's incisos) to the GFS 2014 classification
  of expense (21 compensation of employees, 22 use of goods and services, 24 interest,
  25 subsidies, 26 grants, 27 social benefits, 28 other expense; 31 nonfinancial assets).
  The crosswalks are data files shipped in the package, each citing its classifier
  (:func:`crosswalk`; :func:`lookup` shows how each code maps).
- :func:`funding_class` groups funding sources into domestic, own revenue, external loans,
  external grants and earmarked revenue.

Harmonisation adds the GFS class as the ``econ_gfs`` column of the spending when the budget's
scheme is known (``econ_scheme`` in a reading spec, in ``peir.yaml`` or in
:class:`peir.HarmonizeOptions`).
"""

from __future__ import annotations

from peir.econ.crosswalk import (
    EXPENSE_UNCLASSIFIED,
    GFS_CLASSES,
    SCHEMES,
    UNMAPPED,
    Crosswalk,
    crosswalk,
    gfs_name,
    lookup,
    normalize,
    scheme_for,
    to_gfs,
)
from peir.econ.funding import (
    FUNDING_CLASSES,
    FUNDING_NAMES,
    FUNDING_SCHEMES,
    funding_class,
    funding_crosswalk,
)

__all__ = [
    "EXPENSE_UNCLASSIFIED",
    "FUNDING_CLASSES",
    "FUNDING_NAMES",
    "FUNDING_SCHEMES",
    "GFS_CLASSES",
    "SCHEMES",
    "UNMAPPED",
    "Crosswalk",
    "crosswalk",
    "funding_class",
    "funding_crosswalk",
    "gfs_name",
    "lookup",
    "normalize",
    "scheme_for",
    "to_gfs",
]
