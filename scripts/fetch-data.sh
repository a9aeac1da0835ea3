#!/usr/bin/env bash
# Fetches what a user needs to try w2v into data/downloads/ (git-ignored):
#  - the Google analogy set, WordSim-353, SimLex-999 and the Lee corpus, all shipped inside
#    gensim's wheel on PyPI (fetched with pip, which every machine here reaches);
#  - text8 (100 MB of Wikipedia, one line) from its usual address, when the network allows.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/fetch-data.sh
Fetches the evaluation sets and corpora a user needs into data/downloads/ (see data/README.md):
questions-words.txt, wordsim353.tsv, simlex999.txt and lee_background.cor from gensim's wheel
on PyPI, and text8 when its host is reachable. Files already there are kept.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "fetch-data.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
out=data/downloads
mkdir -p "$out"

need() { [ -s "$out/$1" ]; }

if ! need questions-words.txt || ! need wordsim353.tsv || ! need simlex999.txt || ! need lee_background.cor; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "fetching gensim's test data from PyPI ..." >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: gensim -d "$tmp" >&2
  wheel=$(ls "$tmp"/gensim-*.whl | head -n 1)
  python3 - "$wheel" "$out" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
names = ["questions-words.txt", "wordsim353.tsv", "simlex999.txt", "lee_background.cor"]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        data = z.read("gensim/test/test_data/" + name)
        tmp = os.path.join(out, "." + name + ".part")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(out, name))
        print(f"  {out}/{name} ({len(data)} bytes)", file=sys.stderr)
PY
fi

if ! need text8; then
  echo "fetching text8 (31 MB zip) ..." >&2
  if curl -fsSL --connect-timeout 10 --max-time 300 -o "$out/.text8.zip" http://mattmahoney.net/dc/text8.zip; then
    python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract('text8', sys.argv[2])" "$out/.text8.zip" "$out"
    rm -f "$out/.text8.zip"
    echo "  $out/text8" >&2
  else
    rm -f "$out/.text8.zip"
    echo "  text8 is not reachable from here; the demo will use the small Lee corpus instead" >&2
  fi
fi
echo "data ready in $out" >&2
