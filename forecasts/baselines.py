"""Baselines: naive, seasonal naive, drift and historic mean (statsforecast implementations).

They are the documented fallback for series too short or too odd for the richer models.
"""

from __future__ import annotations

from typing import Any

from forecasts._sf import StatsForecastWrapper


class Naive(StatsForecastWrapper):
    """Last value carried forward."""

    name = "naive"

    def _make(self) -> Any:
        from statsforecast.models import Naive as _Naive

        return _Naive()


class SeasonalNaive(StatsForecastWrapper):
    """Value of the same season last year; plain naive when the series is shorter than a season."""

    name = "snaive"

    def _make(self) -> Any:
        from statsforecast.models import Naive as _Naive
        from statsforecast.models import SeasonalNaive as _SeasonalNaive

        if self.season_length > 1 and self.n_obs_ >= self.season_length:
            return _SeasonalNaive(season_length=self.season_length)
        return _Naive()


class Drift(StatsForecastWrapper):
    """Random walk with drift: the line through the first and last values, extended."""

    name = "drift"
    min_length = 2

    def _make(self) -> Any:
        from statsforecast.models import RandomWalkWithDrift

        return RandomWalkWithDrift()


class HistoricMean(StatsForecastWrapper):
    """Mean of the whole history."""

    name = "mean"

    def _make(self) -> Any:
        from statsforecast.models import HistoricAverage

        return HistoricAverage()
