"""Checks on rendered HTML that tests of any page can use."""

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])


def id_problems(html: str) -> dict:
    """Ids used more than once, and labels whose ``for`` names no element: both should be empty."""
    parser = _Ids()
    parser.feed(html)
    counts = Counter(parser.ids)
    return {
        "duplicate_ids": sorted(i for i, n in counts.items() if n > 1),
        "labels_without_target": sorted(set(parser.label_targets) - set(counts)),
    }
