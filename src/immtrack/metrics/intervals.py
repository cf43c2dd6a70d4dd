"""Wilson score intervals for proportions: sane at 0, 1 and small n, unlike the normal
approximation."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """95% Wilson interval for successes/trials; (nan, nan) when there are no trials.

    >>> [round(x, 4) for x in wilson(85, 100)]
    [0.7672, 0.9069]
    """
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 and n successes the bounds are exactly 0 and 1; rounding would leave 1e-18.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
