"""Generators of releases in the agencies exact formats, for the demo and for tests."""
