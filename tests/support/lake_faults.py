"""Run a real `immtrack` process that stops or dies at a named publish stage (lake/faults.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def immtrack(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "immtrack", "--home", str(home), *args]


def _environment(stage: str, action: str, markers: Path) -> dict[str, str]:
    markers.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "IMMTRACK_FAULT": f"{stage}:{action}",
            "IMMTRACK_FAULT_DIR": str(markers)}


def killed_at(stage: str, home: Path, markers: Path, *args: str
              ) -> subprocess.CompletedProcess:
    """Run `immtrack --home HOME ARGS`, killed with SIGKILL at `stage`."""
    return subprocess.run(immtrack(home, *args), env=_environment(stage, "kill", markers),
                          capture_output=True, text=True, timeout=300)


class PausedAt:
    """`with PausedAt(stage, home, markers, *args) as ingest:` the process waits at `stage`
    inside the block; leaving it lets the process finish (ingest.result then holds it)."""

    def __init__(self, stage: str, home: Path, markers: Path, *args: str):
        self.stage, self.markers = stage, markers
        self.process = subprocess.Popen(
            immtrack(home, *args), env=_environment(stage, "pause", markers),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.result: subprocess.CompletedProcess | None = None

    def __enter__(self) -> PausedAt:
        deadline = time.monotonic() + 300
        while not (self.markers / self.stage).exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                out, err = self.process.communicate()
                raise AssertionError(f"the ingest never reached {self.stage}: "
                                     f"exit {self.process.returncode}\n{err}")
            time.sleep(0.02)
        assert (self.markers / self.stage).read_text() == str(self.process.pid)
        return self

    def __exit__(self, *exc) -> None:
        (self.markers / f"{self.stage}.resume").touch()
        out, err = self.process.communicate(timeout=300)
        self.result = subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                                  out, err)
