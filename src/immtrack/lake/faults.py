"""Named stages of publishing, where tests stop or kill a real ingest (fault injection).

Timed kills land mostly in start-up and reading; naming the stages lets a test kill the process
exactly between two writes of the publish, and prove it did: the process writes a marker file
just before it acts. Nothing happens unless IMMTRACK_FAULT is set, e.g.

    IMMTRACK_FAULT=moved:kill IMMTRACK_FAULT_DIR=/tmp/markers immtrack ingest cbp --from F

kills the ingest with SIGKILL once every file is in lake/ and before the catalog is written;
`pause` instead waits until the file `<stage>.resume` appears in IMMTRACK_FAULT_DIR (at most
IMMTRACK_FAULT_TIMEOUT seconds, 120 by default), so a test can read the lake meanwhile.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

# In the order an ingest reaches them (see releases.publish).
STAGES = (
    "staged",           # tables written to .staging and reconciled; lake/ untouched
    "moving",           # the first file moved into lake/, others still staged
    "moved",            # every file in lake/, the catalog not yet copied
    "catalog-writing",  # the new catalog open, the release inserted, not committed
    "catalog-written",  # the new catalog committed and synced beside the old one
    "catalog-swapped",  # the new catalog renamed over the old; directory not yet synced
    "published",        # all done but removing the staging folder
)
ACTIONS = ("kill", "pause")


def reached(stage: str) -> None:
    """Called by the publisher at each stage; acts only when IMMTRACK_FAULT names it."""
    if stage not in STAGES:
        raise ValueError(f"unknown publish stage {stage!r}")
    spec = os.environ.get("IMMTRACK_FAULT")
    if not spec:
        return
    wanted, _, action = spec.partition(":")
    if wanted != stage:
        return
    if action not in ACTIONS:
        raise ValueError(f"IMMTRACK_FAULT={spec!r}: the action must be one of {ACTIONS}")
    folder = Path(os.environ.get("IMMTRACK_FAULT_DIR", "."))
    marker = folder / stage
    with open(marker, "w") as stream:
        stream.write(str(os.getpid()))
        stream.flush()
        os.fsync(stream.fileno())
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    deadline = time.monotonic() + float(os.environ.get("IMMTRACK_FAULT_TIMEOUT", "120"))
    while not (folder / f"{stage}.resume").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
