"""`python -m immtrack` runs the command line."""

from immtrack.cli.main import app

app()
