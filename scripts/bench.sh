#!/usr/bin/env bash
# Trains every mode on a corpus with the reference settings and prints one table:
# mode, wall seconds, words/sec, peak RSS, analogy accuracy. Medians over --runs N.
# A benchmark, not a test: it takes minutes. Needs only the w2v binary (built here) and bash.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/bench.sh [options] [-- extra w2v train options]
  --corpus FILE      text to train on     (default: ../shared/data/bench-10m.txt)
  --questions FILE   analogy questions    (default: ../shared/data/questions-words.txt)
  --modes "LIST"     of sg_hs cbow_hs sg_ns cbow_ns sg_hsns cbow_hsns (default: "sg_hs cbow_hs sg_ns cbow_ns")
  --runs N           runs per mode; the table shows medians (default: 1)
  --threads N        training threads (default: 2)
  --epochs N         (default: 5)
Settings otherwise as in ../shared/REFERENCE.md: --dim 100 --window 5 --min-count 5 --sample 1e-3,
default alpha. words/sec = epochs x corpus words (wc -w) / wall seconds, as REFERENCE.md counts it.
USAGE
}

corpus=../shared/data/bench-10m.txt
questions=../shared/data/questions-words.txt
modes="sg_hs cbow_hs sg_ns cbow_ns"
runs=1; threads=2; epochs=5; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --questions) questions=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ ! -s "$corpus" ]; then
  echo "bench.sh: skipped: corpus $corpus not found (it lives in ../shared/data/ beside the project)" >&2
  exit 0
fi
cargo build --release --quiet
w2v=target/release/w2v
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
words=$(wc -w < "$corpus")

mode_args() {
  case "$1" in
    sg_hs) echo "" ;;
    cbow_hs) echo "--cbow" ;;
    sg_ns) echo "--no-hs --negative 5" ;;
    cbow_ns) echo "--cbow --no-hs --negative 5" ;;
    sg_hsns) echo "--loss hs+ns" ;;
    cbow_hsns) echo "--cbow --loss hs+ns" ;;
    *) echo "bench.sh: unknown mode $1" >&2; exit 2 ;;
  esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-10s %9s %12s %10s %10s %s\n' mode wall_s words/s peak_MB accuracy "wall_s_per_run"
for mode in $modes; do
  : > "$work/wall"; : > "$work/rss"; : > "$work/acc"
  for ((r = 1; r <= runs; r++)); do
    # shellcheck disable=SC2046
    start=$(date +%s.%N)
    "$w2v" train --input "$corpus" --output "$work/m.w2v" --threads "$threads" --epochs "$epochs" \
      --dim 100 --window 5 --min-count 5 --sample 1e-3 --seed "$r" $(mode_args "$mode") "${extra[@]}" \
      2> "$work/log" || { cat "$work/log" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >> "$work/wall"
    # The summary line ends "..., peak <memory> MB -> <model>".
    sed -n 's/^trained .*, peak \([0-9]*\) MB -> .*/\1/p' "$work/log" >> "$work/rss"
    if [ -s "$questions" ]; then
      "$w2v" eval "$work/m.w2v" --analogies "$questions" --restrict 30000 | tail -n 1 | awk '{print $2}' >> "$work/acc"
    fi
  done
  wall=$(median < "$work/wall")
  rss=$(sort -g "$work/rss" | tail -n 1)
  acc=$( [ -s "$work/acc" ] && median < "$work/acc" || echo n/a)
  wps=$(awk -v e="$epochs" -v w="$words" -v t="$wall" 'BEGIN {print e * w / t}')
  printf '%-10s %9.1f %12.0f %10s %9s%% %s\n' "$mode" "$wall" "$wps" "$rss" "$acc" "$(paste -sd, "$work/wall" | sed 's/\([0-9]*\.[0-9]\)[0-9]*/\1/g')"
done
