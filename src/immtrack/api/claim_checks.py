"""Claim checks for the API and the /check page, bounded so that one request cannot hold the
server: the text is parsed within the claim file's limits (claims/model.py), at most
`MAX_CLAIMS` claims are taken, and claims still waiting once `TIME_BUDGET_SECONDS` have passed
are answered `cannot_check` with the reason instead of being computed.

A claim costs a few DuckDB queries (about 0.1 to 0.3 s on a large lake), so the limits allow a
real claim file whole and stop a request that would take the server for minutes.
"""

from __future__ import annotations

import time
from pathlib import Path

from immtrack.claims.model import ClaimTextError, parse_claims
from immtrack.claims.verdicts import Verdict, judge

MAX_CLAIMS = 25
TIME_BUDGET_SECONDS = 10.0


def check_claim_text(body: bytes | str, home: Path, *, is_json: bool = False,
                     budget: float = TIME_BUDGET_SECONDS) -> list[dict]:
    """Verdicts (as dicts) for a claim file's text; ClaimTextError when it cannot be checked."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ClaimTextError(f"not UTF-8 text (byte {error.start})") from None
    claims = parse_claims(body, MAX_CLAIMS, is_json=is_json)
    deadline = time.monotonic() + budget
    verdicts = []
    for claim in claims:
        if time.monotonic() > deadline:
            verdicts.append(Verdict(claim, "cannot_check", f"not checked: this request used "
                                    f"its {budget:g} s; send the remaining claims again"))
        else:
            verdicts.append(judge(claim, home))
    return [verdict.to_dict() for verdict in verdicts]
