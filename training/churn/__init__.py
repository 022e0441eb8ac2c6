"""Churn early warning: labels, stacked training, calibrated LightGBM, reasons, peers, backtest, runtime."""
