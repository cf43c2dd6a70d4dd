"""The metric calls behind the API and the pages, each answer cached per lake version.

A question is a metric name and its parameters (already validated); the cache key adds the
catalog's version (it changes with every publish), so a new release is never answered from an
old cache. Answers are (Arrow table, JSON payload with provenance).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa

from immtrack.lake.home import catalog_path
from immtrack.metrics import detention
from immtrack.metrics.applications import (
    ApplicationQuestion,
    backlog,
    cohort,
    filings,
    time_to_decision,
)
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.metrics.encounters import EncounterQuestion, encounters

Answer = tuple[pa.Table, dict]
_CACHE: OrderedDict[tuple, Answer] = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 512


def _version(home: Path) -> int:
    path = catalog_path(home)
    return path.stat().st_mtime_ns if path.exists() else 0


def cached(home: Path, metric: str, params: dict, compute: Callable[[], Answer]) -> Answer:
    key = (str(home), _version(home), metric, tuple(sorted(
        (k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    answer = compute()
    with _LOCK:
        _CACHE[key] = answer
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return answer


def _month(text: str | None) -> date | None:
    return date.fromisoformat(f"{text}-01") if text else None


def encounter_answer(home: Path, **params) -> Answer:
    def compute() -> Answer:
        question = EncounterQuestion(
            **{k: v for k, v in params.items() if k not in ("start", "end", "by")},
            start=_month(params.get("start")), end=_month(params.get("end")),
            by=tuple(params.get("by") or ()))
        answer = encounters(question, home=home)
        return answer.table, answer.to_dict()
    return cached(home, "encounters", params, compute)


def asylum_answer(home: Path, **params) -> Answer:
    def compute() -> Answer:
        answer = asylum(AsylumQuestion(**{**params, "by": tuple(params.get("by") or ()),
                                          "definitions": tuple(params["definitions"])}),
                        home=home)
        return answer.table, answer.to_dict()
    return cached(home, "asylum", params, compute)


APPLICATION_METRICS = {"filings": filings, "cohort": cohort, "backlog": backlog,
                       "time-to-decision": time_to_decision}


def application_answer(home: Path, metric: str, *, options: dict | None = None,
                       **params) -> Answer:
    def compute() -> Answer:
        question = ApplicationQuestion(**{**params, "by": tuple(params.get("by") or ())})
        table, provenance = APPLICATION_METRICS[metric](question, home=home, **(options or {}))
        return table, {"rows": table.to_pylist(), "excluded": provenance.get("excluded", {}),
                       "notes": provenance.get("notes", []), "provenance": provenance}
    return cached(home, metric, {**params, **(options or {})}, compute)


def detention_answer(home: Path, metric: str, **params) -> Answer:
    def compute() -> Answer:
        if metric == "national":
            table, provenance = detention.national(home=home, **params)
        elif metric == "facilities":
            table, provenance = detention.facility_population(home=home, **params)
        else:
            table, provenance = detention.findings(home=home)
        return table, {"rows": table.to_pylist(), "provenance": provenance}
    return cached(home, f"detention-{metric}", params, compute)
