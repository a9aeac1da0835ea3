#!/usr/bin/env bash
# What --checkpoint-every costs: trains on ../shared/data/bench-10m.txt without checkpoints
# (A) and with --checkpoint-every 1 (B), in interleaved pairs A B A B ..., and prints each
# pair's training times (the summary's "in X s", which includes the checkpoints' saves), the
# medians and the median of the per-pair ratios B/A. Target (issue #14): a checkpoint costs
# < 2 % of training time, i.e. a ratio below 1.02. A benchmark, not a test.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: [PAIRS=3] [EPOCHS=5] [THREADS=2] scripts/bench-checkpoint.sh
Reads ../shared/data/bench-10m.txt (skips if absent); trains PAIRS times without and with
--checkpoint-every 1, interleaved, and prints the ratio of the median training times.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
data=../shared/data/bench-10m.txt
if [ ! -f "$data" ]; then
  echo "bench-checkpoint.sh: skipped: $data is not here (see ../shared/data/README.md)" >&2
  exit 0
fi
pairs=${PAIRS:-3}
epochs=${EPOCHS:-5}
threads=${THREADS:-2}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Trains once; prints the training seconds from the summary line, and with checkpoints the
# seconds spent saving them ("checkpoints: N saved in S s").
train() {
  target/release/w2v train --input "$data" --output "$work/model.w2v" --epochs "$epochs" \
    --threads "$threads" "$@" 2> "$work/log" || { cat "$work/log" >&2; exit 1; }
  sed -n 's/^trained .* in \([0-9.]*\) s .*/\1/p' "$work/log"
  sed -n 's/^checkpoints: [0-9]* saved in \([0-9.]*\) s$/\1/p' "$work/log"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
: > "$work/pairs"
for i in $(seq "$pairs"); do
  a=$(train)
  read -r b saving < <(train --checkpoint-every 1 | tr '\n' ' '; echo)
  [ -n "${saving:-}" ] || { echo "bench-checkpoint.sh: the run with checkpoints failed" >&2; exit 1; }
  echo "pair $i: without ${a} s, with --checkpoint-every 1 ${b} s (${saving} s of it saving)"
  echo "$a $b $saving" >> "$work/pairs"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
med_a=$(cut -d' ' -f1 "$work/pairs" | median)
med_b=$(cut -d' ' -f2 "$work/pairs" | median)
ratio=$(awk '{ print $2 / $1 }' "$work/pairs" | median)
share=$(awk '{ print 100 * $3 / $2 }' "$work/pairs" | median)
saves=$((epochs - 1))
echo "median training time: without ${med_a} s, with ${med_b} s (${saves} checkpoints)"
echo "median ratio with/without: ${ratio} (target < 1.02)"
echo "median share of training time spent saving checkpoints: ${share} %"
