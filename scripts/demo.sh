#!/usr/bin/env bash
# Trains on the fetched data and evaluates: the quick start's second half.
# Uses text8 when scripts/fetch-data.sh could get it, else the small Lee corpus (a few seconds,
# too small for good analogy scores, but every step runs).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/demo.sh
Fetches the data if needed (scripts/fetch-data.sh), builds w2v in release mode, trains
skip-gram + hierarchical softmax on text8 (or on the small Lee corpus when text8 could not be
fetched), then evaluates analogies and similarity, lists neighbours and exports the vectors.
Writes data/demo.w2v and data/demo.vec.txt.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "demo.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
data=data/downloads
[ -s "$data/questions-words.txt" ] || bash scripts/fetch-data.sh
echo "== building w2v (release; the first build takes a minute or two)"
cargo build --release
w2v=target/release/w2v
if [ -s "$data/text8" ]; then
  corpus=$data/text8; extra=()
else
  corpus=$data/lee_background.cor; extra=(--min-count 2 --epochs 20)
  cat <<'NOTE'
== NOTE: text8 was not downloaded, so this demo trains on the Lee corpus: about 60,000 words.
   That is enough to see every step run, but far too little text for word vectors to mean
   much: its analogy and similarity scores below say nothing about w2v. For real scores, get
   text8 (17 million words of Wikipedia, a 31 MB download) and run the demo again:
     bash scripts/fetch-data.sh      # fetches http://mattmahoney.net/dc/text8.zip when reachable
   or download that zip yourself and unzip it to data/downloads/text8.
NOTE
fi
model=data/demo.w2v
echo "== training skip-gram + hierarchical softmax on $corpus"
"$w2v" train --input "$corpus" --output "$model" --lowercase "${extra[@]}"
echo "== analogies and word-pair similarity (WordSim-353)"
"$w2v" eval "$model" --analogies "$data/questions-words.txt" --restrict 30000 \
  --similarity "$data/wordsim353.tsv"
echo "== nearest neighbours of 'government'"
"$w2v" similar "$model" government -k 5
echo "== man is to king as woman is to ?"
"$w2v" analogy "$model" man king woman -k 5 || true
echo "== the vector of 'government' (first 80 characters)"
"$w2v" vector "$model" government | cut -c 1-80
echo "== export to word2vec text format"
"$w2v" export "$model" --format text --output data/demo.vec.txt
head -c 200 data/demo.vec.txt; echo " ..."
