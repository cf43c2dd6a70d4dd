"""One module per public dataset: where it lives, its raw formats, how to read and repair it."""

# A generator writes this file beside the files it made; an ingest that finds it marks the
# release as synthetic, and every answer drawn from it says so.
SYNTHETIC_MARKER = "immtrack-synthetic.json"
