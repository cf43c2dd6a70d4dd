"""immtrack: U.S. border encounters, detention and immigration court data, with provenance.

The Python API mirrors the command line:

    >>> import immtrack
    >>> answer = immtrack.encounters(citizenship="RUSSIA", region="southwest",
    ...                              by=("month",))          # doctest: +SKIP
    >>> answer.table.to_pandas()                                # doctest: +SKIP
"""

__version__ = "0.1.0"

from immtrack.ingest import ingest_cbp, ingest_eoir  # noqa: E402
from immtrack.lake.listing import quarantine_table, releases_table  # noqa: E402
from immtrack.metrics.applications import (  # noqa: E402
    ApplicationQuestion,
    backlog,
    cohort,
    filings,
    time_to_decision,
)
from immtrack.metrics.asylum import AsylumQuestion, asylum  # noqa: E402
from immtrack.metrics.encounters import EncounterQuestion, encounters, revisions  # noqa: E402

__all__ = ["ApplicationQuestion", "AsylumQuestion", "EncounterQuestion", "asylum", "backlog",
           "cohort", "encounters", "filings", "ingest_cbp", "ingest_eoir", "quarantine_table",
           "releases_table", "revisions", "time_to_decision"]
