#!/usr/bin/env bash
# Load benchmark of the HTTP API (not run in CI).
#
# Generates a 200,000-row procurement-like dataset with the `rows` plugin,
# serves it with `vitrina serve` pinned to core 0, and drives it with wrk
# pinned to core 1 (32 connections, 15 s) for: a filtered page of 100 rows
# as JSON, a row by key (random keys), a full-text search combined with a
# filter (random words in Cyrillic and Latin, random thresholds, so no two
# requests share a cached answer), varied filtered pages (every request a
# new query), a conditional request answered 304, the full CSV download,
# and the citizens' side: the catalog page, the dataset page (in English)
# and a catalog search by a transliterated word. Then a stampede (32
# identical uncached requests at once against one alone), and the
# server's peak memory over the whole run. As ceilings measured in the same run: a hyper
# server answering a fixed body of the page's size, and nginx serving the
# same CSV file. Needs wrk and nginx (apt-get install wrk nginx-light).
#
# Usage: bench/load.sh [ROWS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-200000}"
secs="${2:-15}"
# Ports picked at random so a leftover process cannot collide.
port=$((20000 + RANDOM % 20000)); fixed_port=$((port + 1)); nginx_port=$((port + 2))

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -p vitrina-cli --features vitrina-bundle/dev-plugins --quiet
cargo build --release -p vitrina --example fixed_body --quiet
bin="$PWD/target/release/vitrina"
fixed="$PWD/target/release/examples/fixed_body"
plugin="$PWD/target/wasm-plugins/wasm32-wasip2/plugin/vitrina_plugin_rows.wasm"

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/plugins" "$work/datasets/bulk"
cp "$plugin" "$work/plugins/rows.wasm"
printf 'data_dir = "data"\ndatasets_dir = "datasets"\nplugins_dir = "plugins"\n' > "$work/vitrina.toml"
printf 'title = "Договори / Contracts"\ndescription = "Generated"\nplugin = "rows"\n[config]\nrows = "%s"\n' "$rows" > "$work/datasets/bulk/dataset.toml"

echo "== generating $rows rows"
"$bin" --config "$work/vitrina.toml" run bulk > /dev/null 2> "$work/run.log" || { cat "$work/run.log"; exit 1; }
tail -1 "$work/run.log"

VITRINA_LOG=warn taskset -c 0 "$bin" --config "$work/vitrina.toml" serve --listen "127.0.0.1:$port" --no-initial-runs 2> "$work/serve.log" &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$port/api/v1/datasets/bulk"
page="$base/rows?procedure=%D0%9E%D1%82%D0%BA%D1%80%D0%B8%D1%82%D0%B0%20%D0%BF%D1%80%D0%BE%D1%86%D0%B5%D0%B4%D1%83%D1%80%D0%B0&bids__gte=3&limit=100"
curl -sf "$page" -o "$work/page.json"
etag=$(curl -sfI "$page" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
csv="$(ls "$work"/data/exports/bulk/*/data.csv | head -1)"

taskset -c 0 "$fixed" "127.0.0.1:$fixed_port" "$work/page.json" &
pids+=($!)
if command -v nginx >/dev/null; then
    mkdir -p "$work/nginx/www"
    cp "$csv" "$work/nginx/www/data.csv"
    cat > "$work/nginx/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    server { listen 127.0.0.1:$nginx_port; root $work/nginx/www; }
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
}
NGINX
    taskset -c 0 nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
    pids+=($!)
fi
sleep 0.5

cat > "$work/keys.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format(nil, string.format("/api/v1/datasets/bulk/rows/ocds-b5fd17-%08d", math.random(0, $rows - 1)))
end
LUA

# Districts and kinds of work of the generated titles, in both scripts,
# each with a random filter and page size, so that no two requests are
# likely to share a cached answer. (The filter is on `bids`, which does
# not follow the key order: a filter that did would measure the walk to
# where its rows begin, not the search.)
python3 - "$rows" > "$work/search.lua" <<'PY'
from urllib.parse import quote
words = ["Изгрев", "Лазур", "sarafovo", "Ветрен", "училище", "veloaleya", "Зорница",
         "osvetlenie", "читалище", "Крайморие", "parkove zeleni", "ремонт тротоари",
         "Банево детска", "izgrev uchilishte", "горива"]
print("math.randomseed(7)")
print("local words = {" + ", ".join('"%s"' % quote(w) for w in words) + "}")
print("request = function()")
print("  local q = words[math.random(#words)]")
print('  return wrk.format(nil, "/api/v1/datasets/bulk/rows?q=" .. q .. "&bids__gte=" .. math.random(0, 6) .. "&limit=" .. math.random(10, 60))')
print("end")
PY

# Varied filtered pages, as real users make them: every request a new
# query (random thresholds, filters and page sizes), so the render cache
# rarely helps.
cat > "$work/varied.lua" <<'LUA'
math.randomseed(11)
request = function()
  local path = string.format(
    "/api/v1/datasets/bulk/rows?bids__gte=%d&contract_date__gte=2024-%02d-%02d&sort=-value&limit=%d",
    math.random(0, 6), math.random(1, 12), math.random(1, 28), math.random(50, 100))
  return wrk.format(nil, path)
end
LUA

# The server's peak memory since the last call, in MB; each call starts
# a new peak (writing 5 to clear_refs resets the high-water mark).
peak_rss() {
    awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"
    echo 5 > "/proc/$server_pid/clear_refs" 2>/dev/null || true
}

# What the server holds right after a case, in MB: its own (anonymous)
# memory, and the files it has mapped (the binary, a download being
# served: page cache, which the kernel may reclaim).
held_now() {
    awk '/RssAnon/ {a = $2} /RssFile/ {f = $2} END {printf "anon %.0f, files %.0f", a / 1024, f / 1024}' "/proc/$server_pid/status"
}

overall_peak=0
vitrina_pid=$server_pid
run() { # name, wrk args...
    local name="$1"; shift
    peak_rss > /dev/null
    taskset -c 1 wrk -t1 -d"${secs}s" --latency "$@" > "$work/$name.txt"
    local peak; peak=$(peak_rss)
    local held; held=$(held_now)
    if [ "$server_pid" = "$vitrina_pid" ] && [ "$peak" -gt "$overall_peak" ]; then overall_peak=$peak; fi
    local rps p99 transfer
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")
    p99=$(awk '$1=="99%" {print $2}' "$work/$name.txt")
    transfer=$(awk '/Transfer\/sec/ {print $2}' "$work/$name.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/$name.txt")
    printf '%-22s %12s req/s  p99 %-9s %10s/s  server peak %4s MB (%s)  %s\n' "$name" "$rps" "$p99" "$transfer" "$peak" "$held" "${non2xx:+non-2xx: $non2xx}"
    echo "$rps" > "$work/$name.rps"
}

echo "== results (server on core 0, wrk on core 1, ${secs}s each)"
run fixed_body_ceiling -c32 "http://127.0.0.1:$fixed_port/"
run filtered_page -c32 "$page"
run row_by_key -c32 -s "$work/keys.lua" "http://127.0.0.1:$port"
run full_text_search -c32 -s "$work/search.lua" "http://127.0.0.1:$port"
run varied_filtered_page -c32 -s "$work/varied.lua" "http://127.0.0.1:$port"
run catalog_page -c32 "http://127.0.0.1:$port/"
run dataset_page -c32 "http://127.0.0.1:$port/datasets/bulk?lang=en"
run catalog_search -c32 "http://127.0.0.1:$port/api/v1/datasets?q=dogovori"
run not_modified_304 -c32 -H "If-None-Match: $etag" "$page"
run csv_download -c4 "$base/versions/1/data.csv"
[ -f "$work/nginx/nginx.conf" ] && run nginx_csv_ceiling -c4 "http://127.0.0.1:$nginx_port/data.csv"

# Datasette beside Vitrina: the same rows (the CSV download, with types
# detected) in a table of their own, served by `datasette` pinned to the
# same core, with the same random queries in its URL form. Installed from PyPI into target/bench-python on first use; skipped
# when it cannot be.
datasette_cases() {
    local venv="$PWD/target/bench-python"
    if [ ! -x "$venv/bin/datasette" ]; then
        { python3 -m venv "$venv" && "$venv/bin/pip" install -q datasette==0.65.5 sqlite-utils; } \
            > "$work/pip.log" 2>&1 || { echo "datasette: cannot install it, skipped (see pip's log)"; return; }
    fi
    "$venv/bin/sqlite-utils" insert "$work/ds.db" contracts "$csv" --csv --pk ocid > /dev/null
    local ds_port=$((port + 3))
    taskset -c 0 "$venv/bin/datasette" serve "$work/ds.db" -p "$ds_port" > "$work/datasette.log" 2>&1 &
    local ds_pid=$!
    pids+=($ds_pid)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ds_port/-/versions.json" > /dev/null && break; sleep 0.2; done
    cat > "$work/varied_ds.lua" <<'LUA'
math.randomseed(11)
request = function()
  local path = string.format(
    "/ds/contracts.json?_shape=objects&bids__gte=%d&contract_date__gte=2024-%02d-%02d&_sort_desc=value&_size=%d",
    math.random(0, 6), math.random(1, 12), math.random(1, 28), math.random(50, 100))
  return wrk.format(nil, path)
end
LUA
    local ds_page="http://127.0.0.1:$ds_port/ds/contracts.json?_shape=objects&procedure=%D0%9E%D1%82%D0%BA%D1%80%D0%B8%D1%82%D0%B0%20%D0%BF%D1%80%D0%BE%D1%86%D0%B5%D0%B4%D1%83%D1%80%D0%B0&bids__gte=3&_size=100"
    local saved_pid=$server_pid
    server_pid=$ds_pid
    # Datasette answers these in about a second each here, so 32
    # connections would only queue past wrk's timeout: 4, and a timeout
    # of 30 s, so every answer counts.
    run datasette_filtered -c4 --timeout 30s "$ds_page"
    run datasette_varied -c4 --timeout 30s -s "$work/varied_ds.lua" "http://127.0.0.1:$ds_port"
    server_pid=$saved_pid
    kill "$ds_pid" 2>/dev/null || true
}
datasette_cases

# A stampede: 32 identical requests for a page nobody asked for before,
# all at once, against the same page's cost alone. With one render per
# key, they cost about one render.
stampede() {
    local alone="$base/rows?bids__gte=1&sort=-estimated_value&limit=99"
    local together="$base/rows?bids__gte=2&sort=-estimated_value&limit=99"
    local t0 t1 t2
    t0=$(date +%s.%N)
    curl -sf "$alone" -o /dev/null
    t1=$(date +%s.%N)
    local curls=()
    for _ in $(seq 32); do
        curl -sf "$together" -o /dev/null &
        curls+=($!)
    done
    wait "${curls[@]}"
    t2=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "stampede: one uncached page %.3f s; 32 identical at once %.3f s (%.2fx)\n", b - a, c - b, (c - b) / (b - a)}'
}
stampede
echo "server peak RSS over every case: $overall_peak MB (the stampede's: $(peak_rss) MB)"

ratio() { awk -v a="$(cat "$work/$1.rps")" -v b="$(cat "$work/$2.rps")" 'BEGIN {printf "%.3g", a / b}'; }
echo "== ratios"
echo "filtered page / fixed body:   $(ratio filtered_page fixed_body_ceiling)"
echo "row by key / fixed body:      $(ratio row_by_key fixed_body_ceiling)"
echo "full-text search / fixed body: $(ratio full_text_search fixed_body_ceiling)"
echo "varied filtered / fixed body: $(ratio varied_filtered_page fixed_body_ceiling)"
echo "catalog page / fixed body:    $(ratio catalog_page fixed_body_ceiling)"
echo "dataset page / fixed body:    $(ratio dataset_page fixed_body_ceiling)"
echo "catalog search / fixed body:  $(ratio catalog_search fixed_body_ceiling)"
echo "304 / fixed body:             $(ratio not_modified_304 fixed_body_ceiling)"
if [ -f "$work/datasette_varied.rps" ]; then
    echo "varied filtered, Vitrina / Datasette: $(ratio varied_filtered_page datasette_varied)"
    echo "filtered page, Vitrina / Datasette:   $(ratio filtered_page datasette_filtered)"
fi
[ -f "$work/nginx_csv_ceiling.rps" ] && echo "CSV download / nginx:         $(ratio csv_download nginx_csv_ceiling) (requests of the same file, so the byte rate ratio)"
echo "CSV size: $(stat -c %s "$csv") bytes"
