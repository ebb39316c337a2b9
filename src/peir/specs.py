"""Deprecated alias: :mod:`peir.specs` was split into :mod:`peir.readspec` and :mod:`peir.config`.

``ReadSpec`` and ``load_yaml_mapping`` now live in :mod:`peir.readspec` (a low room the
pipeline imports); ``ProjectConfig``, ``DataEntry`` and ``DataSection`` in :mod:`peir.config`
(a high room beside the CLI). This module re-exports them for code written against 0.1 and
warns on import; no peir module imports it. It will be removed in a later release.
"""

from __future__ import annotations

import warnings

from peir.config import DataEntry, DataSection, ProjectConfig
from peir.readspec import ReadSpec, load_yaml_mapping

__all__ = ["DataEntry", "DataSection", "ProjectConfig", "ReadSpec", "load_yaml_mapping"]

warnings.warn(
    "peir.specs is deprecated: import ReadSpec from peir (or peir.readspec) and "
    "ProjectConfig from peir.config",
    DeprecationWarning,
    stacklevel=2,
)
