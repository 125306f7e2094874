"""Forecasts of monthly orders and GMV from an order history CSV, with backtests.

`read_history` validates the CSV (daily or monthly orders, optional GMV and sales channel);
`forecast_history` forecasts 12 to 36 months with a seasonal regression (statsmodels) beside a
seasonal-naive baseline; `backtest` scores both on held-out months. See ``docs/forecasting.md``.
statsmodels is imported only when a model is fitted.
"""

from omsim.forecast.backtest import BacktestResult, backtest, sample_history
from omsim.forecast.history import (
    ALL_CHANNELS,
    SAMPLE_HISTORY,
    ForecastError,
    HistoryError,
    OrderHistory,
    parse_history,
    read_history,
)
from omsim.forecast.models import (
    HORIZON_MONTHS,
    HistoryForecast,
    SeriesForecast,
    forecast_history,
    forecast_series,
)

__all__ = [
    "ALL_CHANNELS",
    "HORIZON_MONTHS",
    "SAMPLE_HISTORY",
    "BacktestResult",
    "ForecastError",
    "HistoryError",
    "HistoryForecast",
    "OrderHistory",
    "SeriesForecast",
    "backtest",
    "forecast_history",
    "forecast_series",
    "parse_history",
    "read_history",
    "sample_history",
]
