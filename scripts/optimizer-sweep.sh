#!/usr/bin/env bash
# The runs behind the default learning rates of --optimizer rmsprop and adam (and RMSProp's
# decay): skip-gram on a slice of a corpus, one epoch, for each optimizer × output layer ×
# learning rate (RMSProp at rho 0.9), then RMSProp at rho 0.99 with the default rate,
# printing the final epoch loss, analogy total and seconds. A benchmark: it takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=../shared/data/bench-10m.txt
questions=../shared/data/questions-words.txt
bytes=12000000
threads=1
w2v=target/release/w2v
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --questions) questions=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    -h|--help)
      echo "usage: scripts/optimizer-sweep.sh [--corpus F] [--questions F] [--bytes N (slice)]"
      echo "       [--threads N] [--w2v BINARY]"
      exit 0 ;;
    *) echo "optimizer-sweep.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c "$bytes" "$corpus" > "$tmp/slice.txt"
printf '%-8s %-4s %-20s %8s %8s %6s\n' optimizer loss extra final-loss analogy secs
run() {
  local opt=$1 loss=$2; shift 2
  local start end
  start=$(date +%s.%N)
  "$w2v" train --input "$tmp/slice.txt" --output "$tmp/m.w2v" --threads "$threads" \
    --epochs 1 --seed 1 -q --optimizer "$opt" --loss "$loss" --loss-log "$tmp/loss.csv" "$@"
  end=$(date +%s.%N)
  local final analogy
  final=$(tail -1 "$tmp/loss.csv" | cut -d, -f3)
  analogy=$("$w2v" eval "$tmp/m.w2v" --analogies "$questions" 2>&1 | grep -iE 'total' | head -1 |
    grep -oE '[0-9]+\.[0-9]+ ?%' | head -1)
  printf '%-8s %-4s %-20s %8.4f %8s %6.1f\n' "$opt" "$loss" "$*" "$final" "$analogy" \
    "$(echo "$end - $start" | bc)"
}
for loss in hs ns; do
  run sgd "$loss"
  for a in 0.003 0.01 0.03; do
    run rmsprop "$loss" --alpha "$a" --rho 0.9
    run adam "$loss" --alpha "$a"
  done
  run rmsprop "$loss" --rho 0.99
done
