#!/usr/bin/env bash
# Performance budgets, measured rather than asserted: bundle sizes (scripts/sizes.sh), the
# time Chromium takes to generate the printable PDFs, and a load run that proves no page hangs.
# Needs the release build that scripts/test.sh makes (or: cargo leptos build --release --split
# && scripts/build-documents.sh && scripts/build-phone.sh).
#   Budgets: the letter's first click under 1 s, later clicks well under; the letter ≤ 200 KB;
#   under load, every page answered in full: 0 incomplete, 0 errors.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/sizes.sh
npx playwright test -c end2end/bench.config.ts

# 2,000 requests, 50 at a time, over every server-rendered page as a visitor and as a
# signed-in applicant, to a release build of the server on loopback (server/tests/hammer.rs).
# Prints count, p50, p99, the slowest, errors and incomplete answers.
HAMMER_REQUESTS=2000 timeout --kill-after=30s 30m \
  cargo test --release -p server --test hammer -- --nocapture
