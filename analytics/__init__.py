"""analytics: the shared package behind every notebook, report and briefing.

    import analytics
    analytics.catalog()                       # indicators, agencies, areas, regimes, targets
    df = analytics.load("CPI_YOY", areas="VN")
    analytics.transforms.yoy(analytics.load("EXPORTS"))

Importing this package reads nothing; data is read when a function is called.
"""

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
from analytics.reporting import reporting_detail, reporting_status, submission_history, submissions
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
