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


@pytest.fixture(scope="session")
def web_lake(shared_data: Path, tmp_path_factory) -> Path:
    """A small lake with every source, for the API and the pages: the real CBP and ICE files,
    and a generated EOIR release with Russians' FY2023 decisions planted at 85 and 15."""
    from immtrack.demo import REAL_CBP_FILES
    from immtrack.ingest import ingest_cbp, ingest_eoir, ingest_ice
    from immtrack.synth.eoir import PlantedCell, write_eoir_release

    root = tmp_path_factory.mktemp("web")
    home = root / "home"
    ingest_cbp(home, [str(shared_data / f) for f in REAL_CBP_FILES], progress=False)
    write_eoir_release(root / "eoir", 6000, seed=12, planted=[PlantedCell("RU", 2023, 85, 15)])
    ingest_eoir(home, str(root / "eoir"))
    ingest_ice(home, shared_data / "ice")
    return home
