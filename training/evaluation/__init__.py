"""Shared evaluation output: printing backtest tables and logging them to MLflow."""
