"""Shared fixtures: the real files in ../shared/data, a fresh lake home, the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immtrack.cli.main import app
from immtrack.lake.home import find_shared_data


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: skipped in a user's clone without it, required under CI."""
    path = find_shared_data()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run with ../shared/data beside the checkout")
        pytest.skip("../shared/data is not beside this checkout (real public files)")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


class Cli:
    """Run `immtrack --home HOME ...` in-process and keep stdout and stderr apart."""

    def __init__(self, home: Path):
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(app, ["--home", str(self.home), *args],
                                  catch_exceptions=False)


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)
