#!/usr/bin/env bash
# One pass of `w2v phrases` on ../shared/data/bench-10m.txt with word2phrase's
# -threshold 100 -min-count 5: wall time and peak memory (median of interleaved runs), and,
# given a word2phrase binary, the same for it and the Jaccard index of the two sets of joined
# pairs. Targets (issue #14): Jaccard >= 0.99, time <= 0.5x and memory <= 0.25x word2phrase's.
# A benchmark, not a test. This script does not build word2phrase.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: [WORD2PHRASE=/path/to/word2phrase] [ROUNDS=3] scripts/bench-phrases.sh
Reads ../shared/data/bench-10m.txt (skips if absent). With WORD2PHRASE set, runs it and
w2v in turn (A B A B ...), ROUNDS times each, and compares their joined pairs.
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
  echo "bench-phrases.sh: skipped: $data is not here (see ../shared/data/README.md)" >&2
  exit 0
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench-phrases.sh: skipped: needs GNU time at /usr/bin/time for peak memory" >&2
  exit 0
fi
rounds=${ROUNDS:-3}
w2p=${WORD2PHRASE:-}
if [ -n "$w2p" ] && [ ! -x "$w2p" ]; then
  echo "bench-phrases.sh: WORD2PHRASE=$w2p is not an executable" >&2
  exit 2
fi
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time; appends "seconds kilobytes" to $work/$1.times.
measure() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2> "$work/$name.log" ||
    { cat "$work/$name.log" >&2; exit 1; }
  cat "$work/time" >> "$work/$name.times"
}
run_w2v() {
  measure w2v target/release/w2v phrases --quiet --tokenizer whitespace --input "$data" \
    --output "$work/w2v.txt" --threshold 100 --min-count 5
}
run_w2p() {
  measure word2phrase "$w2p" -train "$data" -output "$work/word2phrase.txt" -threshold 100 \
    -min-count 5 -debug 0
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
for _ in $(seq "$rounds"); do
  [ -n "$w2p" ] && run_w2p
  run_w2v
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

report() {
  local name=$1
  local s mb
  s=$(cut -d' ' -f1 "$work/$name.times" | median)
  mb=$(cut -d' ' -f2 "$work/$name.times" | median | awk '{ printf "%.0f", $1 / 1024 }')
  echo "$name: median of $rounds: $s s, peak $mb MB (runs: $(tr '\n' ';' < "$work/$name.times"))"
}
report w2v
[ -z "$w2p" ] && { echo "(set WORD2PHRASE to compare with word2phrase)"; exit 0; }
report word2phrase

# Joined pairs: the distinct tokens with an underscore (bench-10m has none of its own).
pairs() { tr ' ' '\n' < "$1" | grep '_' | sort -u; }
pairs "$work/w2v.txt" > "$work/w2v.pairs"
pairs "$work/word2phrase.txt" > "$work/word2phrase.pairs"
both=$(comm -12 "$work/w2v.pairs" "$work/word2phrase.pairs" | wc -l)
only_w2v=$(comm -23 "$work/w2v.pairs" "$work/word2phrase.pairs" | wc -l)
only_w2p=$(comm -13 "$work/w2v.pairs" "$work/word2phrase.pairs" | wc -l)
echo "joined pairs: $both in both, $only_w2v only w2v, $only_w2p only word2phrase"
awk -v b="$both" -v x="$only_w2v" -v y="$only_w2p" \
  'BEGIN { printf "Jaccard %.4f (target >= 0.99)\n", b / (b + x + y) }'
# Ratios within each A B pair of runs (the load changes between pairs), then their median.
t=$(paste -d' ' "$work/w2v.times" "$work/word2phrase.times" | awk '{ print $1 / $3 }' | median)
m=$(paste -d' ' "$work/w2v.times" "$work/word2phrase.times" | awk '{ print $2 / $4 }' | median)
printf 'w2v / word2phrase: time %.2fx (target <= 0.5), memory %.3fx (target <= 0.25), median of %d pairs of runs\n' \
  "$t" "$m" "$rounds"
comm -23 "$work/w2v.pairs" "$work/word2phrase.pairs" | head -5 | sed 's/^/  only w2v: /'
comm -13 "$work/w2v.pairs" "$work/word2phrase.pairs" | head -5 | sed 's/^/  only word2phrase: /'
