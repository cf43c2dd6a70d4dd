"""The claim file: a published statement, where it appeared, the quantity it asserts and how.

Written in YAML (or JSON, which YAML reads too), validated by these models;
`claim_file_schema()` is their JSON Schema (docs/claims.schema.json), so editors can check a
claim file as it is written.

Claim files also arrive over the network (POST /api/check, the /check page), so parsing is
bounded before anything is built: a few hundred bytes of YAML can otherwise expand through
aliases into billions of nodes ("billion laughs") or nest deep enough to exhaust the stack.
`load_claim_text` walks YAML's event stream (flat, no recursion) and refuses a document that is
too deep, expands beyond `MAX_NODES` or refers to itself, before the loader builds it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from immtrack.errors import BadFileError

# Limits of what a claim file may hold, whoever sends it. A real claim file is a few KB with a
# dozen claims nested four levels deep; these leave a wide margin and stop what is not one.
MAX_DEPTH = 20  # nested mappings and lists
MAX_NODES = 20_000  # values after every alias is expanded
FIRST_YEAR, LAST_YEAR = 1900, 2100  # years a claim can be about
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ClaimTextError(ValueError):
    """Text that is not a claim file, or one past the limits; `line` is 1-based when known."""

    def __init__(self, problem: str, line: int | None = None):
        self.problem, self.line = problem, line
        super().__init__(problem if line is None else f"line {line}: {problem}")


def shorten(text: object, limit: int = 60) -> str:
    """User input as it may appear in a message: never more than `limit` characters."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _check_shape(text: str) -> None:
    """Depth and expanded size of a YAML document, from its events (no recursion, nothing
    built): each alias counts as many nodes as the value it repeats."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of the finished node
    open_nodes: list[list] = []  # [anchor, expanded size so far]
    total = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.CollectionStartEvent):
            open_nodes.append([event.anchor, 1])
            if len(open_nodes) > MAX_DEPTH:
                raise ClaimTextError(f"nested more than {MAX_DEPTH} levels deep", line)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_nodes.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            if any(node[0] == event.anchor for node in open_nodes):
                raise ClaimTextError(f"alias *{shorten(event.anchor, 20)} refers to a value "
                                     "that contains it", line)
            anchor, size = None, sizes.get(event.anchor, 1)  # unknown: the loader says so
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        if open_nodes:
            open_nodes[-1][1] += size
        else:
            total += size
        if total + sum(node[1] for node in open_nodes) > MAX_NODES:
            raise ClaimTextError(f"more than {MAX_NODES:,} values once aliases are expanded",
                                 line)


def load_claim_text(text: str) -> object:
    """YAML or JSON text as Python values, within the limits above; a ClaimTextError (with the
    line) for anything else."""
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "not YAML"
        raise ClaimTextError(f"not YAML ({shorten(problem, 120)})",
                             mark.line + 1 if mark else None) from None


def load_claim_json(text: str) -> object:
    """JSON text as Python values, no deeper than MAX_DEPTH (JSON has no aliases, so its size
    is the text's)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClaimTextError(f"not JSON ({shorten(error.msg, 120)})", error.lineno) from None
    except RecursionError:
        raise ClaimTextError(f"nested more than {MAX_DEPTH} levels deep") from None
    level, collections = 0, [data] if isinstance(data, dict | list) else []
    while collections:
        level += 1
        if level > MAX_DEPTH:
            raise ClaimTextError(f"nested more than {MAX_DEPTH} levels deep")
        collections = [child for node in collections
                       for child in (node.values() if isinstance(node, dict) else node)
                       if isinstance(child, dict | list)]
    return data


def validation_problems(error: ValidationError, limit: int = 5) -> str:
    """The first few problems of a validation error, each naming its field; never the values
    sent, which can be anything."""
    problems = [f"{'.'.join(shorten(p, 40) for p in e['loc']) or 'file'}: "
                f"{shorten(e['msg'], 160)}" for e in error.errors()[:limit]]
    more = error.error_count() - limit
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def parse_claims(text: str, max_claims: int | None = None, *, is_json: bool = False
                 ) -> list[Claim]:
    """The claims of a claim file's text (YAML, or JSON when `is_json`), checked against the
    models and the limits.

    >>> [c.id for c in parse_claims("claims: [{id: a, statement: s, quantity: {metric: "
    ...     "encounters, period: {fiscal_year: 2022}}, claimed: {value: 1}}]")]
    ['a']

    Raises ClaimTextError: not YAML or JSON, past the limits, more than `max_claims` claims,
    or not a claim file (the message names the fields).
    """
    data = load_claim_json(text) if is_json else load_claim_text(text)
    claims = data.get("claims") if isinstance(data, dict) else None
    if max_claims is not None and isinstance(claims, list) and len(claims) > max_claims:
        raise ClaimTextError(f"{len(claims)} claims; at most {max_claims} at once")
    try:
        # JSON is held to its schema strictly ("2022" is not a number, 0 is not a date);
        # YAML has already typed its values.
        return ClaimFile.model_validate_json(text, strict=True).claims if is_json else \
            ClaimFile.model_validate(data).claims
    except ValidationError as error:
        raise ClaimTextError(f"not a claim file ({validation_problems(error)})") from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]


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
    fiscal_year: Year | None = Field(None, description="U.S. fiscal year: FY2022 is Oct 2021 "
                                                       "to Sep 2022.")
    calendar_year: Year | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Period:
        for day in (self.start, self.end):
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise ValueError(f"dates run from {FIRST_YEAR} to {LAST_YEAR}")
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
    filters: dict[str, str | Annotated[int, Field(ge=-2**31, lt=2**31)] | bool] = Field(
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

    value: float = Field(allow_inf_nan=False)
    unit: Literal["count", "percent"] = "count"
    stated: Literal["exact", "about", "more_than", "less_than", "at_least", "at_most"] = \
        "exact"
    tolerance: float | None = Field(
        None, ge=0, allow_inf_nan=False,
        description="How far off still counts: a fraction of the value for counts (0.1 = 10%), "
                    "percentage points for percents. Defaults: exact 0.5% / 0.5 points; about "
                    "10% / 2.5 points.")


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
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadFileError(str(path), f"cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise BadFileError(str(path), "not UTF-8 text") from None
    try:
        return parse_claims(text)
    except ClaimTextError as error:
        hint = None if error.problem.startswith("not YAML") else (
            "docs/claims.md describes the format; `immtrack check --schema` prints its JSON "
            "Schema")
        raise BadFileError(str(path), error.problem, line=error.line, hint=hint) from None
