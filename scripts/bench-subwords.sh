#!/usr/bin/env bash
# Subword vectors, w2v against fastText (issue 13). A benchmark, not a test: it takes an hour.
#
#   scripts/bench-subwords.sh pairs [N]   N interleaved pairs (w2v, fastText, w2v, fastText...)
#                                         of skip-gram + NS 5 with n-grams of 3-6 characters:
#                                         wall time, peak RSS, analogy total/semantic/syntactic.
#   scripts/bench-subwords.sh buckets     w2v alone at several --buckets: rows kept, peak RSS,
#                                         model size and accuracy (the memory curve).
#
# Settings: ../shared/REFERENCE.md's fastText row: dim 100, window 5, sample 1e-3, min-count 5,
# 5 epochs, 2 threads, lr 0.025, neg 5, minn 3, maxn 6. Accuracy: `w2v eval --restrict 30000`
# (the in-vocabulary protocol), on w2v's model and on fastText's .bin alike (w2v reads it).
# fastText runs through its pip wheel, installed on first use (scripts/fasttext-python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/bench-subwords.sh pairs [N] | buckets   (see the comment at the top)"
}
case "${1:-pairs}" in
  -h|--help) usage; exit 0 ;;
  pairs|buckets) ;;
  *) usage >&2; exit 2 ;;
esac

data=${W2V_DATA:-../shared/data}
corpus=$data/bench-10m.txt
questions=$data/questions-words.txt
if [ ! -s "$corpus" ] || [ ! -s "$questions" ]; then
  echo "bench-subwords.sh: skipped: $corpus or $questions not found (../shared/data beside the project)" >&2
  exit 0
fi
what=${1:-pairs}
threads=${THREADS:-2}
cargo build --release --quiet
w2v=$PWD/target/release/w2v
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--dim 100 --window 5 --sample 1e-3 --min-count 5 --epochs 5 --threads "$threads"
        --negative 5 --alpha 0.025 --minn 3 --maxn 6)

# Prints "wall_seconds peak_rss_kb" of a command, its own output to $work/log.
timed() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/log" 2>&1 || {
    cat "$work/log" >&2; exit 1; }
  cat "$work/time"
}

# "total semantic syntactic" percentages of a model.
accuracy() {
  "$w2v" eval "$1" --analogies "$questions" --restrict 30000 |
    awk '$1=="total"{t=$2} $1=="semantic"{s=$2} $1=="syntactic"{y=$2} END{print t, s, y}'
}

. scripts/fasttext-python.sh

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

case "$what" in
pairs)
  n=${2:-3}
  py=$(fasttext_python)
  printf '%-9s %4s %9s %9s %8s %9s %9s\n' tool run wall_s rss_MB total semantic syntactic
  : > "$work/rows"
  for i in $(seq 1 "$n"); do
    read -r wall rss < <(timed "$w2v" train --input "$corpus" --output "$work/w2v.w2v" --quiet "${common[@]}" --seed "$i")
    read -r t s y < <(accuracy "$work/w2v.w2v")
    echo "w2v $i $wall $((rss / 1024)) $t $s $y" | tee -a "$work/rows" |
      awk '{printf "%-9s %4s %9s %9s %8s %9s %9s\n", $1,$2,$3,$4,$5,$6,$7}'
    read -r wall rss < <(timed "$py" scripts/fasttext-skipgram.py "$corpus" "$work/ft.bin" "$threads")
    read -r t s y < <(accuracy "$work/ft.bin")
    echo "fastText $i $wall $((rss / 1024)) $t $s $y" | tee -a "$work/rows" |
      awk '{printf "%-9s %4s %9s %9s %8s %9s %9s\n", $1,$2,$3,$4,$5,$6,$7}'
  done
  for tool in w2v fastText; do
    printf '%-9s %4s' "$tool" median
    for col in 3 4 5 6 7; do
      printf ' %9s' "$(awk -v t="$tool" -v c="$col" '$1==t{print $c}' "$work/rows" | median)"
    done
    echo
  done
  # The time ratio pair by pair: each pair ran close in time, so drift cancels within it.
  paste <(awk '$1=="w2v"{print $3}' "$work/rows") <(awk '$1=="fastText"{print $3}' "$work/rows") |
    awk '{print $1 / $2}' | median | xargs printf 'w2v/fastText wall time, median of pair ratios: %.3f\n'
  ;;
buckets)
  printf '%-10s %10s %9s %9s %8s %9s %9s\n' buckets rows rss_MB model_MB total semantic syntactic
  for b in ${BUCKETS:-2000000 1000000 500000 200000 100000 50000}; do
    read -r _ rss < <(timed "$w2v" train --input "$corpus" --output "$work/b.w2v" "${common[@]}" --buckets "$b")
    rows=$(grep -o '+ [0-9.]*[kM]* n-gram rows' "$work/log" | awk '{print $2}' || true)
    read -r t s y < <(accuracy "$work/b.w2v")
    printf '%-10s %10s %9s %9s %8s %9s %9s\n' "$b" "${rows:-?}" "$((rss / 1024))" \
      "$(( $(stat -c %s "$work/b.w2v") / 1048576 ))" "$t" "$s" "$y"
  done
  ;;
esac
