#!/usr/bin/env bash
# Footprint of evloop vs tokio for two small programs: a hello-world that spawns a task and
# sleeps, and a TCP echo server. For each: release binary size (stripped), clean release
# build time, and the number of crates compiled. Builds throwaway projects in a temp dir.
#
# Usage: scripts/footprint.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# name | Cargo dependency line | main.rs
make() {
    local name="$1" dep="$2" main="$3"
    mkdir -p "$WORK/$name/src"
    cat >"$WORK/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.1.0"
edition = "2021"

[dependencies]
$dep

[profile.release]
strip = true
TOML
    printf '%s\n' "$main" >"$WORK/$name/src/main.rs"
}

EVLOOP_CORE="evloop = { path = \"$ROOT\", default-features = false }"
EVLOOP_NET="evloop = { path = \"$ROOT\", default-features = false, features = [\"net\"] }"
TOKIO_HELLO='tokio = { version = "1", features = ["rt", "time"] }'
TOKIO_NET='tokio = { version = "1", features = ["rt", "time", "net", "io-util"] }'

make evloop-hello "$EVLOOP_CORE" '
fn main() {
    let out = evloop::run(async {
        let t = evloop::spawn(async {
            evloop::sleep(std::time::Duration::from_millis(10)).await;
            "hello"
        });
        t.await.unwrap()
    })
    .unwrap();
    println!("{out}");
}'

make tokio-hello "$TOKIO_HELLO" '
fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let out = rt.block_on(async {
        let t = tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            "hello"
        });
        t.await.unwrap()
    });
    println!("{out}");
}'

make evloop-echo "$EVLOOP_NET" '
use evloop::io::{AsyncReadExt, AsyncWriteExt};
fn main() {
    evloop::run(async {
        let listener = evloop::net::TcpListener::bind("127.0.0.1:7000").unwrap();
        loop {
            let (mut c, _) = listener.accept().await.unwrap();
            evloop::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = c.read(&mut buf).await {
                    if n == 0 || c.write_all(&buf[..n]).await.is_err() { break; }
                }
            });
        }
    })
    .unwrap();
}'

make tokio-echo "$TOKIO_NET" '
use tokio::io::{AsyncReadExt, AsyncWriteExt};
fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:7000").await.unwrap();
        loop {
            let (mut c, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = c.read(&mut buf).await {
                    if n == 0 || c.write_all(&buf[..n]).await.is_err() { break; }
                }
            });
        }
    });
}'

printf "| program | runtime | binary (stripped) | clean release build | crates compiled |\n"
printf "|---|---|---|---|---|\n"
for prog in hello echo; do
    for rt in evloop tokio; do
        dir="$WORK/$rt-$prog"
        (cd "$dir" && cargo fetch -q)
        start=$(date +%s.%N)
        crates=$(cd "$dir" && cargo build --release --offline 2>&1 | grep -c "Compiling")
        end=$(date +%s.%N)
        size=$(stat -c %s "$dir/target/release/$rt-$prog")
        printf "| %s | %s | %d KiB | %.1f s | %d |\n" "$prog" "$rt" $((size / 1024)) \
            "$(echo "$end - $start" | bc)" "$crates"
    done
done
