#!/usr/bin/env bash
# Prints what users download and what operators deploy, from the last release build
# (`cargo leptos build --release --split`): the start of the performance budget.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=target/site/pkg
server=target/release/server
for f in "$pkg/cert-portal.wasm" "$pkg/cert-portal.js" "$pkg/cert-portal.css" "$server"; do
  [ -f "$f" ] || { echo "missing $f: run 'cargo leptos build --release --split' first" >&2; exit 1; }
done

kib() { awk -v b="$1" 'BEGIN { printf "%8.1f KiB", b / 1024 }'; }

row() {
  local file=$1
  local raw gz br
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  br=$(brotli -q 11 -c "$file" | wc -c)
  printf '%-44s raw %s   gzip %s   brotli %s\n' "$(basename "$file")" "$(kib "$raw")" "$(kib "$gz")" "$(kib "$br")"
}

echo "Browser bundle ($pkg), loaded by every page:"
row "$pkg/cert-portal.wasm"
row "$pkg/cert-portal.js"
row "$pkg/cert-portal.css"

# Chunks split off by `cargo leptos build --split`, fetched only by the routes that need them.
shopt -s nullglob
chunks=("$pkg"/split_*.wasm)
if [ ${#chunks[@]} -gt 0 ]; then
  echo
  echo "Lazy chunks:"
  for chunk in "${chunks[@]}"; do row "$chunk"; done
fi

if [ -f target/site/print/documents_bg.wasm ]; then
  echo
  echo "PDF generator (scripts/build-documents.sh), fetched on the first print:"
  row target/site/print/documents_bg.wasm
  row target/site/print/documents.js
fi

if [ -f target/site/phone/phone_bg.wasm ]; then
  echo
  echo "Phone page module (scripts/build-phone.sh), all that /m/... loads besides the CSS:"
  row target/site/phone/phone_bg.wasm
  row target/site/phone/phone.js
fi

stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
strip -o "$stripped" "$server"
printf '\nServer binary: %s (%s stripped)\n' "$(kib "$(stat -c %s "$server")" | xargs)" "$(kib "$(stat -c %s "$stripped")" | xargs)"
