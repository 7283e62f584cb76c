#!/usr/bin/env bash
# The changes between two versions whose every row differs, streamed.
#
# Publishes ROWS generated contracts twice (the second run changes every
# row's value), starts `vitrina serve`, and then reads the changes from
# version 1 to 2: the whole NDJSON stream, and the first JSON page with
# the walk to its second. For each it reports the time, the bytes, and
# the server's heap during the request beside its heap before, so a flat
# line means the diff was never held whole. As a baseline from
# the same run: the full NDJSON download of version 2 (a file sent as it
# is) and its time.
#
# Usage: bench/changes.sh [ROWS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
port=$((20000 + RANDOM % 20000))

cargo build --release -p vitrina-cli --features vitrina-bundle/dev-plugins --quiet
bin="$PWD/target/release/vitrina"
plugin="$PWD/target/wasm-plugins/wasm32-wasip2/plugin/vitrina_plugin_rows.wasm"

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/plugins" "$work/datasets/bulk"
cp "$plugin" "$work/plugins/rows.wasm"
printf 'data_dir = "data"\ndatasets_dir = "datasets"\nplugins_dir = "plugins"\n' > "$work/vitrina.toml"
printf 'title = "Contracts"\ndescription = "Generated"\nplugin = "rows"\n[config]\nrows = "%s"\n' "$rows" \
    > "$work/datasets/bulk/dataset.toml"

echo "== publishing $rows rows twice, every row changed the second time"
"$bin" --config "$work/vitrina.toml" run bulk > /dev/null 2> "$work/run1.log" || { cat "$work/run1.log"; exit 1; }
"$bin" --config "$work/vitrina.toml" run bulk --set revision=1 > /dev/null 2> "$work/run2.log" || { cat "$work/run2.log"; exit 1; }
tail -1 "$work/run2.log"

VITRINA_LOG=warn "$bin" --config "$work/vitrina.toml" serve --listen "127.0.0.1:$port" --no-initial-runs \
    2> "$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
# Let the background compression of the new downloads finish, so the
# figures are the requests' own.
for _ in $(seq 600); do
    ls "$work"/data/exports/bulk/2-*/data.ndjson.br > /dev/null 2>&1 && break
    sleep 1
done
sleep 2

# The server's anonymous memory (its heap: what holding a diff would
# grow; mapped download files are page cache, not counted), in MB.
anon() { awk '$1 == "RssAnon:" {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }
# One request: its time, bytes, and the server's memory before it and at
# its highest during it (sampled every 20 ms).
measure() { # name, url
    local before peak=0 sample
    before=$(anon)
    curl -sf -o "$work/out" -w '%{time_total} %{size_download}\n' "$2" > "$work/curl.txt" &
    local curl_pid=$!
    while kill -0 "$curl_pid" 2> /dev/null; do
        sample=$(anon)
        [ "$sample" -gt "$peak" ] && peak=$sample
        sleep 0.02
    done
    wait "$curl_pid"
    read -r secs bytes < "$work/curl.txt"
    printf '%-24s %8.2f s %12s bytes   server heap before %4s MB, highest during %4s MB\n' \
        "$1" "$secs" "$bytes" "$before" "$peak"
}

base="http://127.0.0.1:$port/api/v1/datasets/bulk"
echo "== results"
measure "changes.ndjson (all)" "$base/changes.ndjson?from=1&to=2"
echo "   lines: $(wc -l < "$work/out")"
measure "download (baseline)" "$base/versions/2/data.ndjson"
measure "changes JSON page 1" "$base/changes?from=1&to=2&limit=1000"
next=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_url"])' "$work/out")
measure "changes JSON page 2" "$next"
