#!/usr/bin/env python3
"""Validates a Popolo file of motions and vote events against the official schemas, offline.

Usage: python3 tools/validate/popolo.py POPOLO.json [SCHEMA_DIR]

POPOLO.json is what Vitrina writes for a `decision` dataset:
{"motions": [...], "events": [...], "organizations": [...], "persons":
[...], "memberships": [...]}, each motion with its vote_events. Every
motion is validated against motion.json (JSON Schema draft-03), its
vote_events, counts, votes and sources through the schemas' $refs; every
event against event.json, organization against organization.json, person
against person.json and membership against membership.json. `motions` is
required, the other lists optional. Ids the motions, votes and memberships
refer to (organization_id, legislative_session_id, creator_id, voter_id,
group_id, person_id, parent_id) must be listed in the file. SCHEMA_DIR
holds the Popolo schemas (motion.json, vote_event.json, count.json, ...);
it defaults
to the repository's own copy in standards/schemas/popolo-unversioned (found
from this script's location). The $refs are absolute
URLs under http://www.popoloproject.com/schemas/; each resolves to the local
file of the same name, so nothing is fetched.

Formats are checked too. Popolo types `date` and `start_date` as date-time,
yet its own schemas admit ISO 8601 dates of day, month or year precision
(event.json's pattern); council pages give only the day, so `date-time` is
checked with that pattern. `uri` must be an absolute URI.

The demo dataset's Popolo file is written by the standards crate's test:
    VITRINA_POPOLO_OUT=/tmp/popolo.json cargo test -p vitrina-standards popolo
    python3 tools/validate/popolo.py /tmp/popolo.json

Exits 0 when everything is valid, 1 with every error (the list, the item's
id, path and message) when not, 2 when the files cannot be read. Needs the `jsonschema`
package (4.18 or newer, for `referencing`).
"""

import json
import re
import sys
from pathlib import Path

from jsonschema import Draft3Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

BASE = "http://www.popoloproject.com/schemas/"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMAS = REPO / "standards" / "schemas" / "popolo-unversioned"
# Popolo's pattern for dates and date-times (event.json, start_date).
POPOLO_DATE = re.compile(
    r"^[0-9]{4}((-[0-9]{2}){0,2}|(-[0-9]{2}){2}T[0-9]{2}(:[0-9]{2}){0,2}(Z|[+-][0-9]{2}(:[0-9]{2})?))$"
)
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")

formats = FormatChecker(formats=())


@formats.checks("date-time")
def is_popolo_date(value):
    return not isinstance(value, str) or bool(POPOLO_DATE.match(value))


@formats.checks("uri")
def is_uri(value):
    return not isinstance(value, str) or bool(URI.match(value))


def registry(schema_dir):
    """Every schema in the folder, under the URL its $refs use."""
    resources = []
    for path in sorted(schema_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema, default_specification=DRAFT3)
        resources.append((BASE + path.name, resource))
        resources.append((BASE + path.name + "#", resource))
    return Registry().with_resources(resources)


# Each top-level list and the schema its items follow.
LISTS = {
    "motions": "motion.json",
    "events": "event.json",
    "organizations": "organization.json",
    "persons": "person.json",
    "memberships": "membership.json",
}


def errors(document, schema_dir):
    """(where, message) for every problem in the document."""
    if not isinstance(document, dict) or not isinstance(document.get("motions"), list):
        yield "$", 'expected an object {"motions": [...]}'
        return
    schemas = registry(schema_dir)
    for name, schema_file in LISTS.items():
        if name not in document:
            continue
        items = document[name]
        if not isinstance(items, list):
            yield f"{name}", "expected a list"
            continue
        schema = json.loads((schema_dir / schema_file).read_text(encoding="utf-8"))
        validator = Draft3Validator(schema, registry=schemas, format_checker=formats)
        for i, item in enumerate(items):
            item_id = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            for error in sorted(validator.iter_errors(item), key=lambda e: list(e.absolute_path)):
                path = "/".join(str(p) for p in error.absolute_path)
                yield f"{name[:-1]} {item_id} /{path}", error.message
    yield from dangling_ids(document)


def dangling_ids(document):
    """(where, message) for every id referred to but not listed."""
    listed = {
        item.get("id")
        for name in LISTS
        for item in document.get(name) or []
        if isinstance(item, dict)
    }

    def check(where, item, keys):
        for key in keys:
            value = item.get(key) if isinstance(item, dict) else None
            if isinstance(value, str) and value not in listed:
                yield where, f"{key} {value!r} is not listed in the file"

    for motion in document["motions"]:
        if not isinstance(motion, dict):
            continue
        where = f"motion {motion.get('id')}"
        yield from check(where, motion, ("organization_id", "legislative_session_id", "creator_id"))
        for event in motion.get("vote_events") or []:
            yield from check(where, event, ("organization_id", "legislative_session_id"))
            for vote in (event.get("votes") or []) if isinstance(event, dict) else []:
                yield from check(where, vote, ("voter_id", "group_id"))
    for organization in document.get("organizations") or []:
        yield from check("organization", organization, ("parent_id",))
    for membership in document.get("memberships") or []:
        yield from check("membership", membership, ("person_id", "organization_id"))


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema_dir = Path(argv[2]) if len(argv) == 3 else DEFAULT_SCHEMAS
    try:
        document = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        found = list(errors(document, schema_dir))
    except (OSError, ValueError) as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2
    for where, message in found:
        print(f"{where}: {message}")
    if found:
        print(f"{len(found)} errors", file=sys.stderr)
        return 1
    motions = document["motions"]
    events = sum(len(m.get("vote_events", [])) for m in motions)
    votes = sum(len(e.get("votes", [])) for m in motions for e in m.get("vote_events", []))
    listed = ", ".join(
        f"{len(document.get(name) or [])} {name}" for name in LISTS if name != "motions"
    )
    print(
        f"valid Popolo: {len(motions)} motions, {events} vote events, {votes} individual votes; {listed}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
