#!/usr/bin/env bash
# Trains on the fetched data and evaluates: the quick start's second half.
# Uses text8 when scripts/fetch-data.sh could get it, else the small Lee corpus (a few seconds,
# too small for good analogy scores, but every step runs).
set -euo pipefail
cd "$(dirname "$0")/.."
data=data/downloads
[ -s "$data/questions-words.txt" ] || bash scripts/fetch-data.sh
cargo build --release --quiet
w2v=target/release/w2v
if [ -s "$data/text8" ]; then
  corpus=$data/text8; extra=()
else
  corpus=$data/lee_background.cor; extra=(--min-count 2 --epochs 20)
fi
model=data/demo.w2v
echo "== training skip-gram + hierarchical softmax on $corpus"
"$w2v" train --input "$corpus" --output "$model" --lowercase "${extra[@]}"
echo "== analogies (questions-words.txt, 30,000 most frequent words)"
"$w2v" eval "$model" --analogies "$data/questions-words.txt" --restrict 30000
echo "== word-pair similarity (WordSim-353)"
"$w2v" eval "$model" --similarity "$data/wordsim353.tsv"
echo "== nearest neighbours of 'government'"
"$w2v" similar "$model" government -k 5
echo "== export to word2vec text format"
"$w2v" export "$model" --format text --output data/demo.vec.txt
head -c 200 data/demo.vec.txt; echo " ..."
