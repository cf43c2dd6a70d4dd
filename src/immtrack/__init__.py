"""immtrack: U.S. border encounters, detention and immigration court data, with provenance.

The Python API mirrors the command line:

    >>> import immtrack
    >>> answer = immtrack.encounters(citizenship="RUSSIA", region="southwest",
    ...                              by=("month",))          # doctest: +SKIP
    >>> answer.table.to_pandas()                                # doctest: +SKIP

The names below are imported on first use (PEP 562), so `import immtrack` and commands that
do not need the query engines (such as `immtrack update` with nothing new) start fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "ingest_cbp": "immtrack.ingest", "ingest_eoir": "immtrack.ingest",
    "quarantine_table": "immtrack.lake.listing", "releases_table": "immtrack.lake.listing",
    "ApplicationQuestion": "immtrack.metrics.applications",
    "backlog": "immtrack.metrics.applications", "cohort": "immtrack.metrics.applications",
    "filings": "immtrack.metrics.applications",
    "time_to_decision": "immtrack.metrics.applications",
    "AsylumQuestion": "immtrack.metrics.asylum", "asylum": "immtrack.metrics.asylum",
    "NewCasesQuestion": "immtrack.metrics.new_cases",
    "new_cases": "immtrack.metrics.new_cases", "charges": "immtrack.metrics.new_cases",
    "OutcomeQuestion": "immtrack.metrics.outcomes", "outcomes": "immtrack.metrics.outcomes",
    "MppQuestion": "immtrack.metrics.mpp", "mpp": "immtrack.metrics.mpp",
    "BondQuestion": "immtrack.metrics.bond", "bond": "immtrack.metrics.bond",
    "AppealQuestion": "immtrack.metrics.appeals", "appeals": "immtrack.metrics.appeals",
    "EncounterQuestion": "immtrack.metrics.encounters",
    "encounters": "immtrack.metrics.encounters", "revisions": "immtrack.metrics.encounters",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'immtrack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
