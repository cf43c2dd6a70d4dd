"""What `immtrack update` has checked, kept in the lake home (update-state.json).

For every file address seen on a listing page: the ETag, Last-Modified, size and SHA-256 of the
bytes last ingested from it and the release they became; for every listing page: when it was
last read and what came of it. The file is small and rewritten whole, atomically (a temporary
file beside it, fsynced, then renamed), so a killed update leaves the previous state.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE = "update-state.json"
VERSION = 1


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class FileState:
    url: str
    publication: str
    file_name: str
    etag: str | None = None
    last_modified: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    release_id: str | None = None
    first_seen: str = ""
    checked_at: str = ""
    ingested_at: str | None = None


@dataclass
class ListingState:
    publication: str
    url: str
    checked_at: str
    status: str          # ok or failed
    links: int = 0
    message: str = ""


@dataclass
class UpdateState:
    files: dict[str, FileState] = field(default_factory=dict)
    listings: dict[str, ListingState] = field(default_factory=dict)
    ice_base: str | None = None   # the folder of facility lists an ICE workbook is read beside

    @classmethod
    def load(cls, home: Path) -> UpdateState:
        path = home / STATE_FILE
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            from immtrack.errors import LakeError

            raise LakeError(f"{path}: unreadable update state ({error}); move it aside and run "
                            "`immtrack update` again (files already ingested are recognised "
                            "by their SHA-256)") from None
        return cls({url: FileState(**f) for url, f in raw.get("files", {}).items()},
                   {code: ListingState(**s) for code, s in raw.get("listings", {}).items()},
                   raw.get("ice_base"))

    def save(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        payload = {"version": VERSION, "ice_base": self.ice_base,
                   "listings": {k: asdict(v) for k, v in sorted(self.listings.items())},
                   "files": {k: asdict(v) for k, v in sorted(self.files.items())}}
        handle, temporary = tempfile.mkstemp(dir=home, prefix=".update-state.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(payload, stream, indent=1)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, home / STATE_FILE)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
