"""Verdicts as a Markdown or HTML report a reader can follow without the tool: each claim, its
verdict and why, every reading with its definition, and where the numbers came from."""

from __future__ import annotations

import html

from immtrack.claims.verdicts import Verdict

LABELS = {"supported": "Supported", "not_supported": "Not supported",
          "cannot_check": "Cannot be checked"}


def _value(reading: dict, unit: str) -> str:
    text = f"{reading['value']:,.1f}%" if unit == "percent" else f"{reading['value']:,.0f}"
    if reading.get("n"):
        text += f" (n = {reading['n']:,}"
        if reading.get("ci95"):
            low, high = reading["ci95"]
            text += f", 95% CI {low:.1f}-{high:.1f}"
        text += ")"
    return text


def _releases(verdict: Verdict) -> list[str]:
    seen = []
    for reading in verdict.readings:
        for release in reading["provenance"].get("releases", []):
            label = release.get("file") or release.get("label")
            text = f"{label} ({'GENERATED' if release.get('is_synthetic') else 'real'}"
            text += f", sha256 {release['sha256'][:12]})" if release.get("sha256") else ")"
            if text not in seen:
                seen.append(text)
    return seen


def to_markdown(verdicts: list[Verdict]) -> str:
    lines = ["# Claim check", ""]
    for verdict in verdicts:
        claim, unit = verdict.claim, verdict.claim.claimed.unit
        lines += [f"## {claim.id}: {LABELS[verdict.verdict]}", "",
                  f"> {claim.statement}", ""]
        if claim.source.url or claim.source.publisher:
            lines += [f"Source: {claim.source.publisher or ''} {claim.source.url or ''} "
                      f"{claim.source.date or ''}".strip(), ""]
        if claim.demo:
            lines += ["**Demo:** checked against GENERATED data; the verdict tests the method, "
                      "not the claim.", ""]
        lines += [f"**Why:** {verdict.reason}.", ""]
        for misreading in verdict.misreadings:
            lines.append(f"- Likely misreading: {misreading['explanation']}.")
        if verdict.readings:
            lines += ["", "| reading | value | bound | misreading | relation to the claim |",
                      "|---|---|---|---|---|"]
            for reading in verdict.readings:
                lines.append(f"| {reading['name']}: {reading['description']} | "
                             f"{_value(reading, unit)} | {reading['bound']} | "
                             f"{reading['misreading'] or ''} | {reading['relation']} |")
        releases = _releases(verdict)
        if releases:
            lines += ["", "Data: " + "; ".join(releases) + "."]
        lines.append("")
    return "\n".join(lines)


def to_html(verdicts: list[Verdict]) -> str:
    """The same report as a self-contained HTML page (no scripts, readable on a phone)."""
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Claim check</title><style>body{font-family:system-ui,sans-serif;"
             "max-width:60rem;margin:auto;padding:1rem}table{border-collapse:collapse;"
             "width:100%}td,th{border:1px solid #ccc;padding:.3rem;text-align:left}"
             ".supported{color:#176b2c}.not_supported{color:#a3001b}.cannot_check{color:#7a5b00}"
             "</style></head><body><h1>Claim check</h1>"]
    for verdict in verdicts:
        claim, unit = verdict.claim, verdict.claim.claimed.unit
        parts.append(f'<section id="{html.escape(claim.id)}"><h2>{html.escape(claim.id)}: '
                     f'<span class="{verdict.verdict}">{LABELS[verdict.verdict]}</span></h2>'
                     f"<blockquote>{html.escape(claim.statement)}</blockquote>")
        if claim.demo:
            parts.append("<p><strong>Demo:</strong> checked against GENERATED data.</p>")
        parts.append(f"<p><strong>Why:</strong> {html.escape(verdict.reason)}.</p>")
        if verdict.readings:
            parts.append("<table><tr><th>reading</th><th>value</th><th>bound</th>"
                         "<th>misreading</th><th>relation</th></tr>")
            for reading in verdict.readings:
                cells = (f"{reading['name']}: {reading['description']}",
                         _value(reading, unit), reading["bound"], reading["misreading"] or "",
                         reading["relation"])
                parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                             + "</tr>")
            parts.append("</table>")
        releases = _releases(verdict)
        if releases:
            parts.append(f"<p>Data: {html.escape('; '.join(releases))}.</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
