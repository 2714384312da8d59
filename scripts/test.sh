#!/usr/bin/env bash
# The whole test suite: format, lints, unit + integration tests, release build, and the
# Playwright suite in Debian's Chromium against that build. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

scripts/setup.sh --test

step "format"
cargo fmt --all --check

step "lint (server side, then the browser build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p phone --lib --target wasm32-unknown-unknown -- -D warnings

step "unit, property and integration tests"
cargo test --workspace

step "release build"
cargo leptos build --release --split
# After the app build, which empties target/site.
scripts/build-documents.sh
scripts/build-phone.sh

step "end-to-end in Chromium"
npx playwright test -c end2end/playwright.config.ts

step "sizes"
scripts/sizes.sh
