#!/usr/bin/env bash
# What `train --init` gives: ../shared/data/bench-10m.txt split by lines into halves (in a
# scratch folder, never in the repository); skip-gram + HS trained on half 1, then continued
# on half 2 with --init (the model's vocabulary, and with --update-vocab), against one run on
# the whole file from scratch. Prints each model's analogy accuracy (questions-words.txt,
# --restrict 30000), vocabulary size and training time. A benchmark, not a test.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: [THREADS=2] [SEED=1] [W2V=binary] [WORK=dir] [STEPS="half1 half2 keep grow whole"] scripts/bench-continue.sh
Reads ../shared/data/bench-10m.txt and questions-words.txt (skips if absent). Steps: half1
and half2 (train on the first or second half of the lines), keep (half 1's model with --init
on the second half), grow (the same with --update-vocab), whole (from scratch on the whole
file). WORK keeps the
halves and models there (reused by later runs: e.g. another binary's `grow` against the same
half-1 model); otherwise a temporary folder is removed at the end.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
data=../shared/data/bench-10m.txt
questions=../shared/data/questions-words.txt
for f in "$data" "$questions"; do
  if [ ! -f "$f" ]; then
    echo "bench-continue.sh: skipped: $f is not here (see ../shared/data/README.md)" >&2
    exit 0
  fi
done
threads=${THREADS:-2}
seed=${SEED:-1}
steps=${STEPS:-half1 half2 keep grow whole}
if [ -z "${W2V:-}" ]; then
  cargo build --release --quiet
  W2V=target/release/w2v
fi
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

# The halves, by lines (bench-10m is one paragraph a line).
if [ ! -s "$work/half2.txt" ]; then
  lines=$(wc -l < "$data")
  head -n $((lines / 2)) "$data" > "$work/half1.txt"
  tail -n +$((lines / 2 + 1)) "$data" > "$work/half2.txt"
fi
common=(--dim 100 --window 5 --min-count 5 --sample 1e-3 --epochs 5 --threads "$threads"
  --seed "$seed")

# Trains (arguments after the model name go to `w2v train`); prints "seconds words".
train() {
  local model=$1
  shift
  "$W2V" train --output "$work/$model" "$@" 2> "$work/log" || { cat "$work/log" >&2; exit 1; }
  sed -n 's/^trained .* in \([0-9.]*\) s .*: .*, \([0-9]*\) words.*/\1 \2/p' "$work/log"
}
# The analogy figures: total, semantic and syntactic accuracy (%), and the questions seen
# (all four words among the model's first 30000 rows).
evaluate() {
  "$W2V" eval "$work/$1" --analogies "$questions" --restrict 30000 > "$work/eval"
  awk '/^semantic/ {s = $2} /^syntactic/ {y = $2}
    /^total/ {t = $2; split($4, q, "/"); n = q[2]} END {print t, s, y, n}' "$work/eval"
}
row() {
  local name=$1 model=$2 trained=$3
  read -r seconds words <<< "$trained"
  read -r total semantic syntactic seen < <(evaluate "$model")
  printf '%-38s %6s %8s %9s %6s %6s %7s\n' "$name" "$total" "$semantic" "$syntactic" "$seen" \
    "$words" "$seconds"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
printf '%-38s %6s %8s %9s %6s %6s %7s\n' model total semantic syntactic seen words train_s
for step in $steps; do
  case $step in
    half1) row "half 1 from scratch" half1.w2v \
      "$(train half1.w2v --input "$work/half1.txt" "${common[@]}")" ;;
    half2) row "half 2 from scratch" half2.w2v \
      "$(train half2.w2v --input "$work/half2.txt" "${common[@]}")" ;;
    keep) row "half 1, --init on half 2" keep.w2v \
      "$(train keep.w2v --init "$work/half1.w2v" --input "$work/half2.txt" --threads "$threads")" ;;
    grow) row "half 1, --init --update-vocab half 2" grow.w2v \
      "$(train grow.w2v --init "$work/half1.w2v" --update-vocab --input "$work/half2.txt" \
        --threads "$threads")" ;;
    whole) row "whole file from scratch" whole.w2v \
      "$(train whole.w2v --input "$data" "${common[@]}")" ;;
    *) echo "bench-continue.sh: unknown step '$step'" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
