#!/usr/bin/env python3
"""Validates a Fiscal Data Package (fiscal-datapackage.json) as a budget tool reads it.

Usage:
    python3 tools/validate/fdp.py DESCRIPTOR [PROFILE_JSON]

DESCRIPTOR is a fiscal-datapackage.json file, or an http(s) URL (the one a
running Vitrina serves for a version of a `budget` dataset). Three checks:

1. The descriptor against PROFILE_JSON with the `datapackage` package's
   validator (`pip install datapackage==1.15.4`). PROFILE_JSON defaults to
   the repository's own copy of the `fiscal-data-package` profile that ships
   in that package, standards/schemas/fiscal-data-package-datapackage-1.15.4/
   (found from this script's location), so the check is pinned and needs
   nothing outside the repository.
2. The model against the resources, which the JSON Schema cannot express:
   every measure and attribute `source` names a column of a resource's
   schema, every dimension's `primaryKey`, `labelfor` and `parent` names one
   of its attributes.
3. The default aggregate, with the loader a partner would use: the package
   is opened with `datapackage.Package(DESCRIPTOR)`, which finds its table
   (`fiscal.csv`) relative to the descriptor, the table is read and cast by
   its Table Schema, and every measure is summed over every row, as
   OpenSpending's first view does. Each measure must carry one direction,
   one phase and EUR, and its total must equal, to the cent, the sum of
   `amount_eur` in the version's long `data.csv` (beside the descriptor)
   over the rows of that direction and phase; every direction and phase of
   data.csv must be a measure.

The demo dataset's package is written by the standards crate's test, with
its fiscal.csv and a data.csv beside it:
    mkdir -p /tmp/fdp
    VITRINA_FDP_OUT=/tmp/fdp/fiscal-datapackage.json cargo test -p vitrina-standards fdp
    python3 tools/validate/fdp.py /tmp/fdp/fiscal-datapackage.json

Exits 0 when the package is valid and prints each measure's total; otherwise
prints every error, one a line, and exits 1 (2 when the descriptor or the
profile cannot be read).
"""

import csv
import io
import json
import sys
import urllib.parse
import urllib.request
from collections import defaultdict
from decimal import Decimal, InvalidOperation
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
            for link in ("labelfor", "parent"):
                target = attribute.get(link)
                if target is not None and target not in attributes:
                    errors.append(f"dimension {name}, attribute {attribute_name}: {link} {target!r} is not an attribute")
        for key in as_list(dimension.get("primaryKey", [])):
            if key not in attributes:
                errors.append(f"dimension {name}: primaryKey {key!r} is not an attribute")
    return errors


def sibling(location, name):
    """The file `name` in the descriptor's folder, as a path or a URL."""
    if location.startswith(("http://", "https://")):
        return urllib.parse.urljoin(location, name)
    return str(Path(location).with_name(name))


def read_text(location):
    if location.startswith(("http://", "https://")):
        with urllib.request.urlopen(location, timeout=30) as response:
            return response.read().decode("utf-8-sig")
    with open(location, encoding="utf-8-sig") as f:
        return f.read()


def long_sums(data_csv):
    """amount_eur of the long data.csv summed by (direction, phase), exactly."""
    sums = defaultdict(Decimal)
    for number, row in enumerate(csv.DictReader(io.StringIO(read_text(data_csv), newline="")), 2):
        try:
            sums[(row["direction"], row["phase"])] += Decimal(row["amount_eur"])
        except (KeyError, InvalidOperation) as error:
            raise ValueError(f"{data_csv}, line {number}: no amount_eur, direction and phase ({error})")
    return sums


def read_resource(package, name, errors):
    """The rows of a resource, cast by its schema; None (and errors) when it cannot be read."""
    resource = package.get_resource(name)
    if resource is None:
        errors.append(f"no resource {name!r}")
        return None
    try:
        return resource.read(keyed=True)
    except Exception as error:  # the loader's cast, key and I/O errors
        details = [str(e) for e in getattr(error, "errors", None) or []][:5]
        errors.append(f"resource {name} ({resource.source}): cannot be read: {error} {'; '.join(details)}".rstrip())
        return None


def default_aggregate(location, descriptor):
    """Each measure summed over every row of its resource, read by `datapackage`.

    Returns (totals by measure name, errors)."""
    import datapackage

    try:
        package = datapackage.Package(location)
    except Exception as error:  # a descriptor the loader cannot open
        return {}, [f"datapackage: cannot open the package: {error}"]
    errors = [f"datapackage: {error}" for error in package.errors]
    if errors or not package.resources:
        return {}, errors or ["datapackage: the package has no resource"]
    measures = descriptor["model"]["measures"]
    totals = {}
    tables = {}
    for name, measure in measures.items():
        resource_name = measure.get("resource", package.resources[0].name)
        if resource_name not in tables:
            tables[resource_name] = read_resource(package, resource_name, errors)
        rows = tables[resource_name]
        if rows is None:
            continue
        # Table Schema numbers are read as Decimal: the sum is exact.
        totals[name] = sum((row[measure["source"]] for row in rows if row[measure["source"]] is not None), Decimal(0))
    return totals, errors


def aggregate_errors(location, descriptor):
    """The default aggregate against the long data.csv; (errors, report lines)."""
    totals, errors = default_aggregate(location, descriptor)
    if errors:
        return errors, []
    data_csv = sibling(location, "data.csv")
    try:
        expected = long_sums(data_csv)
    except (OSError, ValueError) as error:
        return [f"{data_csv}: cannot be read: {error}"], []
    report = []
    covered = {}
    for name, measure in descriptor["model"]["measures"].items():
        direction, phase = measure.get("direction"), measure.get("phase")
        if direction is None or phase is None:
            errors.append(f"measure {name}: no direction or phase, so its total would add them up")
            continue
        if measure.get("currency") != "EUR":
            errors.append(f"measure {name}: currency {measure.get('currency')!r}, but amount_eur is EUR")
        if (direction, phase) in covered:
            errors.append(f"measures {covered[(direction, phase)]} and {name} are both {direction} {phase}")
        covered[(direction, phase)] = name
        long_total = expected.get((direction, phase), Decimal(0))
        if totals[name] != long_total:
            errors.append(
                f"measure {name}: default aggregate {totals[name]} EUR, but data.csv's {direction} "
                f"{phase} amount_eur add up to {long_total}"
            )
        report.append(f"  {name}: {totals[name]} EUR = data.csv {direction} {phase}")
    for (direction, phase), total in sorted(expected.items()):
        if (direction, phase) not in covered:
            errors.append(f"data.csv holds {direction} {phase} amounts ({total} EUR) that no measure has")
    return errors, report


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
    report = []
    if not errors:
        more, report = aggregate_errors(argv[1], descriptor)
        errors += more
    for error in errors:
        print(f"{argv[1]}: {error}")
    if errors:
        return 1
    print(f"{argv[1]}: valid Fiscal Data Package; each measure's default aggregate equals data.csv's:")
    for line in report:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
