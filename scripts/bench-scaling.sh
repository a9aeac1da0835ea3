#!/usr/bin/env bash
# How training time grows with corpus size and with vocabulary size (issue #5). One epoch per run.
#
# (a) corpus scaling: the corpus concatenated 1x, 2x, 4x; time should grow in proportion, so
#     "ratio" = time / (copies x time of 1x) should stay near 1.
# (b) vocabulary scaling: Zipf corpora (exponent 1) of the same length with 10k, 100k and 1M
#     distinct words (examples/zipf_corpus.rs), trained with --min-count 1 --sample 0. With
#     hierarchical softmax a prediction visits the target's Huffman path, so time per word
#     should grow like the frequency-weighted mean code length; "ratio" = (time per word / that
#     of the first vocabulary) / (mean code length / that of the first) shows what grows beyond
#     it (cache misses on bigger matrices). The code length and vocabulary size come from the
#     run's summary line (the tree training built).
#     --sample 0 because subsampling drops frequent words at rates that depend on the
#     vocabulary (w1 is 10 % of a 10k-word Zipf corpus, 7 % of a 1M-word one), which would
#     change both the words trained per corpus word and their code-length mix; without it every
#     token is a target and the weighted mean code length is the expected path per prediction.
#     Not every one of 1M candidate words occurs in 10M tokens: the table shows the vocabulary
#     actually trained.
#
# Seconds: "wall" is the whole command (reading, vocabulary, training, saving the model);
# "train" is training alone, from --loss-log's seconds column; each is the median of --runs.
# "words" are the words training walks (--loss-log's words column: the corpus after
# --min-count), and the per-million-word rates are per those words.
# A benchmark, not a test: at full size it takes many minutes. Needs the w2v binary and the
# zipf_corpus example (built here), bash and awk.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/bench-scaling.sh [options] [-- extra w2v train options, e.g. --cbow]
  --part corpus|vocab|both  which measurement (default: both)
  --corpus FILE      corpus for (a) (default: ../shared/data/bench-10m.txt; (a) is skipped
                     with a message when it is absent)
  --copies "LIST"    concatenation factors for (a) (default: "1 2 4")
  --tokens N         tokens per Zipf corpus for (b) (default: 10000000)
  --vocabs "LIST"    candidate vocabulary sizes for (b) (default: "10000 100000 1000000")
  --runs N           runs per row; the table shows medians (default: 1)
  --threads N        training threads (default: 2)
  --dim N            (default: 100)
  --tmp DIR          where corpora and models go (default: a fresh mktemp -d, removed at the
                     end; the 4x corpus is ~240 MB, a 1M-word model ~800 MB)
Every run: w2v train --dim 100 --window 5 --epochs 1 --threads 2 --seed RUN, plus
(a) --min-count 5 --sample 1e-3, (b) --min-count 1 --sample 0, plus the extra options
(default mode skip-gram + hierarchical softmax; (b)'s code length assumes HS is on).
USAGE
}

part=both
corpus=../shared/data/bench-10m.txt
copies="1 2 4"
tokens=10000000
vocabs="10000 100000 1000000"
runs=1; threads=2; dim=100; tmp=""; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --part) part=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --tokens) tokens=$2; shift 2 ;;
    --vocabs) vocabs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --dim) dim=$2; shift 2 ;;
    --tmp) tmp=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bench-scaling.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$part" in corpus|vocab|both) ;; *) echo "bench-scaling.sh: --part corpus|vocab|both" >&2; exit 2 ;; esac

cargo build --release --quiet
w2v=target/release/w2v
if [ -n "$tmp" ]; then
  mkdir -p "$tmp"; work=$(mktemp -d "$tmp/bench-scaling.XXXXXX")
else
  work=$(mktemp -d)
fi
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# run_training LABEL FILE ARGS...: one epoch, runs times; leaves medians in $wall, $train and the
# words trained (from the loss log) in $words.
run_training() {
  local label=$1 file=$2; shift 2
  : > "$work/wall"; : > "$work/train"
  for ((r = 1; r <= runs; r++)); do
    echo "  $label: run $r of $runs" >&2
    rm -f "$work/loss.csv"
    local start end
    start=$(date +%s.%N)
    "$w2v" train --input "$file" --output "$work/m.w2v" --dim "$dim" --window 5 --epochs 1 \
      --threads "$threads" --seed "$r" --loss-log "$work/loss.csv" "$@" "${extra[@]}" \
      2> "$work/log" || { cat "$work/log" >&2; exit 1; }
    end=$(date +%s.%N)
    rm -f "$work/m.w2v"
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >> "$work/wall"
    tail -n 1 "$work/loss.csv" | awk -F, '{print $5}' >> "$work/train"
  done
  wall=$(median < "$work/wall")
  train=$(median < "$work/train")
  words=$(tail -n 1 "$work/loss.csv" | awk -F, '{print $2}')
}

corpus_scaling() {
  echo "== (a) corpus scaling: $corpus, 1 epoch, ${runs} run(s) per row, extra options: ${extra[*]:-none}"
  if [ ! -s "$corpus" ]; then
    echo "skipped: corpus $corpus not found (it lives in ../shared/data/ beside the project)"
    return 0
  fi
  local rows=() base_wall="" base_train="" c f
  for c in $copies; do
    f="$work/corpus-x$c.txt"
    : > "$f"
    for ((k = 0; k < c; k++)); do cat "$corpus" >> "$f"; done
    run_training "x$c" "$f" --min-count 5 --sample 1e-3
    rm -f "$f"
    if [ -z "$base_wall" ]; then
      base_wall=$(awk -v t="$wall" -v c="$c" 'BEGIN {print t / c}')
      base_train=$(awk -v t="$train" -v c="$c" 'BEGIN {print t / c}')
    fi
    rows+=("$(awk -v c="$c" -v w="$words" -v wall="$wall" -v tr="$train" -v bw="$base_wall" -v bt="$base_train" \
      'BEGIN {printf "%6s %12d %9.2f %9.2f %11.3f %11.3f %10.3f %11.3f", c, w, wall, tr, wall / (w / 1e6), tr / (w / 1e6), wall / (c * bw), tr / (c * bt)}')")
  done
  printf '%6s %12s %9s %9s %11s %11s %10s %11s\n' copies words wall_s train_s wall_s/Mw train_s/Mw ratio_wall ratio_train
  printf '%s\n' "${rows[@]}"
}

vocab_scaling() {
  echo "== (b) vocabulary scaling: Zipf corpora of $tokens tokens, 1 epoch, ${runs} run(s) per row, extra options: ${extra[*]:-none}"
  cargo build --release --quiet --features internals --example zipf_corpus
  local rows=() base_rate="" base_len="" v f observed len
  for v in $vocabs; do
    f="$work/zipf-$v.txt"
    echo "  generating $f" >&2
    target/release/examples/zipf_corpus --vocab "$v" --tokens "$tokens" --seed 1 > "$f"
    run_training "V=$v" "$f" --min-count 1 --sample 0
    rm -f "$f"
    # From "trained ...: skip-gram + HS, N words, peak ..." and "... mean code length L".
    observed=$(sed -n 's/^trained .*, \([0-9]*\) words, peak .*/\1/p' "$work/log")
    len=$(sed -n 's/^hierarchical softmax: mean code length \([0-9.]*\)$/\1/p' "$work/log")
    local rate
    rate=$(awk -v t="$train" -v w="$words" 'BEGIN {print t / (w / 1e6)}')
    if [ -z "$base_rate" ]; then base_rate=$rate; base_len=$len; fi
    rows+=("$(awk -v v="$v" -v o="$observed" -v len="$len" -v wall="$wall" -v tr="$train" -v w="$words" -v rate="$rate" -v br="$base_rate" -v bl="$base_len" \
      'BEGIN {tg = rate / br; lg = len / bl; printf "%9s %9d %8.3f %9.2f %9.2f %11.3f %10.3f %10.3f %8.3f", v, o, len, wall, tr, rate, tg, lg, tg / lg}')")
  done
  printf '%9s %9s %8s %9s %9s %11s %10s %10s %8s\n' candidates V code_len wall_s train_s train_s/Mw time_grow len_grow ratio
  printf '%s\n' "${rows[@]}"
}

if [ "$part" != vocab ]; then corpus_scaling; fi
if [ "$part" = both ]; then echo; fi
if [ "$part" != corpus ]; then vocab_scaling; fi
