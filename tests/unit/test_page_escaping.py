"""A data value in a chart cannot break out of the page's JSON script element (stored XSS,
issue 13 item 11): the page, parsed as a browser would, holds no script but the chart's data,
and that data reads back exactly as stored."""

from __future__ import annotations

import html.parser
import json

from immtrack.web import charts
from immtrack.web.figures import Figure
from immtrack.web.pages import TEMPLATES

PAYLOADS = ["</script><script>window.injected = 1</script>",
            "</SCRIPT ><img src=x onerror=alert(1)>", "<!--<script>", "a & b ' \" \u2028 end"]


class Elements(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text inside each script element."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _rendered(rows: list[dict]) -> str:
    figure = Figure("x", "A figure", rows, list(rows[0]), {}, "/api/encounters",
                    chart=charts.bars(rows, "facility", "people", "People by facility"))
    macro = TEMPLATES.env.from_string('{% from "_figure.html" import figure %}{{ figure(f) }}')
    return macro.render(f=figure)


def test_chart_data_cannot_break_out_of_its_script_element():
    rows = [{"facility": payload, "people": n} for n, payload in enumerate(PAYLOADS)]
    page = Elements()
    page.feed(_rendered(rows))
    assert [tag for tag, _ in page.tags if tag in ("script", "img")] == ["script"]
    assert page.tags[[t for t, _ in page.tags].index("script")][1]["type"] == "application/json"
    spec = json.loads(page.scripts[0])
    assert [r["facility"] for r in spec["data"]["values"]] == PAYLOADS
    # The table shows the same values as text, escaped by the template.
    assert "&lt;/script&gt;&lt;script&gt;window.injected = 1&lt;/script&gt;" in _rendered(rows)
