"""Keeping the lake current: check the agencies' listing pages, ingest what is new, and say what
each new release changed (runner.py, state.py, changes.py, atom.py)."""
