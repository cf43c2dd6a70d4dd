"""Second counts straight from the raw CBP and OHSS files, for tests to compare against."""

from __future__ import annotations


def khsm_sum(rows, year: int, months: set[int], *matches: tuple[int, str]) -> int:
    """Sum of a KHSM sheet's last column for a fiscal year's months (1 = October), on the rows
    whose columns match (column index, value)."""
    total = 0
    for row in rows:
        fiscal_month = int(row[1][:2])
        if int(row[0]) == year and fiscal_month in months and all(
                row[i] == value for i, value in matches):
            total += int(row[-1])
    return total
