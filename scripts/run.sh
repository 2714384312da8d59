#!/usr/bin/env bash
# Builds the release app and serves it on http://127.0.0.1:3000 (Ctrl-C stops it).
# Data (SQLite file, uploads) lives in ./data, created on first start. See README for settings.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo leptos build --release --split
# The PDF generator is a wasm module of its own, fetched only on the print step. After the
# app build, which empties target/site.
scripts/build-documents.sh
# The phone page's module (/m/...), kept apart from the desktop application.
scripts/build-phone.sh
# The stand-in providers (SMS outbox, sandbox cashier, simulated bank and identity checks) run
# only in the sandbox; every page then says 演示环境. A real deployment: see "Going to
# production" in the README.
SANDBOX="${SANDBOX:-on}" exec target/release/server
