"""Demand forecasting: a global LightGBM model on a robust level, statsforecast peers, backtests."""
