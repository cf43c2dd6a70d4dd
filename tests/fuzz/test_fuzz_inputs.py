"""Hostile input files through every reader: a clean refusal naming the file, or a release
whose rows read (counted here, from the file) equal the rows in the lake plus the quarantined
ones; never a traceback, a hang, a write outside the lake, a file cut mid-row published, a
duplicate loaded twice or an impossible year steering the release order.

Bounded and derandomized (a fixed seed), so `make test` runs the same mutated files every
time; bench/fuzz_inputs.py runs the same harness longer, on larger inputs. The mutations and
the checks are in tests/fuzz/harness.py. A cell at XFD1048576, FIFOs, /dev/zero and zip
bombs, which would take the process down if they regressed, are tested in a separate
process in tests/integration/test_bad_input.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import harness

pytestmark = pytest.mark.shared

# Mutated files per reader in `make test`: 510 in all (an EOIR ingest takes ~1 s, most of
# it deriving the asylum tables, so EOIR gets fewer).
EXAMPLES = {"cbp-csv": 260, "cbp-xlsx": 30, "ice": 150, "eoir": 70}
SEEN: Counter = Counter()


def _settings(examples: int):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


WHERE = st.floats(min_value=0, max_value=1, exclude_max=True, allow_nan=False)
VALUE = st.integers(min_value=0, max_value=255)


@pytest.fixture(scope="module")
def cbp(shared_data: Path, tmp_path_factory) -> harness.CbpTarget:
    return harness.CbpTarget(shared_data, tmp_path_factory.mktemp("fuzz-cbp"), rows=60)


@pytest.fixture(scope="module")
def ice(shared_data: Path, tmp_path_factory) -> harness.IceTarget:
    return harness.IceTarget(shared_data, tmp_path_factory.mktemp("fuzz-ice"), rows=15)


@pytest.fixture(scope="module")
def eoir(tmp_path_factory) -> harness.EoirTarget:
    return harness.EoirTarget(tmp_path_factory.mktemp("fuzz-eoir"), cases=25)


def _check(result: harness.Result, reader: str) -> None:
    SEEN[reader] += 1
    assert result.ok, f"{result.status}: {result.seed} {result.kind} {result.detail}: " \
                      f"{result.message}"


@_settings(EXAMPLES["cbp-csv"])
@given(kind=st.sampled_from(harness.CBP_KINDS), where=WHERE, value=VALUE)
def test_cbp_csv(cbp, kind, where, value):
    mutation = harness.mutate(cbp.csv, "cbp", kind, where, value)
    _check(cbp.run("cbp", mutation), "cbp-csv")


@_settings(EXAMPLES["cbp-xlsx"])
@given(kind=st.sampled_from([k for k in harness.XLSX_KINDS if k != "far-cell"]), where=WHERE,
       value=VALUE)
def test_ohss_workbook(cbp, kind, where, value):
    mutation = harness.mutate(cbp.xlsx, "xlsx", kind, where, value)
    _check(cbp.run("xlsx", mutation), "cbp-xlsx")


@st.composite
def _ice_case(draw):
    relative = draw(st.sampled_from(sorted(harness.ICE_FILES)))
    kinds = [k for k in harness.kinds_for(harness.ICE_FILES[relative]) if k != "far-cell"]
    return relative, draw(st.sampled_from(kinds)), draw(WHERE), draw(VALUE)


@_settings(EXAMPLES["ice"])
@given(case=_ice_case())
def test_ice_files(ice, case):
    relative, kind, where, value = case
    mutation = harness.mutate(ice.data(relative), harness.ICE_FILES[relative], kind, where,
                              value)
    _check(ice.run(relative, mutation), "ice")


@_settings(EXAMPLES["eoir"])
@given(index=st.integers(min_value=0, max_value=1000), kind=st.sampled_from(harness.TEXT_KINDS),
       where=WHERE, value=VALUE)
def test_eoir_release(eoir, index, kind, where, value):
    relative = eoir.files[index % len(eoir.files)]
    file_type = "tsv" if relative.startswith("Lookup/") else "eoir"
    mutation = harness.mutate(eoir.data(relative), file_type, kind, where, value)
    _check(eoir.run(relative, mutation), "eoir")


def test_at_least_500_mutated_files_ran():
    """Runs last in this module: the bounded suite really ran its mutated files."""
    if set(SEEN) != set(EXAMPLES):
        pytest.skip("not every fuzz test ran in this session (some were selected out)")
    assert sum(SEEN.values()) >= 500, SEEN
