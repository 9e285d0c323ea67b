"""Forecasting engine of the workbench: models, backtests, reconciliation, target probabilities.

``import forecasts`` is cheap: the model libraries (statsforecast, prophet, scikit-learn) load
only when a model runs. Frames follow the Nixtla convention ``unique_id, ds, y``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "forecast": "forecasts.api",
    "backtest": "forecasts.api",
    "prepare": "forecasts.api",
    "notes_summary": "forecasts.api",
    "ForecastNotesWarning": "forecasts.api",
    "evaluate": "forecasts.evaluation",
    "select": "forecasts.evaluation",
    "to_nixtla": "forecasts.frames",
    "from_nixtla": "forecasts.frames",
    "add_tet": "forecasts.frames",
    "make": "forecasts.registry",
    "models": "forecasts.registry",
    "Forecaster": "forecasts.base",
    "ForecastInputError": "forecasts.base",
    "reconcile": "forecasts.reconciliation",
    "hierarchy": "forecasts.reconciliation",
    "common_end": "forecasts.reconciliation",
    "year_end": "forecasts.targets",
    "target_probability": "forecasts.targets",
    "annual": "forecasts.targets",
    "simulate_paths": "forecasts.targets",
    "nowcast": "forecasts.bridge",
    "ytd_growth": "forecasts.bridge",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Resolve the public names lazily (PEP 562), keeping import time near zero."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'forecasts' has no attribute {name!r}")
