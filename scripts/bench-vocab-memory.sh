#!/usr/bin/env bash
# Peak memory while counting a corpus of 5 million distinct random tokens with --max-vocab 100000
# (issue target: under 200 MB). Generates the corpus itself; a benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
tokens=${1:-5000000}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Distinct tokens in a scrambled order, 1000 per line.
awk -v n="$tokens" 'BEGIN { for (i = 1; i <= n; i++) { printf "t%x%s", (i * 2654435761) % 4294967296, (i % 1000 ? " " : "\n") } }' > "$work/distinct.txt"
echo "corpus: $tokens distinct tokens, $(du -m "$work/distinct.txt" | cut -f1) MB" >&2
target/release/w2v train --input "$work/distinct.txt" --output "$work/m.w2v" --max-vocab 100000 \
  --min-count 1 --epochs 1 --dim 50 2> "$work/log"
grep -E "warning|trained" "$work/log" >&2
# The summary line ends "..., peak <memory> MB -> <model>".
peak=$(sed -n 's/^trained .*, peak \([0-9]*\) MB -> .*/\1/p' "$work/log")
verdict=$([ "$peak" -lt 200 ] && echo "under" || echo "OVER")
echo "peak memory ${peak} MB with --max-vocab 100000 ($verdict the 200 MB target)"
