#!/usr/bin/env bash
# Cross-checks w2v's fastText files against the real fastText (pip wheel fasttext-numpy2-wheel,
# 0.9.2) and gensim's load_facebook_model, both ways (issue 13). Not part of `cargo test`: it
# needs Python and the network the first time.
#   1. w2v trains small models (word-only, and with --minn/--maxn when w2v can train subwords),
#      exports them with `w2v export --format fasttext`, and fastText and gensim must give the
#      vectors `w2v vector` gives, in and out of the vocabulary, within 1e-5.
#   2. fastText trains a subword model; `w2v vector` on its .bin must give fastText's vectors,
#      and w2v's re-export of that .bin must load in fastText and gensim with the same vectors.
# Prints one line per check and exits non-zero if any disagrees.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${W2V_CROSSCHECK_VENV:-/tmp/w2v-crosscheck-venv}
work=
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help)
      echo "usage: scripts/crosscheck-fasttext.sh [--venv DIR (default /tmp/w2v-crosscheck-venv)]"
      echo "       [--work DIR (default: a fresh temporary folder)]"
      echo "Installs fasttext-numpy2-wheel and gensim into the venv if missing."
      exit 0 ;;
    *) echo "crosscheck-fasttext.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if ! "$venv/bin/python" -c 'import fasttext, gensim' 2>/dev/null; then
  echo "crosscheck-fasttext.sh: installing fasttext-numpy2-wheel and gensim into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet fasttext-numpy2-wheel gensim
fi

cargo build --quiet
w2v=${CARGO_TARGET_DIR:-target}/debug/w2v
if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/w2v-crosscheck.XXXXXX)
fi
mkdir -p "$work"
"$venv/bin/python" scripts/crosscheck-fasttext.py --w2v "$w2v" --work "$work"
