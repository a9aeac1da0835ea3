#!/usr/bin/env bash
# Peak memory and speed of a corpus too large to keep in memory (issue 14, item 2): bench-10m
# concatenated 10 times, one epoch of CBOW + NS 5. A benchmark, not a test: it takes minutes.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/bench-memory.sh [options]
  --corpus FILE   the text to repeat       (default: ../shared/data/bench-10m.txt)
  --copies N      times it is repeated     (default: 10)
  --pairs N       interleaved speed pairs  (default: 3)
  --threads N     training threads         (default: 2)
Trains one epoch of CBOW + NS 5 (--cbow --no-hs --negative 5) on the corpus once (--min-count
5, default --spill auto: it stays in memory) and on the N-times copy (--min-count 5N, so the
vocabulary is the same), and prints:
  memory: peak RSS of the copy (spilled) against the corpus once (target: at most 1.2x);
  speed:  wall seconds and training words/s of the copy with --spill never (the in-memory path)
          and --spill always, run in pairs A B A B ..., medians (target: within 5 %).
Peak RSS is the summary's "peak" (VmHWM). Skipped, with a message, when the corpus is absent.
USAGE
}

corpus=../shared/data/bench-10m.txt
copies=10; pairs=3; threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-memory.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
if [ ! -s "$corpus" ]; then
  echo "bench-memory.sh: skipped: corpus $corpus not found (it lives in ../shared/data/ beside the project)" >&2
  exit 0
fi
cargo build --release --quiet
w2v=$PWD/target/release/w2v
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$copies"); do cat "$corpus"; done > "$work/big.txt"
echo "corpus: $corpus x $copies = $(du -m "$work/big.txt" | cut -f1) MB in $work;" \
  "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Runs one training; prints "wall_seconds words_per_sec peak_MB spill_MB" (spill_MB "-" when
# the corpus stayed in memory).
train() {
  local input=$1; shift
  local start end
  start=$(date +%s.%N)
  "$w2v" train --input "$input" --output "$work/m.w2v" --cbow --no-hs --negative 5 --epochs 1 \
    --threads "$threads" "$@" 2> "$work/log"
  end=$(date +%s.%N)
  local line
  line=$(grep '^trained ' "$work/log")
  echo "  $line" >&2
  # "trained N words[ (spilled, S MB on disk)] in T s (Rk words/s): ..., peak P MB -> ..."
  local rate peak spill
  rate=$(sed -n 's/.* s (\([0-9]*\)k words\/s).*/\1/p' <<< "$line")
  peak=$(sed -n 's/.*, peak \([0-9]*\) MB -> .*/\1/p' <<< "$line")
  spill=$(sed -n 's/.*(spilled, \([0-9]*\) MB on disk).*/\1/p' <<< "$line")
  echo "$(printf '%.1f' "$(echo "$end - $start" | bc)") $((rate * 1000)) $peak ${spill:--}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "once, in memory (--spill auto):" >&2
read -r _ _ once_peak _ < <(train "$corpus" --min-count 5)
: > "$work/a"; : > "$work/b"
for i in $(seq "$pairs"); do
  echo "pair $i: A --spill never, then B --spill always (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  train "$work/big.txt" --min-count $((5 * copies)) --spill never >> "$work/a"
  train "$work/big.txt" --min-count $((5 * copies)) --spill always --tmp-dir "$work" >> "$work/b"
done
col() { cut -d' ' -f"$1" "$2" | median; }
a_wall=$(col 1 "$work/a"); b_wall=$(col 1 "$work/b")
a_rate=$(col 2 "$work/a"); b_rate=$(col 2 "$work/b")
a_peak=$(col 3 "$work/a"); b_peak=$(col 3 "$work/b"); b_spill=$(col 4 "$work/b")

echo
echo "memory: peak ${b_peak} MB spilled ($copies copies; ${b_spill} MB on disk) vs ${once_peak} MB" \
  "once: $(echo "scale=2; $b_peak / $once_peak" | bc)x (target <= 1.2x);" \
  "in memory the copies peak at ${a_peak} MB"
echo "speed (medians of $pairs pairs): wall ${a_wall} s in memory, ${b_wall} s spilled" \
  "($(echo "scale=1; 100 * ($b_wall - $a_wall) / $a_wall" | bc) %);" \
  "training ${a_rate} vs ${b_rate} words/s ($(echo "scale=1; 100 * ($b_rate - $a_rate) / $a_rate" | bc) %)"
