#!/usr/bin/env bash
# Publishes every bundled dataset from its fixtures into a throw-away
# folder, then validates what partner networks read from each version:
# `frictionless validate` on every datapackage.json and
# fiscal-datapackage.json (each CSV against its Table Schema), and the OCDS
# release and record packages, Fiscal Data Package and Popolo file against
# their standards' official schemas, the copies kept in standards/schemas/
# (see its README.md); fdp.py also loads the Fiscal Data Package with the
# `datapackage` library and checks its totals against data.csv, and
# ocds_compile.py checks the record package against the Open Contracting
# Partnership's own compile (ocdskit).
#
# Usage: tools/validate/published.sh
#   VITRINA  the binary to use (default: target/debug/vitrina)
#   PYTHON   a Python with jsonschema, frictionless, datapackage and ocdskit
#            (default: python3); .ci/run makes one in target/python.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
vitrina="${VITRINA:-$repo/target/debug/vitrina}"
python="${PYTHON:-python3}"
frictionless="$(dirname "$python")/frictionless"
[ -x "$frictionless" ] || frictionless=frictionless

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/datasets" "$work/datasets"
cd "$work"

failures=0
check() {
    local what="$1"
    shift
    if "$@" >"$work/out.txt" 2>&1; then
        echo "  valid: $what"
    else
        echo "  INVALID: $what"
        sed 's/^/    /' "$work/out.txt" | head -40
        failures=$((failures + 1))
    fi
}

for dataset in datasets/*/; do
    id="$(basename "$dataset")"
    echo "== $id"
    "$vitrina" run "$id" >/dev/null 2>"$work/run.txt" || {
        echo "  the run failed:"
        sed 's/^/    /' "$work/run.txt"
        failures=$((failures + 1))
        continue
    }
    for version in data/exports/"$id"/*/; do
        check "$version datapackage.json" "$frictionless" validate "$version/datapackage.json"
        # The Fiscal Data Package's own table (fiscal.csv) against its schema.
        if [ -f "$version/fiscal-datapackage.json" ]; then
            check "$version fiscal-datapackage.json (table)" "$frictionless" validate "$version/fiscal-datapackage.json"
        fi
        for standard in ocds.json:ocds.py ocds-records.json:ocds.py fiscal-datapackage.json:fdp.py popolo.json:popolo.py; do
            file="${standard%%:*}"
            validator="${standard##*:}"
            if [ -f "$version/$file" ]; then
                check "$version $file" "$python" "$repo/tools/validate/$validator" "$version/$file"
            fi
        done
        if [ -f "$version/ocds.json" ] && [ -f "$version/ocds-records.json" ]; then
            check "$version records against ocdskit's compile" "$python" \
                "$repo/tools/validate/ocds_compile.py" "$version/ocds.json" "$version/ocds-records.json"
        fi
    done
done

if [ "$failures" -gt 0 ]; then
    echo "$failures published files are not valid"
    exit 1
fi
echo "every published file is valid"
