"""Parses Atom feeds with feedparser, as a journalist's feed reader would,
and fails on anything it had to guess at: not well-formed, not Atom 1.0,
an entry without id, title, time, link or summary, or ids repeated.

Usage: python tools/validate/feeds.py FEED.atom [...]
"""

import sys

import feedparser


def problems(path):
    feed = feedparser.parse(path)
    if feed.bozo:
        yield f"not well-formed: {feed.bozo_exception}"
    if feed.version != "atom10":
        yield f"not Atom 1.0 ({feed.version!r})"
    for key in ("id", "title", "updated"):
        if not feed.feed.get(key):
            yield f"the feed has no {key}"
    if not any(link.get("rel") == "self" for link in feed.feed.get("links", [])):
        yield "the feed has no self link"
    if not feed.entries:
        yield "no entries"
    ids = [entry.get("id") for entry in feed.entries]
    if len(set(ids)) != len(ids):
        yield "entry ids repeat"
    for entry in feed.entries:
        for key in ("id", "title", "updated", "summary", "link"):
            if not entry.get(key):
                yield f"entry {entry.get('id')} has no {key}"


def main(paths):
    failed = 0
    for path in paths:
        found = list(problems(path))
        print(("  INVALID: " if found else "  valid: ") + path)
        for problem in found:
            print("    " + problem)
        failed += bool(found)
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
