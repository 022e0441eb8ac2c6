"""Input files on the command line: the layouts `--format` names."""

from __future__ import annotations

from enum import Enum


class Layout(str, Enum):
    """The layouts `features.loaders.LOADERS` reads."""

    canonical = "canonical"
    online_retail = "online-retail"
    cdnow = "cdnow"
