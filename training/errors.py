"""Errors a training or evaluation run reports to the user instead of a traceback."""

from __future__ import annotations


class NotEnoughData(ValueError):
    """The events cannot train or evaluate a model: an empty store, or too little history for the windows."""
