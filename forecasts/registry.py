"""Models by name. ``make("ets", season_length=12)`` builds an unfitted model."""

from __future__ import annotations

from forecasts.base import Forecaster


def models() -> dict[str, type[Forecaster]]:
    """Registered model classes by name (imported lazily: no heavy imports at package import)."""
    from forecasts import baselines, cross, ml, prophet_model, stats

    classes: list[type[Forecaster]] = [
        baselines.Naive,
        baselines.SeasonalNaive,
        baselines.Drift,
        baselines.HistoricMean,
        stats.ETS,
        stats.Theta,
        stats.DOTheta,
        stats.ARIMA,
        stats.CES,
        prophet_model.Prophet,
        ml.LagRegression,
        ml.HGB,
        cross.Global,
        cross.GlobalMLP,
    ]
    return {cls.name: cls for cls in classes}


def make(name: str, season_length: int = 1, **params: object) -> Forecaster:
    """An unfitted model by registry name; unknown names raise a one-line error with the choices."""
    registry = models()
    if name not in registry:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(sorted(registry))}")
    return registry[name](season_length=season_length, **params)
