"""Vega-Lite specs for the pages: built from the same rows the tables show, rendered in the
browser by the vendored vega-embed, so a chart never says more than its table."""

from __future__ import annotations

from datetime import date

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

# Policy events marked on encounter charts (dates of the public announcements).
POLICY_EVENTS = (
    (date(2019, 1, 29), "MPP begins (San Ysidro)"),
    (date(2021, 1, 20), "MPP: new enrollments suspended"),
    (date(2021, 6, 1), "MPP terminated"),
    (date(2021, 12, 6), "MPP reinstated by court order"),
    (date(2022, 2, 24), "Russia invades Ukraine"),
    (date(2022, 8, 8), "MPP ended again"),
    (date(2023, 5, 11), "Title 42 expulsions end"),
)


def _base(title: str, data: list[dict]) -> dict:
    return {"$schema": SCHEMA, "title": title, "width": "container", "height": 260,
            "data": {"values": data}}


def encounters_by_month(rows: list[dict], title: str) -> dict:
    """Monthly encounters as a line, with policy events as labelled rules."""
    months = [r["month"] for r in rows]
    events = [{"month": d.isoformat()[:7], "event": label} for d, label in POLICY_EVENTS
              if months and months[0] <= d.isoformat()[:7] <= months[-1]]
    spec = _base(title, rows)
    spec.pop("data")
    spec["layer"] = [
        {"data": {"values": rows}, "mark": {"type": "line", "point": True},
         "encoding": {"x": {"field": "month", "type": "temporal", "title": None},
                      "y": {"field": "encounters", "type": "quantitative",
                            "title": "encounters"},
                      "tooltip": [{"field": "month"}, {"field": "encounters",
                                                       "format": ","}]}},
        {"data": {"values": events}, "mark": {"type": "rule", "strokeDash": [4, 3],
                                              "color": "#a3001b"},
         "encoding": {"x": {"field": "month", "type": "temporal"},
                      "tooltip": [{"field": "event"}, {"field": "month"}]}},
        {"data": {"values": events}, "mark": {"type": "text", "angle": 270, "align": "left",
                                              "baseline": "bottom", "dy": -2, "fontSize": 9,
                                              "color": "#a3001b"},
         "encoding": {"x": {"field": "month", "type": "temporal"}, "y": {"value": 255},
                      "text": {"field": "event"}}},
    ]
    return spec


def monthly_with_events(rows: list[dict], y: str, title: str) -> dict:
    """A monthly count (`y`) as a line, with the policy events as labelled rules (MPP's
    start, suspension, reinstatement and end among them)."""
    spec = encounters_by_month([{"month": r["month"], "encounters": r[y]} for r in rows],
                               title)
    line = spec["layer"][0]
    line["data"] = {"values": rows}
    line["encoding"]["y"] = {"field": y, "type": "quantitative", "title": y.replace("_", " ")}
    line["encoding"]["tooltip"] = [{"field": "month"}, {"field": y, "format": ","}]
    return spec


def rates_with_intervals(rows: list[dict], x: str, title: str) -> dict:
    """Rates by `x` per definition, with 95% interval bars."""
    spec = _base(title, [r for r in rows if r["rate"] is not None])
    encoding_x = {"field": x, "type": "ordinal", "title": x.replace("_", " ")}
    color = {"field": "definition", "type": "nominal"}
    spec["layer"] = [
        {"mark": {"type": "errorbar", "ticks": True},
         "encoding": {"x": encoding_x, "xOffset": {"field": "definition"},
                      "y": {"field": "ci95_low", "type": "quantitative", "title": "rate",
                            "axis": {"format": "%"}, "scale": {"domain": [0, 1]}},
                      "y2": {"field": "ci95_high"}, "color": color}},
        {"mark": {"type": "point", "filled": True, "size": 50},
         "encoding": {"x": encoding_x, "xOffset": {"field": "definition"},
                      "y": {"field": "rate", "type": "quantitative"}, "color": color,
                      "tooltip": [{"field": x}, {"field": "definition"},
                                  {"field": "rate", "format": ".1%"},
                                  {"field": "n", "format": ","},
                                  {"field": "ci95_low", "format": ".1%"},
                                  {"field": "ci95_high", "format": ".1%"}]}},
    ]
    return spec


def bars(rows: list[dict], x: str, y: str, title: str) -> dict:
    spec = _base(title, rows)
    spec["mark"] = "bar"
    spec["encoding"] = {"x": {"field": x, "type": "ordinal", "title": x.replace("_", " ")},
                        "y": {"field": y, "type": "quantitative",
                              "title": y.replace("_", " ")},
                        "tooltip": [{"field": x}, {"field": y, "format": ","}]}
    return spec


def line(rows: list[dict], x: str, y: str, title: str) -> dict:
    spec = _base(title, rows)
    spec["mark"] = {"type": "line", "point": True}
    spec["encoding"] = {"x": {"field": x, "type": "temporal", "title": None},
                        "y": {"field": y, "type": "quantitative",
                              "title": y.replace("_", " ")},
                        "tooltip": [{"field": x}, {"field": y, "format": ",.0f"}]}
    return spec
