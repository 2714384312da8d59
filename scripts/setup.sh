#!/usr/bin/env bash
# Installs what building and testing need, only where it is missing, from package registries
# only (crates.io, npm, Debian). Safe to run again: a second run takes seconds.
#   scripts/setup.sh          tools to build and run the app
#   scripts/setup.sh --test   also Chromium for the end-to-end suite
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# The test runner (scripts/test.sh): a process per test, and a hung test stopped and named.
NEXTEST_VERSION=0.9.143
# Must equal the wasm-bindgen crate version pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "cargo: installing cargo-leptos $CARGO_LEPTOS_VERSION (10-20 minutes on 2 cores, once)"
  cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "cargo: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: the CLI's lockfile names a webpki-roots version the registry no longer serves.
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm's binaryen 132 gives cargo-leptos a working wasm-opt (Debian's 108 breaks hydration);
# cargo-leptos puts ./node_modules/.bin first on PATH by itself.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  say "npm: installing from package-lock.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.lock-hash
fi

if [ "${1:-}" = "--test" ]; then
  if ! cargo nextest --version >/dev/null 2>&1; then
    say "cargo: installing cargo-nextest $NEXTEST_VERSION (about 10 minutes on 2 cores, once)"
    cargo install --locked cargo-nextest --version "$NEXTEST_VERSION"
  fi
  # Playwright drives Debian's Chromium; it never downloads a browser of its own.
  # poppler-utils, qpdf and zbar-tools check the generated PDFs (text, structure, QR code);
  # zbar-tools also reads the handoff QR code off a screenshot. sqlite3 lets a test move a
  # handoff link's deadline into the past (time passing, without waiting ten minutes).
  # PostgreSQL 15: the server's tests run on it as well as on SQLite, in a throwaway cluster
  # that scripts/test.sh starts (scripts/postgres.sh); Debian's package puts its programs in
  # /usr/lib/postgresql/15/bin and psql on the PATH.
  apt_install chromium brotli fonts-noto-cjk poppler-utils qpdf zbar-tools sqlite3 postgresql-15
fi
