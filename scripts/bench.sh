#!/usr/bin/env bash
# Performance budgets, measured rather than asserted: bundle sizes (scripts/sizes.sh) and the
# time Chromium takes to generate the printable PDFs. Needs the release build that
# scripts/test.sh makes (or: cargo leptos build --release --split && scripts/build-documents.sh &&
# scripts/build-phone.sh).
#   Budgets: the letter's first click under 1 s, later clicks well under; the letter ≤ 200 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/sizes.sh
npx playwright test -c end2end/bench.config.ts
