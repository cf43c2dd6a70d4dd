"""Drawing helpers that keep generated columns at their real shares.

Some rows of a column are fixed by the story of a case (an asylum grant's proceeding ends in
relief, a decided proceeding's last hearing is the individual one); `fill_to_shares` draws the
free rows so that the whole column still matches the real shares. `fit_joint` spreads a
column's real shares over the case types where each code exists (EOIR's court-decision lookup
is keyed by case type), by iterative proportional fitting.
"""

from __future__ import annotations

import numpy as np


def fill_to_shares(rng: np.random.Generator, values: np.ndarray, p: np.ndarray,
                   forced: np.ndarray) -> np.ndarray:
    """`forced` holds a value where the story fixes it and '' where it is free; free rows get
    values drawn from what the target counts still lack, so the column ends near `p`."""
    out = forced.astype(object).copy()
    free = np.flatnonzero(forced == "")
    if len(free) == 0:
        return out.astype(str)
    target = p * len(forced)
    taken = np.array([(forced == v).sum() for v in values], dtype=float)
    lacking = np.clip(target - taken, 0, None)
    weights = lacking / lacking.sum() if lacking.sum() > 0 else p
    out[free] = rng.choice(values, size=len(free), p=weights)
    return out.astype(str)


def fit_joint(row_totals: np.ndarray, column_shares: np.ndarray, support: np.ndarray,
              iterations: int = 60) -> np.ndarray:
    """A rows x columns table of expected counts, zero outside `support`, whose rows sum to
    `row_totals` and whose columns come as close as the support allows to `column_shares`."""
    table = support.astype(float) * np.outer(row_totals, column_shares)
    column_totals = column_shares * row_totals.sum()
    for _ in range(iterations):
        sums = table.sum(axis=0)
        table *= np.divide(column_totals, sums, out=np.zeros_like(sums), where=sums > 0)
        sums = table.sum(axis=1)
        table *= np.divide(row_totals, sums, out=np.zeros_like(sums), where=sums > 0)[:, None]
    return table


def draw_rows(rng: np.random.Generator, categories: np.ndarray, table: np.ndarray,
              row_of: np.ndarray) -> np.ndarray:
    """For each item, a category drawn from its row of `table` (counts or weights)."""
    out = np.empty(len(row_of), dtype=object)
    for row in np.unique(row_of):
        where = np.flatnonzero(row_of == row)
        weights = table[row]
        if weights.sum() <= 0:
            out[where] = ""
            continue
        out[where] = rng.choice(categories, size=len(where), p=weights / weights.sum())
    return out.astype(str)


def sequence(counts: np.ndarray) -> np.ndarray:
    """0..k-1 for each count k, concatenated: the position of each row within its group."""
    if len(counts) == 0:
        return np.array([], dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(counts.sum()) - starts


def fiscal_year(days: np.ndarray) -> np.ndarray:
    dates = np.asarray(days).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    return years + (months >= 10)
