"""Statistical models from statsforecast: AutoETS, AutoTheta, DynamicOptimizedTheta, AutoARIMA, AutoCES.

AutoARIMA takes the Tết share as a native regressor; the others get it by pre-adjustment.
"""

from __future__ import annotations

from typing import Any

from forecasts._sf import StatsForecastWrapper


def _season(model: StatsForecastWrapper, cycles: int = 2) -> int:
    """Season length usable on this series (1 when fewer than ``cycles`` full seasons)."""
    m = model.season_length
    return m if m > 1 and model.n_obs_ >= cycles * m else 1


class ETS(StatsForecastWrapper):
    """Exponential smoothing state space model chosen by AICc (``AutoETS``)."""

    name = "ets"
    min_length = 4

    def __init__(
        self, season_length: int = 1, model: str = "ZZZ", damped: bool | None = None
    ) -> None:
        self.season_length = season_length
        self.model = model
        self.damped = damped

    def _make(self) -> Any:
        from statsforecast.models import AutoETS

        return AutoETS(season_length=_season(self), model=self.model, damped=self.damped)

    def chosen_form(self) -> dict[str, Any]:
        """The ETS type AICc chose (error, trend, season, damping): a refit with it skips the
        search over ~30 types, which is nearly all of AutoETS's time on monthly series."""
        error, trend, season, damped = self.model_.model_["components"]
        return {"model": error + trend + season, "damped": damped == "D"}


class Theta(StatsForecastWrapper):
    """Theta family chosen automatically (``AutoTheta``): the M3 winner and its variants."""

    name = "theta"
    min_length = 4

    def _make(self) -> Any:
        from statsforecast.models import AutoTheta

        return AutoTheta(season_length=_season(self))


class DOTheta(StatsForecastWrapper):
    """Dynamic optimised Theta (``DynamicOptimizedTheta``)."""

    name = "dotheta"
    min_length = 4

    def _make(self) -> Any:
        from statsforecast.models import DynamicOptimizedTheta

        return DynamicOptimizedTheta(season_length=_season(self))


class ARIMA(StatsForecastWrapper):
    """Seasonal ARIMA chosen by stepwise AICc (``AutoARIMA``), Tết as a native regressor."""

    name = "arima"
    min_length = 6
    native_exog = True

    def __init__(self, season_length: int = 1, approximation: bool = True) -> None:
        self.season_length = season_length
        self.approximation = approximation

    def _make(self) -> Any:
        from statsforecast.models import AutoARIMA

        return AutoARIMA(season_length=_season(self), approximation=self.approximation)


class CES(StatsForecastWrapper):
    """Complex exponential smoothing (``AutoCES``)."""

    name = "ces"
    min_length = 4
    cheap_intervals = False  # statsforecast simulates 5,000 paths: 5x the cost of the fit

    def _make(self) -> Any:
        from statsforecast.models import AutoCES

        return AutoCES(season_length=_season(self))
