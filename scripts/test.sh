#!/usr/bin/env bash
# The whole test suite: format, lints, unit + integration tests, release build, and the
# Playwright suite in Debian's Chromium against that build. Installs what it needs first.
# Every stage that runs tests has a time cap, so a hang fails with a name instead of running
# until CI gives up; the time each stage took is printed at the end (also after a failure).
# The server's tests run twice, on SQLite and on PostgreSQL (a throwaway cluster this script
# starts on a free loopback port and stops at the end, scripts/postgres.sh), and the
# end-to-end journey runs once more against the release server on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

stages=()
stage=""
stage_started=0
finish_stage() {
  if [ -n "$stage" ]; then
    stages+=("$(printf '%6d s  %s' $(($(date +%s) - stage_started)) "$stage")")
  fi
  stage=""
}
step() {
  finish_stage
  stage="$*"
  stage_started=$(date +%s)
  printf '\n\033[1m==> %s\033[0m\n' "$*"
}
report() {
  local status=$?
  finish_stage
  printf '\n\033[1m==> stage times\033[0m\n'
  printf '%s\n' "${stages[@]}"
  [ "$status" -eq 0 ] || printf 'FAILED (exit status %d) in the last stage above\n' "$status"
}
pg_dir=""
finish() {
  local status=$?
  [ -n "$pg_dir" ] && scripts/postgres.sh stop "$pg_dir"
  (exit "$status")
  report
}
trap finish EXIT

# Runs "$@" for at most $1 minutes, then stops it (and its children) and fails.
capped() {
  local minutes=$1
  shift
  timeout --kill-after=30s "${minutes}m" "$@" || {
    local status=$?
    [ "$status" -eq 124 ] && echo "TIMED OUT after ${minutes} minutes: $*" >&2
    return "$status"
  }
}

# A clean build for one run: incremental caches would only fill the disk (CI's is small).
export CARGO_INCREMENTAL=0

step "set-up"
scripts/setup.sh --test

step "format"
cargo fmt --all --check

step "lint (server side, then the browser build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p phone --lib --target wasm32-unknown-unknown -- -D warnings

step "PostgreSQL for the tests"
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/cert-portal-pg.XXXXXX")
TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pg_dir")
# The repository tests run on both engines; without the cluster they would fail, not skip.
export TEST_POSTGRES_URL REQUIRE_POSTGRES=1

step "build the tests"
cargo nextest run --workspace --no-run

# cargo-nextest runs each test in a process of its own and stops one that hangs
# (.config/nextest.toml: 2 minutes a test, 30 for the run), naming it.
step "unit, property and integration tests (SQLite)"
cargo nextest run --workspace

step "server tests again, on PostgreSQL"
TEST_ENGINE=postgres cargo nextest run -p server

# nextest does not run doctests.
step "doctests"
capped 15 cargo test --workspace --doc

step "release build"
cargo leptos build --release --split
# After the app build, which empties target/site.
scripts/build-documents.sh
scripts/build-phone.sh

# Playwright has its own limits too (end2end/playwright.config.ts: 30 s a test, 25 minutes
# the run); this cap also covers its web server and browsers.
step "end-to-end in Chromium"
capped 30 npx playwright test -c end2end/playwright.config.ts

step "the applicant's journey again, on PostgreSQL"
E2E_DATABASE_URL=$(scripts/postgres.sh createdb "$pg_dir" e2e) \
  capped 10 npx playwright test -c end2end/playwright.config.ts --project=desktop \
  apply_certificate.spec.ts pay_order.spec.ts follow_order.spec.ts certificate_actions.spec.ts \
  change_certificate.spec.ts renew_certificate.spec.ts

step "sizes"
scripts/sizes.sh
