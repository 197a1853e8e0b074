#!/usr/bin/env bash
# Fuzzes the importer for a bounded time: bash fuzz/run.sh [SECONDS] (default 120).
# Needs cargo-fuzz (cargo install cargo-fuzz) and a nightly toolchain (rustup toolchain install nightly).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/import_file
cp -n ../tests/fixtures/*.csv ../tests/fixtures/*.xlsx ../tests/fixtures/*.ods corpus/import_file/ 2>/dev/null || true
cargo +nightly fuzz run import_file corpus/import_file -- -max_total_time="${1:-120}" -max_len=65536 -rss_limit_mb=2048
