#!/usr/bin/env python3
"""Writes the reference part of docs/profiles.md from the profiles themselves.

Usage: python3 tools/profiles_doc.py [--check]

Everything from the first `## \\`name\\`` heading on is generated: for each
profile in profiles/ (alphabetically), its title, description, primary key,
version and one table row per field (type, required, constraints, meaning).
The prose above that heading is kept as written. With --check, exits 1
when the file differs from what would be written (CI runs it), so the
document cannot drift from the contract it describes.
"""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "profiles.md"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def constraints(field):
    c = field.get("constraints", {})
    parts = []
    if "enum" in c:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    for key in ("minimum", "maximum", "minLength", "maxLength"):
        if key in c:
            parts.append(f"{key} {c[key]}")
    if "checksum" in field:
        parts.append(f"checksum `{field['checksum']}`")
    if field.get("mayBeFuture"):
        parts.append("may be in the future")
    return "; ".join(parts)


def section(profile):
    lines = [
        f"## `{profile['name']}`: {profile['title']}",
        "",
        profile["description"],
        "",
        "Primary key: " + ", ".join(f"`{k}`" for k in profile["primaryKey"])
        + f". Version {profile['version']}. Schema: `/api/v1/profiles/{profile['name']}`.",
        "",
        "| field | type | required | constraints | meaning |",
        "|---|---|---|---|---|",
    ]
    for field in profile["fields"]:
        required = "yes" if field.get("constraints", {}).get("required") else ""
        lines.append(
            f"| `{field['name']}` | {field['type']} | {required} | {cell(constraints(field))} | {cell(field.get('description', ''))} |"
        )
    return "\n".join(lines)


def main(argv):
    text = DOC.read_text(encoding="utf-8")
    profiles = sorted((REPO / "profiles").glob("*.json"))
    first = json.loads(profiles[0].read_text(encoding="utf-8"))["name"]
    head = text.split(f"## `{first}`:", 1)[0]
    sections = [section(json.loads(p.read_text(encoding="utf-8"))) for p in profiles]
    written = head + "\n\n".join(sections) + "\n"
    if "--check" in argv:
        if written != text:
            print("docs/profiles.md is stale: run python3 tools/profiles_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
