#!/usr/bin/env python3
"""Validates Popolo motions and vote events against the official schemas, offline.

Usage: python3 tools/validate/popolo.py POPOLO.json [SCHEMA_DIR]

POPOLO.json is what Vitrina writes for a `decision` dataset:
{"motions": [motion, ...]}, each motion with its vote_events. Every motion
is validated against motion.json (JSON Schema draft-03); its vote_events,
counts, votes and sources through the schemas' $refs. SCHEMA_DIR holds the
Popolo schemas (motion.json, vote_event.json, count.json, ...); it defaults
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

Exits 0 when every motion is valid, 1 with every error (motion, path and
message) when not, 2 when the files cannot be read. Needs the `jsonschema`
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


def errors(document, schema_dir):
    """(where, message) for every problem in the document."""
    if not isinstance(document, dict) or not isinstance(document.get("motions"), list):
        yield "$", 'expected an object {"motions": [...]}'
        return
    motion_schema = json.loads((schema_dir / "motion.json").read_text(encoding="utf-8"))
    validator = Draft3Validator(
        motion_schema, registry=registry(schema_dir), format_checker=formats
    )
    for i, motion in enumerate(document["motions"]):
        name = motion.get("id", f"#{i}") if isinstance(motion, dict) else f"#{i}"
        for error in sorted(validator.iter_errors(motion), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in error.absolute_path)
            yield f"motion {name} /{path}", error.message


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
    print(
        f"valid Popolo: {len(motions)} motions, {events} vote events, {votes} individual votes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
