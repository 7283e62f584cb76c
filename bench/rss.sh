#!/usr/bin/env bash
# Peak memory of the host while a plugin streams rows.
#
# Runs the `rows` development plugin (12 procurement-like columns per row)
# through `vitrina run --output ndjson` in a throw-away installation and
# reports the peak resident memory of the process (from /usr/bin/time -v)
# and the rate. Usage: bench/rss.sh [ROWS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"

cargo build --release -p vitrina-cli --features vitrina-bundle/dev-plugins --quiet
bin="$PWD/target/release/vitrina"
plugin="$PWD/target/wasm-plugins/wasm32-wasip2/plugin/vitrina_plugin_rows.wasm"
[ -f "$plugin" ] || { echo "missing $plugin: cargo build builds it" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins" "$work/datasets/bench-rows"
cp "$plugin" "$work/plugins/rows.wasm"
cat > "$work/vitrina.toml" <<TOML
data_dir = "data"
datasets_dir = "datasets"
plugins_dir = "plugins"
TOML
cat > "$work/datasets/bench-rows/dataset.toml" <<TOML
title = "Generated rows"
description = "Benchmark rows"
plugin = "rows"
[config]
rows = "$rows"
TOML

# Warm the compiled-component cache so the figure is the streaming run's.
"$bin" --config "$work/vitrina.toml" run bench-rows --set rows=10 > /dev/null 2>&1

/usr/bin/time -v "$bin" --config "$work/vitrina.toml" run bench-rows --output ndjson \
    > /dev/null 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
summary=$(grep -E '^✓|^✗' "$work/time.txt" || true)
echo "rows:       $rows"
echo "wall:       $wall"
echo "peak RSS:   $((peak_kib / 1024)) MiB"
echo "run:        $summary"
