#!/usr/bin/env bash
# Checks that the published API does what its OpenAPI description says:
# starts `vitrina serve` over the bundled demo datasets (collected from
# their fixtures into a throw-away folder) on a free loopback port, then
# runs schemathesis against /api/v1/openapi.json with every check, the
# admin API included: the server gets a token and schemathesis sends it
# (schemathesis.toml beside this script says why one check is off there;
# schemathesis_hooks.py, which answers only a dataset can judge).
# Then it validates the DCAT-AP catalog with pySHACL and the SEMIC shapes
# (tools/validate/dcat.py) and reads the CKAN Action API with the real
# ckanapi client (tools/validate/ckan.py). Any failure fails the script; the server is
# always stopped.
#
# Usage: tools/validate/api.sh [VITRINA [PYTHON]]
#   VITRINA  the binary to use (default: target/debug/vitrina)
#   PYTHON   a Python with schemathesis (default: python3); .ci/run makes
#            one in target/python.
#   ST_MAX_EXAMPLES  test cases per operation and phase (default: 100)
#   ST_SEED          the generator's seed (default: 20261203)
#
# The inputs are fixed (deterministic generation, a seed, one worker), so
# a failure in CI comes back with the same command. Only the stateful
# phase varies a little: it follows what the server answers (run ids).
# About a minute on two cores.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
vitrina="${1:-${VITRINA:-$repo/target/debug/vitrina}}"
python="${2:-${PYTHON:-python3}}"
max_examples="${ST_MAX_EXAMPLES:-100}"
seed="${ST_SEED:-20261203}"
# Absolute paths: schemathesis runs from the throw-away folder.
absolute() {
    case "$1" in
    */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
    *) command -v "$1" ;;
    esac
}
vitrina="$(absolute "$vitrina")"
python="$(absolute "$python")"
st="$(dirname "$python")/st"
[ -x "$st" ] || st="$(command -v st)"

work="$(mktemp -d)"
server=""
stop() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

cp -r "$repo/datasets" "$work/datasets"
cat >"$work/vitrina.toml" <<'EOF'
data_dir = "data"
datasets_dir = "datasets"
[operator]
name = "Vitrina API check"
contact = "tools/validate/api.sh"
EOF
# The admin API is on only with a token; this one lives as long as the run.
token="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

echo "== vitrina serve over the demo datasets"
# Port 0: the kernel picks a free port, and the server names it.
VITRINA_ADMIN_TOKEN="$token" VITRINA_LOG=warn \
    "$vitrina" --config "$work/vitrina.toml" serve --listen 127.0.0.1:0 --no-schedule \
    >"$work/serve.out" 2>"$work/serve.log" &
server=$!
url=""
for _ in $(seq 1 600); do
    url="$(sed -n 's|^Vitrina is serving .* on \(http://[^/]*\)/api/v1/datasets$|\1|p' "$work/serve.log")"
    [ -n "$url" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "vitrina serve stopped before serving:" >&2
        cat "$work/serve.log" >&2
        exit 1
    fi
    sleep 0.5
done
if [ -z "$url" ]; then
    echo "vitrina serve did not start serving within 5 minutes:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
for _ in $(seq 1 100); do
    "$python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "$url/healthz" 2>/dev/null && break
    sleep 0.2
done
echo "serving on $url"

echo "== schemathesis $("$st" --version | sed 's/.*version //') against $url/api/v1/openapi.json"
started=$SECONDS
status=0
# From the throw-away folder: schemathesis keeps a cache where it runs.
cd "$work"
SCHEMATHESIS_HOOKS="$repo/tools/validate/schemathesis_hooks.py" \
    "$st" --config-file "$repo/tools/validate/schemathesis.toml" run "$url/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --seed "$seed" --generation-deterministic \
    --max-examples "$max_examples" \
    --workers 1 \
    --no-color || status=$?
echo "schemathesis took $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
    echo "the API does not match its OpenAPI description (schemathesis exited $status)" >&2
    echo "server log (last 40 lines):" >&2
    tail -40 "$work/serve.log" >&2
    exit 1
fi
echo "the API matches its OpenAPI description"

echo "== pySHACL with the DCAT-AP 3.0.1 shapes against $url/catalog"
"$python" "$repo/tools/validate/dcat.py" "$url" || {
    echo "the DCAT-AP catalog violates the SEMIC shapes" >&2
    exit 1
}

echo "== ckanapi against $url/api/3/action/"
"$python" "$repo/tools/validate/ckan.py" "$url" || {
    echo "the CKAN Action API does not answer as ckanapi expects" >&2
    tail -40 "$work/serve.log" >&2
    exit 1
}
