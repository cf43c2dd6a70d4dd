"""The HTTP face: a JSON API over the metrics, and the web pages, in one FastAPI app."""
