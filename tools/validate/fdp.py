#!/usr/bin/env python3
"""Validates a Fiscal Data Package descriptor (datapackage.json).

Usage:
    python3 tools/validate/fdp.py DESCRIPTOR [PROFILE_JSON]

DESCRIPTOR is a datapackage.json file, or an http(s) URL (the one a running
Vitrina serves for a version of a `budget` dataset). The descriptor is
checked against PROFILE_JSON with the `datapackage` package's validator
(`pip install datapackage==1.15.4`). PROFILE_JSON defaults to the
repository's own copy of the `fiscal-data-package` profile that ships in
that package, standards/schemas/fiscal-data-package-datapackage-1.15.4/
(found from this script's location), so the check is pinned and needs
nothing outside the repository. Then the model is checked against the
resources, which the JSON Schema cannot express: every measure and attribute `source` names a column of a
resource's schema, every dimension's `primaryKey` and `labelfor` names one
of its attributes.

The demo dataset's descriptor is written by the standards crate's test:
    VITRINA_FDP_OUT=/tmp/datapackage.json cargo test -p vitrina-standards fdp
    python3 tools/validate/fdp.py /tmp/datapackage.json

Exits 0 when the descriptor is valid; otherwise prints every error, one a
line, and exits 1 (2 when the descriptor or the profile cannot be read).
"""

import json
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = (
    REPO
    / "standards"
    / "schemas"
    / "fiscal-data-package-datapackage-1.15.4"
    / "fiscal-data-package.json"
)


def load_descriptor(location):
    if location.startswith(("http://", "https://")):
        with urllib.request.urlopen(location, timeout=30) as response:
            return json.load(response)
    with open(location, encoding="utf-8") as f:
        return json.load(f)


def profile_errors(descriptor, profile_path):
    """Errors from the fiscal-data-package JSON Schema."""
    import datapackage
    from datapackage import exceptions

    with open(profile_path, encoding="utf-8") as f:
        profile = datapackage.Profile(json.load(f))
    try:
        profile.validate(descriptor)
    except exceptions.ValidationError as error:
        return [str(e) for e in (error.errors or [error])]
    return []


def as_list(value):
    return value if isinstance(value, list) else [value]


def model_errors(descriptor):
    """Errors in the model's references to columns and attributes."""
    errors = []
    columns = set()
    for resource in descriptor.get("resources", []):
        for field in resource.get("schema", {}).get("fields", []):
            columns.add(field.get("name"))
    model = descriptor.get("model", {})
    for name, measure in model.get("measures", {}).items():
        if measure.get("source") not in columns:
            errors.append(f"measure {name}: source {measure.get('source')!r} is not a column")
    for name, dimension in model.get("dimensions", {}).items():
        attributes = dimension.get("attributes", {})
        for attribute_name, attribute in attributes.items():
            source = attribute.get("source")
            if source not in columns:
                errors.append(f"dimension {name}, attribute {attribute_name}: source {source!r} is not a column")
            label_for = attribute.get("labelfor")
            if label_for is not None and label_for not in attributes:
                errors.append(f"dimension {name}, attribute {attribute_name}: labelfor {label_for!r} is not an attribute")
        for key in as_list(dimension.get("primaryKey", [])):
            if key not in attributes:
                errors.append(f"dimension {name}: primaryKey {key!r} is not an attribute")
    return errors


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        descriptor = load_descriptor(argv[1])
    except (OSError, ValueError) as error:
        print(f"{argv[1]}: cannot read the descriptor: {error}", file=sys.stderr)
        return 2
    profile_path = Path(argv[2]) if len(argv) == 3 else DEFAULT_PROFILE
    try:
        errors = profile_errors(descriptor, profile_path)
    except (OSError, ValueError) as error:
        print(f"{profile_path}: cannot read the profile: {error}", file=sys.stderr)
        return 2
    errors += model_errors(descriptor)
    for error in errors:
        print(f"{argv[1]}: {error}")
    if errors:
        return 1
    measures = ", ".join(descriptor["model"]["measures"])
    print(f"{argv[1]}: valid Fiscal Data Package (measures: {measures})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
