#!/usr/bin/env bash
# The measurements behind docs/hierarchical-softmax.md: skip-gram + HS on a corpus with the
# reference settings, for every tree (huffman, balanced, semantic) and optimizer (sgd, adagrad),
# with gradient diagnostics on; then the cost of the diagnostics (runs with and without,
# interleaved). The semantic tree is built from the vectors of the huffman-sgd run.
# Prints one table and leaves the CSVs and SVG charts in --out. A benchmark: it takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=../shared/data/bench-10m.txt
questions=../shared/data/questions-words.txt
out=hs-report
epochs=5
threads=2
overhead_runs=3
adagrad_alpha=
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --questions) questions=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --overhead-runs) overhead_runs=$2; shift 2 ;;
    --adagrad-alpha) adagrad_alpha=$2; shift 2 ;;
    -h|--help)
      echo "usage: scripts/hs-report.sh [--corpus F] [--questions F] [--out DIR] [--epochs N]"
      echo "       [--threads N] [--overhead-runs N (0 skips)] [--adagrad-alpha A]"
      exit 0 ;;
    *) echo "hs-report.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for f in "$corpus" "$questions"; do
  if [ ! -s "$f" ]; then
    echo "hs-report.sh: skipped: $f not found (it lives in ../shared/data/ beside the project)" >&2
    exit 0
  fi
done
cargo build --release --quiet
w2v=target/release/w2v
mkdir -p "$out"
settings=(--dim 100 --window 5 --min-count 5 --sample 1e-3 --threads "$threads")
base=("${settings[@]}" --epochs "$epochs")

# Prints the summary line's words/s and the mean code length line's figure:
# "<k words/s> <mean code length>".
summary_figures() {
  local kwps len
  kwps=$(sed -n 's/^trained .*(\([0-9]*\)k words\/s).*/\1/p' "$1")
  len=$(sed -n 's/^hierarchical softmax: mean code length \([0-9.]*\)$/\1/p' "$1")
  echo "$kwps $len"
}

printf '%-8s %-8s %10s %9s %9s %9s %9s %9s\n' tree optimizer "k words/s" "code len" \
  total "rank<=1k" "1k-10k" ">10k"
for tree in huffman balanced semantic; do
  for opt in sgd adagrad; do
    name=$tree-$opt
    extra=()
    if [ "$opt" = adagrad ] && [ -n "$adagrad_alpha" ]; then extra=(--alpha "$adagrad_alpha"); fi
    if [ "$tree" = semantic ]; then extra+=(--tree-from "$out/huffman-sgd.txt"); fi
    echo "+ $w2v train --input $corpus --output $out/$name.w2v ${base[*]} --tree $tree" \
      "--optimizer $opt ${extra[*]} --diagnostics $out/$name.csv" >&2
    "$w2v" train --input "$corpus" --output "$out/$name.w2v" "${base[@]}" --tree "$tree" \
      --optimizer "$opt" "${extra[@]}" --diagnostics "$out/$name.csv" 2> "$out/$name.log"
    "$w2v" plot-diagnostics "$out/$name.csv" --output "$out/$name.svg" \
      --title "skip-gram + HS, $tree tree, $opt: gradients by depth and frequency band"
    "$w2v" eval "$out/$name.w2v" --analogies "$questions" --restrict 30000 > "$out/$name.eval"
    read -r kwps codelen < <(summary_figures "$out/$name.log")
    pct() { grep -m1 "^$1" "$out/$name.eval" | sed 's/^.\{25\} *\([0-9.]*\) %.*/\1/'; }
    printf '%-8s %-8s %10s %9s %9s %9s %9s %9s\n' "$tree" "$opt" "$kwps" "$codelen" \
      "$(pct total)" "$(pct 'answer rank 1-1000')" "$(pct 'answer rank 1001-10000')" \
      "$(pct 'answer rank 10001')"
    if [ "$name" = huffman-sgd ]; then
      "$w2v" export "$out/$name.w2v" --format text --output "$out/$name.txt"
    fi
  done
done

if [ "$overhead_runs" -gt 0 ]; then
  echo
  echo "diagnostics cost: skip-gram + HS, 1 epoch, huffman, sgd; runs interleaved"
  on=(); off=()
  for i in $(seq "$overhead_runs"); do
    for mode in off on; do
      diag=()
      if [ "$mode" = on ]; then diag=(--diagnostics "$out/overhead.csv"); fi
      "$w2v" train --input "$corpus" --output "$out/overhead.w2v" "${settings[@]}" --epochs 1 \
        "${diag[@]}" 2> "$out/overhead.log"
      read -r kwps _ < <(summary_figures "$out/overhead.log")
      if [ "$mode" = on ]; then on+=("$kwps"); else off+=("$kwps"); fi
    done
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
  echo "k words/s without: ${off[*]} (median $m_off); with: ${on[*]} (median $m_on);" \
    "ratio $(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a / b}')"
fi
