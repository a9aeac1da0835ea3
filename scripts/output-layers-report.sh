#!/usr/bin/env bash
# The measurements behind docs/output-layers.md. Two parts:
#   table       skip-gram with the reference settings on bench-10m, for every output layer ×
#               optimizer (× tree for hierarchical softmax) that makes sense, plus L2: analogy
#               total, answers ranked above 10,000, words/s, peak memory, mean code length;
#               HS runs also write gradient diagnostics and their chart.
#   instructions  what each layer × optimizer costs per word, counted by callgrind (1 thread,
#               1 epoch, the first 600 kB of the corpus): counts do not drift with the load
#               of a shared machine the way wall times do.
#   likelihood  CBOW on a slice small enough for the exact softmax (about 1M words, every 20th
#               line held out, min-count 10): held-out log-likelihood of every layer, the
#               softmax being the objective the others approximate.
# Rows print as they finish and are appended to --out's table.csv / likelihood.csv (draw them
# with `w2v plot bars`); logs, models and charts stay in --out. A benchmark: it takes hours
# for `table`, tens of minutes for `likelihood`. `--only REGEX` runs the rows whose name matches.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=../shared/data/bench-10m.txt
questions=../shared/data/questions-words.txt
out=output-layers-report
threads=2
epochs=5
slice_epochs=3
only=.
w2v=
part=
while [ $# -gt 0 ]; do
  case "$1" in
    table|likelihood|instructions) part=$1; shift ;;
    --corpus) corpus=$2; shift 2 ;;
    --questions) questions=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --slice-epochs) slice_epochs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    -h|--help)
      echo "usage: scripts/output-layers-report.sh table|likelihood|instructions [--corpus F]"
      echo "       [--questions F]"
      echo "       [--out DIR] [--threads N] [--epochs N] [--slice-epochs N] [--only REGEX]"
      echo "       [--w2v BINARY (default: cargo build --release)]"
      exit 0 ;;
    *) echo "output-layers-report.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$part" ]; then
  echo "output-layers-report.sh: say which part: table, likelihood or instructions (see --help)" >&2
  exit 2
fi
for f in "$corpus" "$questions"; do
  if [ ! -s "$f" ]; then
    echo "output-layers-report.sh: skipped: $f not found (it lives in ../shared/data/ beside" \
      "the project)" >&2
    exit 0
  fi
done
if [ -z "$w2v" ]; then
  cargo build --release --quiet
  w2v=target/release/w2v
fi
mkdir -p "$out"
has_semantic=no
if "$w2v" train --help | grep -q semantic; then has_semantic=yes; fi

# "<k words/s> <peak MB> <seconds>" from a training log's summary line, and the mean code
# length ("-" without a tree).
summary_figures() {
  local line kwps peak secs len
  line=$(grep '^trained ' "$1" | tail -1)
  kwps=$(sed -n 's/.*(\([0-9.]*\)k words\/s).*/\1/p' <<< "$line")
  peak=$(sed -n 's/.*peak \([0-9.]*\) MB.*/\1/p' <<< "$line")
  secs=$(sed -n 's/^trained .* in \([0-9.]*\) s .*/\1/p' <<< "$line")
  len=$(sed -n 's/^hierarchical softmax: mean code length \([0-9.]*\)$/\1/p' "$1")
  echo "${kwps:--} ${peak:--} ${secs:--} ${len:--}"
}

# One row per line: name, then the training options that make it; the most telling first, so
# that a run cut short still has them.
table_rows() {
  local opt tree
  for opt in sgd adagrad rmsprop adam; do echo "hs-huffman-$opt --loss hs --optimizer $opt"; done
  for opt in sgd adagrad adam; do echo "hs-balanced-$opt --loss hs --tree balanced --optimizer $opt"; done
  if [ "$has_semantic" = yes ]; then
    for opt in sgd adagrad; do
      echo "hs-semantic-$opt --loss hs --tree semantic --tree-from $out/hs-huffman-sgd.vec --optimizer $opt"
    done
  fi
  echo "ns5-sgd --loss ns --negative 5 --optimizer sgd"
  echo "ns5-adam --loss ns --negative 5 --optimizer adam"
  echo "hs+ns5-sgd --loss hs+ns --negative 5 --optimizer sgd"
  echo "sampled64-sgd --loss sampled-softmax --negative 64 --optimizer sgd"
  echo "hs-huffman-sgd-l2e-7 --loss hs --optimizer sgd --l2 1e-7"
  echo "hs-huffman-sgd-l2e-6 --loss hs --optimizer sgd --l2 1e-6"
  echo "softmax-sgd --loss softmax --optimizer sgd"
  echo "hs-balanced-rmsprop --loss hs --tree balanced --optimizer rmsprop"
  if [ "$has_semantic" = yes ]; then
    for opt in rmsprop adam; do
      echo "hs-semantic-$opt --loss hs --tree semantic --tree-from $out/hs-huffman-sgd.vec --optimizer $opt"
    done
  fi
  echo "ns5-adagrad --loss ns --negative 5 --optimizer adagrad"
  echo "ns5-rmsprop --loss ns --negative 5 --optimizer rmsprop"
  echo "hs-huffman-adam-l2e-6 --loss hs --optimizer adam --l2 1e-6"
  echo "sampled64-adam --loss sampled-softmax --negative 64 --optimizer adam"
  echo "sampled64-adagrad --loss sampled-softmax --negative 64 --optimizer adagrad"
  echo "sampled64-rmsprop --loss sampled-softmax --negative 64 --optimizer rmsprop"
}

if [ "$part" = table ]; then
  base=(--dim 100 --window 5 --min-count 5 --sample 1e-3 --epochs "$epochs" --threads "$threads")
  printf '%-24s %9s %8s %8s %6s %7s %7s\n' run "k words/s" "peak MB" seconds "code" total ">10k"
  csv=$out/table.csv
  [ -s "$csv" ] || echo "run,k words/s,peak MB,seconds,code length,total,rank above 10k" > "$csv"
  table_rows | while read -r name opts; do
    [[ "$name" =~ $only ]] || continue
    read -ra extra <<< "$opts"
    diag=()
    if [[ "$name" == hs-* ]]; then diag=(--diagnostics "$out/$name.csv"); fi
    echo "+ $w2v train --input $corpus --output $out/$name.w2v ${base[*]} $opts" >&2
    if ! "$w2v" train --input "$corpus" --output "$out/$name.w2v" "${base[@]}" "${extra[@]}" \
      "${diag[@]}" 2> "$out/$name.log" < /dev/null; then
      printf '%-24s refused: %s\n' "$name" "$(tail -1 "$out/$name.log")"
      echo "$name,refused,,,,," >> "$csv"
      continue
    fi
    if [ "$name" = hs-huffman-sgd ]; then
      "$w2v" export "$out/$name.w2v" --format text --output "$out/$name.vec"
    fi
    if [ ${#diag[@]} -gt 0 ]; then
      "$w2v" plot diagnostics "$out/$name.csv" --output "$out/$name.svg" \
        --title "skip-gram, $name: HS gradients by depth and frequency band"
    fi
    "$w2v" eval "$out/$name.w2v" --analogies "$questions" --restrict 30000 > "$out/$name.eval"
    read -r kwps peak secs len < <(summary_figures "$out/$name.log")
    pct() { grep -m1 "^$1" "$out/$name.eval" | sed 's/^.\{25\} *\([0-9.]*\) %.*/\1/'; }
    total=$(pct total); far=$(pct 'answer rank 10001')
    printf '%-24s %9s %8s %8s %6s %7s %7s\n' "$name" "$kwps" "$peak" "$secs" "$len" "$total" "$far"
    echo "$name,$kwps,$peak,$secs,$len,$total,$far" >> "$csv"
  done
  exit 0
fi

if [ "$part" = instructions ]; then
  if ! command -v valgrind > /dev/null; then
    echo "output-layers-report.sh: skipped: valgrind not found (apt-get install valgrind)" >&2
    exit 0
  fi
  slice=$out/first-600k.txt
  head -c 600000 "$corpus" > "$slice"
  csv=$out/instructions.csv
  echo "run,instructions,words,instructions per word" > "$csv"
  printf '%-22s %15s %9s %10s\n' run instructions words "per word"
  while read -r name opts; do
    [[ "$name" =~ $only ]] || continue
    read -ra extra <<< "$opts"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$w2v" train --input "$slice" \
      --output "$out/insn.w2v" --threads 1 --epochs 1 --min-count 2 --seed 1 "${extra[@]}" \
      2> "$out/insn-$name.log" < /dev/null
    insn=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/insn-$name.log")
    words=$(sed -n 's/^trained \([0-9.]*k\) words.*/\1/p' "$out/insn-$name.log")
    per=$(awk -v i="$insn" -v w="${words%k}" 'BEGIN {printf "%.0f", i / (w * 1000)}')
    printf '%-22s %15s %9s %10s\n' "$name" "$insn" "$words" "$per"
    echo "$name,$insn,$words,$per" >> "$csv"
  done <<'ROWS'
hs-huffman-sgd --loss hs
hs-huffman-adagrad --loss hs --optimizer adagrad
hs-huffman-rmsprop --loss hs --optimizer rmsprop
hs-huffman-adam --loss hs --optimizer adam
hs-huffman-sgd-l2 --loss hs --l2 1e-6
hs-balanced-sgd --loss hs --tree balanced
ns5-sgd --loss ns --negative 5
ns5-adam --loss ns --negative 5 --optimizer adam
hs+ns5-sgd --loss hs+ns --negative 5
sampled64-sgd --loss sampled-softmax --negative 64
sampled64-adagrad --loss sampled-softmax --negative 64 --optimizer adagrad
sampled64-rmsprop --loss sampled-softmax --negative 64 --optimizer rmsprop
sampled64-adam --loss sampled-softmax --negative 64 --optimizer adam
ROWS
  exit 0
fi

# likelihood: the slice, then one CBOW model per layer scored on the held-out lines.
train_text=$out/slice-train.txt
held_text=$out/slice-held.txt
if [ ! -s "$held_text" ]; then
  head -n 38000 "$corpus" | awk -v t="$train_text" -v h="$held_text" \
    'NR % 20 == 0 { print > h; next } { print > t }'
fi
base=(--cbow --dim 100 --window 5 --min-count 10 --sample 1e-3 --epochs "$slice_epochs"
  --threads "$threads")
likelihood_rows() {
  echo "softmax-sgd --loss softmax"
  echo "hs-huffman-sgd --loss hs --tree huffman"
  echo "hs-balanced-sgd --loss hs --tree balanced"
  if [ "$has_semantic" = yes ]; then
    echo "hs-semantic-sgd --loss hs --tree semantic --tree-from $out/like-hs-huffman-sgd.vec"
    echo "hs-semantic-adagrad --loss hs --tree semantic --tree-from $out/like-hs-huffman-sgd.vec --optimizer adagrad"
  fi
  echo "hs-huffman-adagrad --loss hs --tree huffman --optimizer adagrad"
  echo "hs-balanced-adagrad --loss hs --tree balanced --optimizer adagrad"
  echo "hs-huffman-adam --loss hs --tree huffman --optimizer adam"
  echo "sampled8-sgd --loss sampled-softmax --negative 8"
  echo "sampled64-sgd --loss sampled-softmax --negative 64"
  echo "sampled64-adam --loss sampled-softmax --negative 64 --optimizer adam"
  echo "ns5-sgd --loss ns --negative 5"
  echo "ns64-sgd --loss ns --negative 64"
  echo "softmax-adam --loss softmax --optimizer adam"
}
# The floor every model must beat: each held-out word's frequency in the training slice, no
# context (the same words and predictions as CBOW's: sentences with two known words).
awk 'NR == FNR { for (i = 1; i <= NF; i++) n[$i]++; next }
  FNR == 1 { for (w in n) if (n[w] >= 10) { v++; total += n[w] } }
  { k = 0; for (i = 1; i <= NF; i++) if (n[$i] >= 10) k++
    if (k < 2) next
    for (i = 1; i <= NF; i++) if (n[$i] >= 10) { ll += log(n[$i] / total); p++ } }
  END { printf "baseline: %d words; uniform %.4f; unigram frequencies %.4f nats (perplexity %.1f) over %d predictions\n",
        v, -log(v), ll / p, exp(-ll / p), p }' "$train_text" "$held_text"
printf '%-22s %8s %9s %10s %10s\n' run seconds "k words/s" "mean ln P" perplexity
csv=$out/likelihood.csv
[ -s "$csv" ] || echo "run,seconds,k words/s,mean ln P,perplexity" > "$csv"
likelihood_rows | while read -r name opts; do
  [[ "$name" =~ $only ]] || continue
  read -ra extra <<< "$opts"
  model=$out/like-$name.w2v
  echo "+ $w2v train --input $train_text --output $model ${base[*]} $opts" >&2
  "$w2v" train --input "$train_text" --output "$model" "${base[@]}" "${extra[@]}" \
    2> "$out/like-$name.log" < /dev/null
  if [ "$name" = hs-huffman-sgd ]; then
    "$w2v" export "$model" --format text --output "$out/like-$name.vec"
  fi
  "$w2v" likelihood "$model" --input "$held_text" --json > "$out/like-$name.json"
  read -r kwps _ secs _ < <(summary_figures "$out/like-$name.log")
  mean=$(sed -n 's/.*"mean_log_likelihood":\([-0-9.e]*\).*/\1/p' "$out/like-$name.json")
  ppl=$(sed -n 's/.*"perplexity":\([-0-9.e]*\).*/\1/p' "$out/like-$name.json")
  printf '%-22s %8s %9s %10.4f %10.1f\n' "$name" "$secs" "$kwps" "$mean" "$ppl"
  echo "$name,$secs,$kwps,$mean,$ppl" >> "$csv"
done
