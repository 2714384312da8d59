#!/usr/bin/env bash
# Performance budgets, measured rather than asserted: bundle sizes (scripts/sizes.sh), the
# time Chromium takes to generate the printable PDFs, and the server on each database engine.
# Needs the release build that scripts/test.sh makes (or: cargo leptos build --release --split
# && scripts/build-documents.sh && scripts/build-phone.sh).
#   Budgets: the letter's first click under 1 s, later clicks well under; the letter ≤ 200 KB;
#   under load, every page answered in full: 0 incomplete, 0 errors.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/sizes.sh
npx playwright test -c end2end/bench.config.ts

# The server, built for release, on SQLite and on PostgreSQL (a throwaway cluster on
# loopback), in this one run so the figures compare:
#  - order submits per second: 1,000 drafts, each submitted twice at once, 16 in flight
#    (server/tests/suite/submit_load.rs; it also checks one application per draft);
#  - server-rendered pages: 2,000 requests, 50 at a time, over every page as a visitor and as
#    a signed-in applicant (server/tests/suite/hammer.rs): p50, p99, errors, incomplete answers.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/cert-portal-bench-pg.XXXXXX")
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
export TEST_POSTGRES_URL
TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pg_dir")
declare -A submits p50 p99
for engine in sqlite postgres; do
  printf '\n\033[1m==> the server on %s\033[0m\n' "$engine"
  lines=$(TEST_ENGINE=$engine SUBMIT_LOAD=1000 HAMMER_REQUESTS=2000 timeout --kill-after=30s 30m \
    cargo test --release -p server --test suite -- --test-threads=1 --nocapture submit_load:: hammer:: 2>&1 |
    tee /dev/stderr | grep -E '^(submit|hammer): ')
  submits[$engine]=$(sed -n 's/^submit: .* \([0-9]*\) submits\/s$/\1/p' <<<"$lines")
  p50[$engine]=$(sed -n 's/^hammer: .* p50 \([0-9]*\) ms.*/\1/p' <<<"$lines")
  p99[$engine]=$(sed -n 's/^hammer: .* p99 \([0-9]*\) ms.*/\1/p' <<<"$lines")
done

printf '\n\033[1m==> the server on each engine (one run, same machine)\033[0m\n'
printf '%-28s %10s %12s %8s\n' '' SQLite PostgreSQL ratio
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }'; }
printf '%-28s %10s %12s %8s\n' 'order submits per second' "${submits[sqlite]}" "${submits[postgres]}" \
  "$(ratio "${submits[sqlite]}" "${submits[postgres]}")"
printf '%-28s %10s %12s %8s\n' 'page p50 (ms)' "${p50[sqlite]}" "${p50[postgres]}" \
  "$(ratio "${p50[sqlite]}" "${p50[postgres]}")"
printf '%-28s %10s %12s %8s\n' 'page p99 (ms)' "${p99[sqlite]}" "${p99[postgres]}" \
  "$(ratio "${p99[sqlite]}" "${p99[postgres]}")"
