"""Check published statistics: claim files in, verdicts with definitions and provenance out."""
