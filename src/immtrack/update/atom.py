"""The changes as an Atom 1.0 feed (RFC 4287): one entry per release ingested, newest first,
with its headline differences, its largest revisions and links to the pages it changed.

Ids are `urn:uuid:` names derived from the release id (and the feed's address for the feed),
so a feed reader sees the same entry as the same entry on every fetch and on every host.
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from xml.etree import ElementTree

from immtrack.update.changes import ReleaseChanges

ATOM = "http://www.w3.org/2005/Atom"
FEED_REVISIONS = 10


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:  # the catalog keeps UTC without a zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content(change: ReleaseChanges, base_url: str) -> str:
    parts = ["<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in change.headlines)
             + "</ul>"]
    revisions = change.revisions[:FEED_REVISIONS]
    if revisions:
        rows = "".join(
            f"<tr><td>{html.escape(r.series)}</td><td>{r.period}</td><td>{r.previous:,}</td>"
            f"<td>{r.revised:,}</td><td>{r.change:+,}</td></tr>" for r in revisions)
        parts.append("<table><thead><tr><th>series</th><th>period</th><th>was</th>"
                     "<th>now</th><th>change</th></tr></thead><tbody>" + rows
                     + "</tbody></table>")
    parts.append("<p>" + " · ".join(
        f'<a href="{html.escape(base_url + path)}">{html.escape(title)}</a>'
        for title, path in change.links) + "</p>")
    return "".join(parts)


def changes_feed(changes: list[ReleaseChanges], base_url: str) -> bytes:
    """The Atom document for `changes` (newest first), links made absolute with `base_url`."""
    base_url = base_url.rstrip("/")
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    def add(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    add(feed, "title", "immtrack: what each new release changed")
    add(feed, "subtitle", "New CBP, OHSS, ICE and EOIR releases ingested by immtrack: months "
                          "added, months revised with old and new values, rows quarantined.")
    add(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, base_url + "/changes.atom").urn)
    add(feed, "link", rel="self", type="application/atom+xml", href=base_url + "/changes.atom")
    add(feed, "link", rel="alternate", type="text/html", href=base_url + "/changes")
    newest = max((c.ingested_at for c in changes), default=None)
    add(feed, "updated", _stamp(newest) if newest else _stamp(datetime(2000, 1, 1)))
    author = add(feed, "author")
    add(author, "name", "immtrack")
    add(feed, "generator", "immtrack")
    for change in changes:
        entry = add(feed, "entry")
        add(entry, "title", change.title)
        add(entry, "id", uuid.uuid5(uuid.NAMESPACE_URL,
                                    "immtrack:release:" + change.release_id).urn)
        add(entry, "link", rel="alternate", type="text/html",
            href=f"{base_url}/changes#{change.release_id}")
        for title, path in change.links[1:]:
            add(entry, "link", rel="related", type="text/html", href=base_url + path,
                title=title)
        add(entry, "updated", _stamp(change.ingested_at))
        add(entry, "published", _stamp(change.ingested_at))
        add(entry, "category", term=change.source)
        add(entry, "summary", " ".join(change.headlines))
        add(entry, "content", _content(change, base_url), type="html")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
