#!/usr/bin/env bash
# Soak test (not run in CI): the daemon with ten datasets on short
# schedules and wrk on the API, for MINUTES minutes (default 10). Samples
# the daemon's resident memory every 10 s and reports the first and last
# samples, the peak, wrk's totals and any non-2xx answers.
#
# Usage: bench/soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -p vitrina-cli --features vitrina-bundle/dev-plugins --quiet
bin="$PWD/target/release/vitrina"
plugin="$PWD/target/wasm-plugins/wasm32-wasip2/plugin/vitrina_plugin_rows.wasm"
port=$((20000 + RANDOM % 20000))

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/plugins"
cp "$plugin" "$work/plugins/rows.wasm"
printf 'data_dir = "data"\ndatasets_dir = "datasets"\nplugins_dir = "plugins"\n[schedule]\nmax_jitter_seconds = 2.0\n' > "$work/vitrina.toml"
for i in $(seq 1 10); do
    mkdir -p "$work/datasets/soak-$i"
    # Every 5-14 seconds: the first run publishes, the rest find nothing
    # new and are recorded as unchanged.
    printf 'title = "Soak %s"\ndescription = "Generated"\nplugin = "rows"\nschedule = "*/%s * * * * *"\ntimezone = "UTC"\n[config]\nrows = "%s"\n' \
        "$i" "$((4 + i))" "$((1000 * i))" > "$work/datasets/soak-$i/dataset.toml"
done

VITRINA_LOG=warn "$bin" --config "$work/vitrina.toml" serve --listen "127.0.0.1:$port" 2> "$work/serve.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done

cat > "$work/mix.lua" <<'LUA'
local paths = {
  "/api/v1/datasets",
  "/api/v1/datasets/soak-3/rows?limit=50",
  "/api/v1/datasets/soak-7/rows?bids__gte=3&sort=-value&limit=20",
  "/api/v1/datasets/soak-1/rows/ocds-b5fd17-00000042",
  "/api/v1/datasets/soak-5/latest/data.csv",
  "/api/v1/datasets/soak-2/changes",
  "/metrics",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end
LUA
wrk -t1 -c8 -d"${minutes}m" -s "$work/mix.lua" --latency "http://127.0.0.1:$port" > "$work/wrk.txt" &
wrk_pid=$!
pids+=("$wrk_pid")

# RSS counts the pages of memory-mapped download files the server has sent
# (file-backed, reclaimable) as well as its heap (anonymous): sample both,
# since only the heap growing would be a leak.
echo "seconds rss_mib anon_mib file_mib" > "$work/rss.txt"
start=$(date +%s)
while kill -0 "$wrk_pid" 2>/dev/null; do
    awk -v t="$(( $(date +%s) - start ))" '
        /^VmRSS/ {rss = int($2 / 1024)} /^RssAnon/ {anon = int($2 / 1024)} /^RssFile/ {file = int($2 / 1024)}
        END {print t, rss, anon, file}' "/proc/$daemon/status" >> "$work/rss.txt"
    sleep 10
done
wait "$wrk_pid" || true

echo "== memory (MiB, every 10 s)"
for column in 2:rss 3:anonymous 4:file-backed; do
    awk -v c="${column%%:*}" -v name="${column##*:}" '
        NR == 2 {first = $c} NR > 1 {last = $c; if ($c > peak) peak = $c}
        END {printf "%-12s first %s, last %s, peak %s\n", name, first, last, peak}' "$work/rss.txt"
done
echo "anonymous over time: $(awk 'NR > 1 && (NR - 2) % 6 == 0 {printf "%ss=%s ", $1, $3}' "$work/rss.txt")"
echo "== wrk"
grep -E "requests in|Requests/sec|Non-2xx|Socket errors|99%" "$work/wrk.txt" || true
echo "== runs"
"$bin" --config "$work/vitrina.toml" runs --limit 100000 | awk 'NR > 1 {count[$3]++} END {for (o in count) printf "%s %d\n", o, count[o]}'
