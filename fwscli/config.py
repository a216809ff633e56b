"""Where fws keeps its files, and the environment variables that move them.

(Profiles and credentials files join this module with the command line's client.)
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """`$XDG_DATA_HOME/fws`, by default `~/.local/share/fws`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fws"


def default_database_url() -> str:
    """`FWS_DATABASE_URL`, else the embedded SQLite file in the data directory."""
    return os.environ.get("FWS_DATABASE_URL") or f"sqlite:///{data_dir() / 'fws.db'}"
