"""Loaders from file layouts (canonical, UCI Online Retail, CDNOW) to canonical tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from features.loaders.canonical import load_canonical, load_table
from features.loaders.cdnow import load_cdnow
from features.loaders.online_retail import load_online_retail
from features.loaders.result import LoadResult

LOADERS: dict[str, Callable[[Path | str], LoadResult]] = {
    "canonical": load_canonical,
    "online-retail": load_online_retail,
    "cdnow": load_cdnow,
}

__all__ = ["LOADERS", "LoadResult", "load_canonical", "load_cdnow", "load_online_retail", "load_table"]
