"""What an ingest reports for each release it was given."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IngestOutcome:
    name: str
    status: str  # published, unchanged or refused
    release_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    rows_repaired: int = 0
    tables: list[dict] = field(default_factory=list)
