"""analytics: the shared package behind every notebook, report and briefing.

    import analytics
    analytics.catalog()                       # indicators, agencies, areas, regimes, targets
    df = analytics.load("CPI_YOY", areas="VN")
    analytics.transforms.yoy(analytics.load("EXPORTS"))

Importing this package reads nothing and loads nothing: each public name is imported on first use
(PEP 562, as ``forecasts`` does), so ``nris --help``, a one-line error or the scheduler does not pay
for pandas, polars, DuckDB, openpyxl and holidays. Data is read when a function is called.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as mypy and readers see them; at run time __getattr__ loads them
    from analytics import calendar, demo, fmt, harmonize, store, transforms
    from analytics.catalog import (
        Catalog,
        agencies,
        areas,
        catalog,
        domains,
        indicators,
        load_catalog,
        regimes,
        targets,
    )
    from analytics.communes import commune_completeness, commune_values
    from analytics.errors import CatalogError, NrisError, StoreError, UnknownCodeError
    from analytics.ingest import submit
    from analytics.load import load, resolve_areas, resolve_indicators, vintages
    from analytics.reporting import (
        reporting_detail,
        reporting_status,
        submission_history,
        submissions,
    )
    from analytics.store import snapshot_info
    from analytics.summary import headline_table, headline_text
    from analytics.transforms import (
        aggregate_areas,
        contributions,
        mom,
        rebase,
        to_freq,
        yoy,
        ytd,
        ytd_yoy,
    )

SUBMODULES = ("calendar", "demo", "fmt", "harmonize", "store", "transforms")
# public name -> the submodule that defines it
EXPORTS = {
    **dict.fromkeys(
        ["Catalog", "agencies", "areas", "catalog", "domains", "indicators", "load_catalog",
         "regimes", "targets"],
        "catalog",
    ),
    **dict.fromkeys(["commune_completeness", "commune_values"], "communes"),
    **dict.fromkeys(["CatalogError", "NrisError", "StoreError", "UnknownCodeError"], "errors"),
    "submit": "ingest",
    **dict.fromkeys(["load", "resolve_areas", "resolve_indicators", "vintages"], "load"),
    **dict.fromkeys(
        ["reporting_detail", "reporting_status", "submission_history", "submissions"], "reporting"
    ),
    "snapshot_info": "store",
    **dict.fromkeys(["headline_table", "headline_text"], "summary"),
    **dict.fromkeys(
        ["aggregate_areas", "contributions", "mom", "rebase", "to_freq", "yoy", "ytd", "ytd_yoy"],
        "transforms",
    ),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562) and keep it."""
    if name in SUBMODULES:
        return import_module(f"analytics.{name}")
    if name in EXPORTS:
        value = getattr(import_module(f"analytics.{EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """``analytics.load`` and ``analytics.catalog`` name both a submodule and the function it holds.

    Importing a submodule makes Python set it as an attribute of its package, which would replace
    the function ``analytics.load("CPI_YOY")`` calls by the module; the package keeps the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in EXPORTS and EXPORTS[name] == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Catalog",
    "CatalogError",
    "NrisError",
    "StoreError",
    "UnknownCodeError",
    "agencies",
    "aggregate_areas",
    "areas",
    "calendar",
    "catalog",
    "commune_completeness",
    "commune_values",
    "contributions",
    "demo",
    "domains",
    "fmt",
    "harmonize",
    "headline_table",
    "headline_text",
    "indicators",
    "load",
    "load_catalog",
    "mom",
    "rebase",
    "regimes",
    "reporting_detail",
    "reporting_status",
    "resolve_areas",
    "resolve_indicators",
    "snapshot_info",
    "store",
    "submission_history",
    "submissions",
    "submit",
    "targets",
    "to_freq",
    "transforms",
    "vintages",
    "ytd",
    "ytd_yoy",
    "yoy",
]
