"""A figure is what every page shows: a title, a table readable without JavaScript, an
optional chart, the definition it follows, its provenance, and the API call that reproduces it
(JSON and CSV)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Figure:
    key: str
    title: str
    rows: list[dict]
    columns: list[str]
    provenance: dict
    api: str  # API path
    params: dict = field(default_factory=dict)
    chart: dict | None = None
    definition: str | None = None  # anchor on /definitions
    note: str | None = None

    def api_url(self, fmt: str = "json") -> str:
        params = [(k, v) for k, v in self.params.items() if v not in (None, "", [])]
        flat = [(k, item) for k, v in params for item in (v if isinstance(v, list) else [v])]
        if fmt == "csv":
            flat.append(("format", "csv"))
        return f"{self.api}?{urlencode(flat)}" if flat else self.api

    @property
    def synthetic(self) -> bool:
        return any(r.get("is_synthetic") for r in self.provenance.get("releases", []))


def cell(value, column: str = "") -> str:
    """A table cell as text: rates as percentages, counts with separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if column in ("rate", "share", "ci95_low", "ci95_high"):
            return f"{value:.1%}"
        return f"{value:,.1f}"
    if isinstance(value, int) and not column.endswith(("year", "_fy")):
        return f"{value:,}"
    return str(value)
