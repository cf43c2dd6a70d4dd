"""Where the lake lives: IMMTRACK_HOME, or a per-user data folder.

Layout of a home:
    catalog.duckdb              releases, their files and counts, and views over the Parquet
    lake/<table>/<release>.parquet   one immutable file per table and release
    downloads/                  files fetched from the agencies (resumable)
    .staging/                   work in progress of an ingest; never read by queries
"""

from __future__ import annotations

import os
from pathlib import Path


def default_home() -> Path:
    """IMMTRACK_HOME if set, else $XDG_DATA_HOME/immtrack (~/.local/share/immtrack)."""
    if os.environ.get("IMMTRACK_HOME"):
        return Path(os.environ["IMMTRACK_HOME"]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "immtrack"


def catalog_path(home: Path) -> Path:
    return home / "catalog.duckdb"


def table_file(home: Path, table: str, release_id: str, part: str = "") -> Path:
    return home / "lake" / table / f"{release_id}{'.' + part if part else ''}.parquet"


def staging_root(home: Path) -> Path:
    return home / ".staging"


def downloads_dir(home: Path) -> Path:
    return home / "downloads"


def find_shared_data() -> Path | None:
    """The real public files staged beside the checkout (../shared/data), if they are there.

    IMMTRACK_SHARED_DATA overrides; otherwise look beside the folders above the current
    directory and above this package (an editable install lives in the checkout).
    """
    if os.environ.get("IMMTRACK_SHARED_DATA"):
        path = Path(os.environ["IMMTRACK_SHARED_DATA"])
        return path if path.is_dir() else None
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if (candidate / "PROVENANCE.md").is_file():
                return candidate
    return None
