#!/usr/bin/env python3
"""Validates an OCDS 1.1 release or record package against the official schemas, offline.

Usage: python3 tools/validate/ocds.py PACKAGE.json [SCHEMA_DIR]

A package with `records` is checked against record-package-schema.json,
any other against release-package-schema.json. SCHEMA_DIR holds those and
release-schema.json (tag 1__1__5); it defaults to the repository's own
copy in standards/schemas/ocds-1.1.5 (found from this script's location).
Records carry no versioned release, so the versioned-release schema the
record package schema names is not kept: an empty schema stands in.
The package schema refers to the release schema by its absolute URL; that
URL is resolved to the local file, so nothing is fetched. Formats
(date-time, uri) are checked too, without extra packages.

The demo dataset's release package is written by the standards crate's test:
    VITRINA_OCDS_OUT=/tmp/ocds.json cargo test -p vitrina-standards ocds
    python3 tools/validate/ocds.py /tmp/ocds.json

Exits 0 when the package is valid, 1 with every error (path and message)
when it is not, 2 when the files cannot be read. Needs the `jsonschema`
package (4.18 or newer, for `referencing`).
"""

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

BASE = "https://standard.open-contracting.org/schema/1__1__5/"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMAS = REPO / "standards" / "schemas" / "ocds-1.1.5"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

formats = FormatChecker(formats=())


@formats.checks("date-time")
def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@formats.checks("uri")
def is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("urn", "mailto"))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator(schema_dir, records):
    name = "record-package-schema.json" if records else "release-package-schema.json"
    package_schema = load(schema_dir / name)
    registry = Registry().with_resources(
        (BASE + name, Resource(contents=load(schema_dir / name), specification=DRAFT4))
        for name in ("release-schema.json", "release-package-schema.json", "record-package-schema.json")
    ).with_resource(
        BASE + "versioned-release-validation-schema.json",
        Resource(contents={}, specification=DRAFT4),
    )
    return Draft4Validator(package_schema, registry=registry, format_checker=formats)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema_dir = Path(argv[2]) if len(argv) == 3 else DEFAULT_SCHEMAS
    try:
        package = load(argv[1])
        records = isinstance(package, dict) and "records" in package
        check = validator(schema_dir, records)
    except (OSError, ValueError) as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2
    errors = sorted(check.iter_errors(package), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = "/" + "/".join(str(p) for p in error.absolute_path)
        print(f"{argv[1]}: {path}: {error.message}")
    kind = "records" if records else "releases"
    items = package.get(kind) if isinstance(package, dict) else None
    count = len(items) if isinstance(items, list) else 0
    if errors:
        print(f"invalid: {len(errors)} errors in {count} {kind}", file=sys.stderr)
        return 1
    print(f"valid OCDS 1.1.5 {kind[:-1]} package: {count} {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
