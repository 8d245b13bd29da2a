#!/usr/bin/env bash
# hyper on evloop vs hyper on tokio's current-thread runtime, measured by wrk on loopback.
# The same service (examples/hyper_server.rs) runs on each runtime in turn; wrk drives it
# with one thread and 50 connections. Installs wrk from Debian's packages if it is missing.
#
# Usage: bench/scripts/wrk_bench.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk..."
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

# evloop's server is the main crate's example (its adapters are evloop::compat::hyper);
# tokio's peer is the bench member's, with hyper-util's tokio adapters.
cargo build -q --release --features hyper --example hyper_server
cargo build -q --release -p evloop-bench --example hyper_server_tokio
EXAMPLES="${CARGO_TARGET_DIR:-target}/release/examples"

run() {
    local runtime="$1" port="$2"
    local bin="$EXAMPLES/hyper_server"
    [ "$runtime" = tokio ] && bin="$EXAMPLES/hyper_server_tokio"
    "$bin" --port "$port" >/dev/null &
    local pid=$!
    # Wait until it answers.
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
    wrk -t1 -c50 -d2s "http://127.0.0.1:$port/add?a=2&b=3" >/dev/null # warm-up
    local out
    out=$(wrk -t1 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$port/add?a=2&b=3")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    local rps avg p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    avg=$(awk '/^    Latency/ {print $2}' <<<"$out")
    p50=$(awk '/^     50%/ {print $2}' <<<"$out")
    p99=$(awk '/^     99%/ {print $2}' <<<"$out")
    printf "%-8s %12s req/s   latency avg %-9s p50 %-9s p99 %s\n" "$runtime" "$rps" "$avg" "$p50" "$p99"
    echo "$runtime $rps" >>"$RESULTS"
}

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
echo "wrk -t1 -c50 -d${DURATION}s GET /add?a=2&b=3 (hyper 1.x, HTTP/1.1 keep-alive)"
# A-B-B-A order, so that neither runtime always runs first (or last).
run evloop 18480
run tokio 18481
run tokio 18482
run evloop 18483
awk '{ sum[$1] += $2; n[$1]++ }
     END { e = sum["evloop"] / n["evloop"]; t = sum["tokio"] / n["tokio"];
           printf "mean: evloop %.0f req/s, tokio %.0f req/s, evloop/tokio %.3f\n", e, t, e / t }' "$RESULTS"
