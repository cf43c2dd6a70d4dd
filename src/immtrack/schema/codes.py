"""Code tables: each code with the agency's label, our description, and the spellings seen.

A raw value is decoded by matching its spellings case-insensitively with white space folded, so
"U.S. Border Patrol" and "u.s. border patrol " both give USBP. Values that match nothing are not
guessed at: the reader quarantines the row with reason `unknown-code`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    description: str
    spellings: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Compare raw values the way people read them: case and runs of white space ignored."""
    return " ".join(text.split()).casefold()


class CodeTable:
    def __init__(self, name: str, description: str, *codes: Code):
        self.name, self.description, self.codes = name, description, codes
        self._by_spelling = {fold(spelling): c.code for c in codes
                             for spelling in (c.code, c.label, *c.spellings)}

    def decode(self, raw: str) -> str | None:
        return self._by_spelling.get(fold(raw))

    def label(self, code: str) -> str:
        return next(c.label for c in self.codes if c.code == code)

    def __contains__(self, code: str) -> bool:
        return any(c.code == code for c in self.codes)


COMPONENTS = CodeTable(
    "component", "Which part of CBP recorded the encounter.",
    Code("OFO", "Office of Field Operations",
         "Officers at ports of entry; their Title 8 encounters are inadmissibles."),
    Code("USBP", "U.S. Border Patrol",
         "Agents between ports of entry; their Title 8 encounters are apprehensions."),
)

BORDER_REGIONS = CodeTable(
    "border_region", "Land border region of the encounter.",
    Code("southwest", "Southwest Land Border", "The border with Mexico.", ("southwest", "swb")),
    Code("northern", "Northern Land Border", "The border with Canada.", ("northern", "nlb")),
    Code("other", "Other", "CBP files: encounters away from the land borders (air, sea, "
         "coastal)."),
    Code("coastal", "Coastal Border", "OHSS workbooks: Border Patrol's coastal sectors."),
)

DEMOGRAPHICS = CodeTable(
    "demographic", "Who was encountered, as CBP groups people.",
    Code("single_adults", "Single Adults", "Adults travelling without family members."),
    Code("family_unit_individuals", "Family Unit Individuals",
         "People encountered as members of a family unit.", ("FMUA",)),
    Code("unaccompanied_children", "Unaccompanied Children",
         "Children under 18 without a parent or legal guardian.",
         ("UC / Single Minors", "UAC", "UC")),
    Code("accompanied_minors", "Accompanied Minors",
         "Children with an adult who is not counted as a family unit (OFO)."),
)

TITLES_OF_AUTHORITY = CodeTable(
    "title_of_authority", "The law under which the encounter was processed.",
    Code("8", "Title 8", "Immigration law (U.S. Code Title 8).", ("title8", "T8")),
    Code("42", "Title 42", "Public-health expulsions, March 2020 to 11 May 2023.",
         ("title42", "T42")),
)

ENCOUNTER_TYPES = CodeTable(
    "encounter_type", "What kind of encounter.",
    Code("apprehensions", "Apprehensions", "Border Patrol arrests under Title 8."),
    Code("inadmissibles", "Inadmissibles", "People found inadmissible at a port of entry."),
    Code("expulsions", "Expulsions", "Title 42 expulsions, by either component."),
)

# CBP spells citizenships in upper case with its own names; OHSS writes title case with others.
# These are the OHSS names that upper-casing alone does not turn into CBP's spelling.
CITIZENSHIP_SPELLINGS = {
    "CHINA, PEOPLE'S REPUBLIC": "CHINA, PEOPLES REPUBLIC OF",
    "CHINA": "CHINA, PEOPLES REPUBLIC OF",
    "BURMA": "MYANMAR (BURMA)",
    "MYANMAR": "MYANMAR (BURMA)",
}

# Names people type for a citizenship, mapped to the normalized name.
CITIZENSHIP_ALIASES = {
    "RUSSIAN FEDERATION": "RUSSIA",
    "RU": "RUSSIA",
    "UA": "UKRAINE",
    "UE": "UKRAINE",
    "MX": "MEXICO",
    "USSR": "RUSSIA",
}


def normalize_citizenship(raw: str) -> str:
    """CBP's upper-case spelling of a citizenship as published by CBP or OHSS."""
    name = " ".join(raw.split()).upper()
    return CITIZENSHIP_SPELLINGS.get(name, name)


def citizenship_query_name(text: str) -> str:
    """The normalized name for what a person typed ('Russia', 'russian federation', 'RU')."""
    name = normalize_citizenship(text)
    return CITIZENSHIP_ALIASES.get(name, name)


MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

QUARANTINE_REASONS = CodeTable(
    "quarantine_reason", "Why an input row was kept out of the lake.",
    Code("wrong-field-count", "Wrong number of fields",
         "The row has more or fewer fields than the header."),
    Code("ambiguous-extra-field", "Extra field that cannot be placed",
         "The row has one field too many and more than one text field could have held the "
         "stray tab, so immtrack cannot tell which value to merge."),
    Code("bad-count", "Count is not a whole number",
         "The count column holds text, a fraction or nothing."),
    Code("negative-count", "Negative count", "A count below zero cannot be a number of events."),
    Code("bad-month", "Unknown month", "The month is not a month name or abbreviation."),
    Code("bad-fiscal-year", "Unknown fiscal year",
         "The fiscal year is not a year (optionally followed by '(FYTD)')."),
    Code("unknown-code", "Unknown code",
         "A coded column holds a value that is not in its code table."),
    Code("missing-value", "Missing value", "A column the fact needs is empty."),
    Code("duplicate-fact", "Fact repeated in the file",
         "The same month and dimensions appear twice in one file; the first row was loaded."),
    Code("bad-date", "Not a date", "A date column holds text that is not a date, or an end "
         "date before its start."),
    Code("unknown-sheet", "Unknown sheet",
         "A workbook sheet whose layout immtrack does not know; its rows were not loaded."),
    Code("implausible-period", "Impossible period",
         "A fiscal year before FY2000, or a month or year after the date of the file: a typo "
         "or a damaged file, kept out so it never makes a release look newest."),
    Code("implausible-count", "Impossible count",
         "A count far beyond any the agency has published for one cell."),
    Code("repeated-header", "Header repeated in the data",
         "The header line appears again among the data rows (files pasted together)."),
    Code("bad-value", "Value of the wrong type",
         "A value that does not parse as its column's type (a coordinate that is not a "
         "number)."),
    Code("duplicate-key", "Primary key repeated in the file",
         "A row whose primary key (declared in the schema registry) already appeared earlier "
         "in the file; the first row was loaded, the later ones kept here."),
)
