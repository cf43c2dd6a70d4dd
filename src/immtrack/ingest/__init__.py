"""Ingest: turn what a user points at (file, folder, zip or URL) into published releases.

This is the only place that joins sources to the lake: one module per source.
"""

from immtrack.ingest.cbp import ingest_cbp
from immtrack.ingest.eoir import ingest_eoir
from immtrack.ingest.ice import ingest_ice
from immtrack.ingest.outcome import IngestOutcome

__all__ = ["IngestOutcome", "ingest_cbp", "ingest_eoir", "ingest_ice"]
