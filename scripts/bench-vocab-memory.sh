#!/usr/bin/env bash
# Peak memory while counting a corpus of 5 million distinct random tokens with --max-vocab 100000
# (issue target: under 200 MB). Generates the corpus itself; a benchmark, not a test.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/bench-vocab-memory.sh [TOKENS]
Generates a corpus of TOKENS distinct random tokens (default 5000000), trains one epoch with
--max-vocab 100000 and reports peak memory against the 200 MB target. A benchmark, not a test.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") tokens=5000000 ;;
  *[!0-9]*) echo "bench-vocab-memory.sh: TOKENS must be a number, not '$1'" >&2; usage >&2; exit 2 ;;
  *) tokens=$1 ;;
esac
cd "$(dirname "$0")/.."
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
