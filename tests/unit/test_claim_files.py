"""Claim files: what a claimed value allows, and clear errors for bad files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from immtrack.claims.model import Claimed, read_claim_file
from immtrack.claims.readings import Reading
from immtrack.claims.verdicts import claimed_range, relation
from immtrack.errors import BadFileError


def test_how_a_value_was_stated_sets_the_range_it_allows():
    # "about 6,400": 10% either side.
    assert claimed_range(Claimed(value=6400, stated="about")) == pytest.approx((5760, 7040))
    # "exactly 2,378,944": half a percent.
    low, high = claimed_range(Claimed(value=2378944))
    assert low == pytest.approx(2378944 * 0.995) and high == pytest.approx(2378944 * 1.005)
    # "about 85%": 2.5 percentage points; a given tolerance wins.
    assert claimed_range(Claimed(value=85, unit="percent", stated="about")) == (82.5, 87.5)
    assert claimed_range(Claimed(value=85, unit="percent", stated="about", tolerance=1)) \
        == (84, 86)
    more = claimed_range(Claimed(value=8300, stated="more_than"))
    assert more[0] > 8300 and more[1] == math.inf
    assert claimed_range(Claimed(value=8300, stated="at_least"))[0] == 8300
    assert claimed_range(Claimed(value=10, stated="at_most")) == (-math.inf, 10)


def test_bounds_decide_only_when_they_clear_the_claim():
    allowed = (5760.0, 7040.0)
    assert relation(Reading("r", "", 6000), allowed) == "inside"
    assert relation(Reading("r", "", 680), allowed) == "outside"
    # At least 680 (Border Patrol only, for all encounters): could be 6,400.
    assert relation(Reading("r", "", 680, "lower"), allowed) == "straddles"
    # At least 8,000: more than any value "about 6,400" allows.
    assert relation(Reading("r", "", 8000, "lower"), allowed) == "outside"
    # At most 5,000 people (5,000 events): fewer than the claim allows.
    assert relation(Reading("r", "", 5000, "upper"), allowed) == "outside"


@pytest.mark.parametrize("text, expected", [
    ("claims: [\n  {id: x, statement: 'a'\n", "line 3"),
    ("claims: []\n", "claims"),
    ("claims:\n  - id: x\n    statement: s\n    quantity: {metric: encounters, period: "
     "{fiscal_year: 2022}}\n    claimed: {value: 1, stated: roughly}\n", "claims.0.claimed"),
    ("claims:\n  - id: x\n    statement: s\n    quantity: {metric: encounters, period: "
     "{fiscal_year: 2022, calendar_year: 2022}}\n    claimed: {value: 1}\n", "one of them"),
    ("claims:\n  - id: x\n    statement: s\n    colour: red\n    quantity: {metric: "
     "encounters, period: {fiscal_year: 2022}}\n    claimed: {value: 1}\n", "colour"),
])
def test_a_bad_claim_file_names_the_file_and_the_problem(tmp_path: Path, text, expected):
    path = tmp_path / "claims.yaml"
    path.write_text(text)
    with pytest.raises(BadFileError) as error:
        read_claim_file(path)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_the_cli_exits_1_on_a_bad_file_and_2_without_one(tmp_path: Path, cli):
    path = tmp_path / "claims.yaml"
    path.write_text("claims: 7\n")
    result = cli("check", str(path))
    assert result.exit_code == 1 and "claims.yaml" in result.stderr
    assert cli("check").exit_code == 2
