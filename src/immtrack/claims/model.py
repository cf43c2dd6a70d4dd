"""The claim file: a published statement, where it appeared, the quantity it asserts and how.

Written in YAML, validated by these models; `claim_file_schema()` is their JSON Schema
(docs/claims.schema.json), so editors can check a claim file as it is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from immtrack.errors import BadFileError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Strict):
    """Where the statement was published."""

    url: str | None = None
    publisher: str | None = None
    date: dt.date | None = None


class Period(Strict):
    """The time the quantity covers: months (first and last, inclusive), a fiscal year
    (October to September) or a calendar year. Exactly one form."""

    start: dt.date | None = Field(None, description="First month or day, e.g. 2021-10-01.")
    end: dt.date | None = Field(None, description="Last month or day, inclusive.")
    fiscal_year: int | None = Field(None, description="U.S. fiscal year: FY2022 is Oct 2021 "
                                                      "to Sep 2022.")
    calendar_year: int | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Period:
        forms = [self.start is not None or self.end is not None,
                 self.fiscal_year is not None, self.calendar_year is not None]
        if sum(forms) != 1:
            raise ValueError("give start/end, or fiscal_year, or calendar_year (one of them)")
        return self


class Quantity(Strict):
    """What the statement counts or measures."""

    metric: Literal["encounters", "asylum_grant_rate", "asylum_filings"] = Field(
        description="encounters: CBP border encounters; asylum_grant_rate: share of asylum "
                    "decisions (or applicants) granted; asylum_filings: asylum applications "
                    "filed in immigration court.")
    filters: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Encounters: citizenship, region, component, demographic, title... "
                    "Asylum: nationality (EOIR code, e.g. RU), court, custody...")
    period: Period
    counts: Literal["events", "people"] | None = Field(
        None, description="What the statement says it counts. Encounters are events; "
                          "filings are applications (cases are the nearest thing to people).")
    population: Literal["decisions", "applicants"] | None = Field(
        None, description="For rates: a share of decisions, or of the people who applied.")
    definition: str | None = Field(
        None, description="For rates: the definition the statement names (merits, "
                          "eoir_completion...), if it names one.")


class Claimed(Strict):
    """The value as published, and how it was put."""

    value: float
    unit: Literal["count", "percent"] = "count"
    stated: Literal["exact", "about", "more_than", "less_than", "at_least", "at_most"] = \
        "exact"
    tolerance: float | None = Field(
        None, description="How far off still counts: a fraction of the value for counts "
                          "(0.1 = 10%), percentage points for percents. Defaults: exact 0.5% "
                          "/ 0.5 points; about 10% / 2.5 points.")


class Claim(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    statement: str = Field(description="The sentence as published.")
    source: Source = Field(default_factory=Source)
    quantity: Quantity
    claimed: Claimed
    demo: bool = Field(False, description="True when checked against generated demo data: "
                                          "the verdict then tests the method, not the claim.")


class ClaimFile(Strict):
    claims: list[Claim] = Field(min_length=1)


def claim_file_schema() -> dict:
    return ClaimFile.model_json_schema()


def read_claim_file(path: Path) -> list[Claim]:
    """Claims of a YAML file; a bad file is a BadFileError naming the file, line or field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadFileError(str(path), f"cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise BadFileError(str(path), "not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise BadFileError(str(path), f"not YAML ({getattr(error, 'problem', error)})",
                           line=mark.line + 1 if mark else None) from None
    try:
        return ClaimFile.model_validate(data).claims
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
                             for e in error.errors()[:5])
        raise BadFileError(str(path), f"not a claim file ({problems})",
                           hint="docs/claims.md describes the format; "
                                "`immtrack check --schema` prints its JSON Schema") from None
