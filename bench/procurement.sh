#!/usr/bin/env bash
# End-to-end time and peak memory of the procurement plugin on a
# 1,000,000-row register export.
#
# Generates the export (bench/gen-procurement.py, deterministic) into a
# throw-away installation whose dataset reads it as file:///contracts.csv,
# then runs `vitrina run` once, publishing a version into SQLite as a
# scheduled run would, under /usr/bin/time -v. Reports rows emitted, wall
# time, rows per second and the peak resident memory of the process.
#
# Usage: bench/procurement.sh [ROWS]            (default 1000000)
# Env:   VITRINA=path/to/vitrina                (default target/release/vitrina)
#        PLUGIN=path/to/vitrina_plugin_procurement.wasm
#                                               (default: built with --profile plugin)
#        DRY_RUN=1 runs with --dry-run: collection and validation only,
#                  without the host writing the version and its downloads.
#        KEEP=1 keeps the installation and prints its path.
# Target on the 2-core reference machine: under 10 s and 300 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
target="${CARGO_TARGET_DIR:-$PWD/target}"

bin="${VITRINA:-$PWD/target/release/vitrina}"
[ -x "$bin" ] || { echo "no vitrina binary at $bin: cargo build --release, or set VITRINA" >&2; exit 1; }
plugin="${PLUGIN:-$target/wasm32-wasip2/plugin/vitrina_plugin_procurement.wasm}"
if [ -z "${PLUGIN:-}" ]; then
    cargo build --quiet -p vitrina-plugin-procurement --target wasm32-wasip2 --profile plugin
fi
[ -f "$plugin" ] || { echo "missing $plugin" >&2; exit 1; }

work="$(mktemp -d)"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
fixtures="$work/datasets/bench-procurement/fixtures"
mkdir -p "$work/plugins" "$fixtures"
cp "$plugin" "$work/plugins/procurement.wasm"
cat > "$work/vitrina.toml" <<TOML
data_dir = "data"
datasets_dir = "datasets"
plugins_dir = "plugins"
TOML
cat > "$work/datasets/bench-procurement/dataset.toml" <<TOML
title = "Generated register export"
description = "Benchmark: $rows contract rows"
plugin = "procurement"
profile = "procurement"

# A national export is larger than the default response cap; the run's
# other limits (10,000,000 rows, 4096 MiB of cells, 120 s of CPU) hold.
[fetch]
max_response_mib = 2048

[config]
buyer_eik = "000056814"
ocid_prefix = "ocds-bench1"
sources = "file:///contracts.csv"
TOML

start=$(date +%s)
python3 bench/gen-procurement.py "$rows" "$fixtures/contracts.csv"
echo "generated $(du -h "$fixtures/contracts.csv" | cut -f1) in $(( $(date +%s) - start )) s"

# Warm the compiled-component cache so the figure is the run's, not
# Cranelift's: a run against a one-line export.
mkdir -p "$work/datasets/warm/fixtures"
head -n 1 "$fixtures/contracts.csv" > "$work/datasets/warm/fixtures/contracts.csv"
sed -e 's/^title = .*/title = "warm"/' "$work/datasets/bench-procurement/dataset.toml" > "$work/datasets/warm/dataset.toml"
"$bin" --config "$work/vitrina.toml" run warm --dry-run > /dev/null 2>&1 || true

mode=()
if [ -n "${DRY_RUN:-}" ]; then mode=(--dry-run); fi
VITRINA_LOG="${VITRINA_LOG:-info,vitrina::store=debug}" \
    /usr/bin/time -v "$bin" --config "$work/vitrina.toml" run bench-procurement "${mode[@]}" \
    > "$work/run.txt" 2> "$work/time.txt" || { cat "$work/run.txt" "$work/time.txt" >&2; exit 1; }
peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
seconds=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
emitted=$(grep -oE '[0-9]+ rows \(contracts' "$work/run.txt" "$work/time.txt" | head -1 | grep -oE '^[^ ]*[0-9]+' | grep -oE '[0-9]+$' || echo 0)
summary=$(grep -hE '^✓|^✗' "$work/run.txt" "$work/time.txt" || true)
echo "mode:        ${mode[*]:-publish}"
echo "export rows: $rows"
echo "contracts:   $emitted"
echo "wall:        $wall"
echo "rows/s:      $(awk -v n="$rows" -v s="$seconds" 'BEGIN { printf "%d", n / s }') read, $(awk -v n="$emitted" -v s="$seconds" 'BEGIN { printf "%d", n / s }') emitted"
echo "peak RSS:    $((peak_kib / 1024)) MiB"
echo "run:         $summary"
# When readers had the version, and when its search index and standard
# files followed (the process's wall time above includes both).
live=$(grep -hoE 'version live.*seconds_since_start=[0-9.]+' "$work/time.txt" | grep -oE '[0-9.]+$' || true)
if [ -n "$live" ]; then echo "live after:  $(printf '%.2f' "$live") s"; fi
# Where a publish spends its time: the store's phases, and each file.
grep -hE 'version written|derived file written|downloads written|rows stored|rows indexed|version committed|staged rows keyed|after the version went live' "$work/time.txt" \
    | sed -E 's/^[^ ]+ +[A-Z]+ +[^ ]+ //; s/^/phase:       /' || true
if [ -n "${KEEP:-}" ]; then echo "kept:        $work"; fi
