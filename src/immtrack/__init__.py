"""immtrack: U.S. border encounters, detention and immigration court data, with provenance."""

__version__ = "0.1.0"
