#!/usr/bin/env python3
"""Checks Vitrina's OCDS records against the Open Contracting Partnership's own merge.

Usage: python3 tools/validate/ocds_compile.py RELEASES.json RECORDS.json

Compiles the release package RELEASES.json with `ocdskit compile` (PyPI
`ocdskit`, which merges with `ocdsmerge` by the release schema's rules),
offline: the schema is the repository's copy of the 1.1.5 release schema.
Then checks that RECORDS.json, the record package Vitrina published for
the same version, has one record per ocid the compile produced, that each
record lists every release of its ocid oldest first, and that each
record's compiledRelease equals ocdskit's compiled release exactly. A
procurement whose lots overwrite each other in the merge (the same item
id for two lots, a lot's title in the tender's) shows here as a missing
lot or item.

Exits 0 when they agree, 1 naming every ocid that differs (and where), 2
when a file cannot be read or ocdskit cannot run.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "standards" / "schemas" / "ocds-1.1.5" / "release-schema.json"


def ocdskit():
    """The ocdskit beside this Python, else the one on the PATH."""
    beside = Path(sys.executable).parent / "ocdskit"
    return str(beside) if beside.exists() else "ocdskit"


def first_difference(ours, theirs, path=""):
    if type(ours) is not type(theirs):
        return f"{path or '/'}: {json.dumps(ours, ensure_ascii=False)[:120]} vs ocdskit {json.dumps(theirs, ensure_ascii=False)[:120]}"
    if isinstance(ours, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                return f"{path}/{key}: only in {'ours' if key in ours else 'ocdskit'}"
            found = first_difference(ours[key], theirs[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(ours, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items vs ocdskit {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found = first_difference(a, b, f"{path}/{i}")
            if found:
                return found
        return None
    return None if ours == theirs else f"{path}: {ours!r} vs ocdskit {theirs!r}"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        releases_text = Path(argv[1]).read_bytes()
        records = json.loads(Path(argv[2]).read_text(encoding="utf-8"))["records"]
        compiled = subprocess.run(
            [ocdskit(), "compile", "--schema", str(SCHEMA)],
            input=releases_text, capture_output=True, check=True,
        ).stdout.decode("utf-8")
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", b"") or b""
        print(f"cannot compile: {e} {detail.decode('utf-8', 'replace')[-400:]}", file=sys.stderr)
        return 2
    theirs = {}
    for line in compiled.splitlines():
        if line.strip():
            release = json.loads(line)
            theirs[release["ocid"]] = release
    ours = {record["ocid"]: record for record in records}
    release_ids = {}
    for release in json.loads(releases_text)["releases"]:
        release_ids.setdefault(release["ocid"], []).append(release["id"])
    errors = []
    for ocid in sorted(set(ours) | set(theirs)):
        if ocid not in ours or ocid not in theirs:
            errors.append(f"{ocid}: only in {'our records' if ocid in ours else 'the compile'}")
            continue
        record = ours[ocid]
        listed = [r["id"] for r in record["releases"]]
        if sorted(listed) != sorted(release_ids[ocid]):
            errors.append(f"{ocid}: the record lists {listed}, the package has {release_ids[ocid]}")
        dates = [r["date"] for r in record["releases"]]
        if dates != sorted(dates):
            errors.append(f"{ocid}: the record's releases are not oldest first")
        difference = first_difference(record["compiledRelease"], theirs[ocid])
        if difference:
            errors.append(f"{ocid}: compiledRelease differs at {difference}")
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} of {len(ours)} records differ from ocdskit's compile", file=sys.stderr)
        return 1
    print(f"every record agrees with ocdskit's compile: {len(ours)} procurements")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
