#!/usr/bin/env bash
# Out-of-vocabulary vectors, w2v against fastText (issue 13). A benchmark, not a test: on
# bench-10m it trains four models (about 25 minutes on 2 cores).
#
# Protocol. Take the vocabulary of the corpus at min-count 5; hold out 10 % of it, chosen by a
# hash of the word (md5, first byte mod 10 == 0) among the words below frequency rank 100 (the
# function words stay: without them the remaining text would no longer be English). Remove
# every token of a held-out word from the corpus. Train each tool twice with the same settings,
# on the full corpus and on the reduced one. A held-out word then has a learned vector in the
# full model, and in the reduced model only the vector its character n-grams give it. Scores
# per tool and frequency band of the held-out word (its count in the full corpus):
#   cos      mean cosine between the word's n-gram vector, mapped into the full model's space
#            by orthogonal Procrustes fitted on the 20,000 most frequent shared words, and its
#            learned vector in the full model;
#   r@1 r@10 how often the learned vector of the word itself is the nearest / among the 10
#            nearest of the mapped n-gram vector, among all words of the full model;
#   nn@10    alignment-free: the share of the word's 10 nearest neighbours in the full model
#            (learned vector) found among the 10 nearest of its n-gram vector in the reduced
#            model (neighbours: words of both vocabularies, the held-out ones excluded).
# Settings: as scripts/bench-subwords.sh (REFERENCE.md's fastText row, lr 0.025).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/bench-oov.sh [--lines N]   (N: use only the first N lines of the corpus,"
  echo "       for a quick run; see the comment at the top for the protocol)"
}
lines=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --lines) lines=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done

data=${W2V_DATA:-../shared/data}
corpus=$data/bench-10m.txt
if [ ! -s "$corpus" ]; then
  echo "bench-oov.sh: skipped: $corpus not found (../shared/data beside the project)" >&2
  exit 0
fi
threads=${THREADS:-2}
cargo build --release --quiet
w2v=$PWD/target/release/w2v
work=${W2V_OOV_WORK:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${W2V_OOV_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

. scripts/fasttext-python.sh
py=$(fasttext_python)

if [ -n "$lines" ]; then
  head -n "$lines" "$corpus" > "$work/full.txt"
else
  ln -sf "$(realpath "$corpus")" "$work/full.txt"
fi

# The held-out words, their counts, and the corpus without them.
"$py" - "$work/full.txt" "$work/reduced.txt" "$work/heldout.tsv" <<'PY'
import collections, hashlib, sys
full, reduced, heldout = sys.argv[1:]
counts = collections.Counter()
with open(full, encoding="utf-8") as f:
    for line in f:
        counts.update(line.split())
vocab = [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if c >= 5]
held = {w for w in vocab[100:] if hashlib.md5(w.encode()).digest()[0] % 10 == 0}
with open(heldout, "w", encoding="utf-8") as out:
    for w in vocab:
        if w in held:
            out.write(f"{w}\t{counts[w]}\n")
with open(full, encoding="utf-8") as f, open(reduced, "w", encoding="utf-8") as out:
    for line in f:
        out.write(" ".join(w for w in line.split() if w not in held) + "\n")
print(f"bench-oov.sh: {len(vocab)} words at min-count 5, {len(held)} held out", file=sys.stderr)
PY
cut -f1 "$work/heldout.tsv" > "$work/heldout.words"

common=(--dim 100 --window 5 --sample 1e-3 --min-count 5 --epochs 5 --threads "$threads"
        --negative 5 --alpha 0.025 --minn 3 --maxn 6 --seed 1)
for part in full reduced; do
  echo "bench-oov.sh: training w2v and fastText on the $part corpus" >&2
  "$w2v" train --input "$work/$part.txt" --output "$work/w2v-$part.w2v" --quiet "${common[@]}"
  "$py" scripts/fasttext-skipgram.py "$work/$part.txt" "$work/ft-$part.bin" "$threads"
done
for tool in w2v ft; do
  model=$work/$tool-full.w2v; [ "$tool" = ft ] && model=$work/ft-full.bin
  "$w2v" export "$model" --format text --output "$work/$tool-full.vec"
  model=$work/$tool-reduced.w2v; [ "$tool" = ft ] && model=$work/ft-reduced.bin
  "$w2v" export "$model" --format text --output "$work/$tool-reduced.vec"
  # Held-out words without a known n-gram are warned about and left out (counted below).
  "$w2v" vector "$model" < "$work/heldout.words" > "$work/$tool-oov.vec" 2> "$work/$tool-oov.err" || true
done

"$py" - "$work" <<'PY'
import sys, numpy as np
work = sys.argv[1]

def load(path, skip_header=True):
    words, rows = [], []
    with open(path, encoding="utf-8") as f:
        first = f.readline().split()
        if not (skip_header and len(first) == 2):
            words.append(first[0]); rows.append([float(x) for x in first[1:]])
        for line in f:
            p = line.rstrip("\n").split(" ")
            words.append(p[0]); rows.append([float(x) for x in p[1:] if x])
    m = np.array(rows, dtype=np.float64)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    return words, m

held = {}
with open(f"{work}/heldout.tsv", encoding="utf-8") as f:
    for line in f:
        w, c = line.split("\t"); held[w] = int(c)
bands = [(5, 9), (10, 49), (50, 499), (500, 10**12)]
def band(c):
    return next(i for i, (lo, hi) in enumerate(bands) if lo <= c <= hi)

print(f"{'tool':<9}{'band':>12}{'words':>7}{'cos':>8}{'r@1':>8}{'r@10':>8}{'nn@10':>8}")
for tool, name in (("w2v", "w2v"), ("ft", "fastText")):
    fw, fm = load(f"{work}/{tool}-full.vec")
    rw, rm = load(f"{work}/{tool}-reduced.vec")
    ow, om = load(f"{work}/{tool}-oov.vec", skip_header=False)
    fidx = {w: i for i, w in enumerate(fw)}
    ridx = {w: i for i, w in enumerate(rw)}
    shared = [w for w in fw if w in ridx and w not in held][:20000]
    a = rm[[ridx[w] for w in shared]]; b = fm[[fidx[w] for w in shared]]
    u, _, vt = np.linalg.svd(a.T @ b)
    rot = u @ vt
    mapped = om @ rot
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    # Neighbour pools for nn@10: words both models know, no held-out word.
    pool = [w for w in fw if w in ridx and w not in held]
    fpool = fm[[fidx[w] for w in pool]]; rpool = rm[[ridx[w] for w in pool]]
    stats = [[] for _ in bands]
    for i, w in enumerate(ow):
        if w not in fidx:
            continue
        target = fidx[w]
        sims = fm @ mapped[i]
        cos = float(sims[target])
        rank = int((sims > sims[target]).sum())
        nf = set(np.argsort(-(fpool @ fm[target]))[:10])
        nr = set(np.argsort(-(rpool @ om[i]))[:10])
        stats[band(held[w])].append((cos, rank == 0, rank < 10, len(nf & nr) / 10))
    missing = len(held) - len(ow)
    rows = stats + [[s for b in stats for s in b]]
    labels = [f"{lo}-{hi}" if hi < 10**12 else f"{lo}+" for lo, hi in bands] + ["all"]
    for label, st in zip(labels, rows):
        if not st:
            continue
        m = np.array(st, dtype=np.float64).mean(axis=0)
        print(f"{name:<9}{label:>12}{len(st):>7}{m[0]:>8.3f}{m[1]:>8.3f}{m[2]:>8.3f}{m[3]:>8.3f}")
    print(f"{name:<9}{'no n-gram':>12}{missing:>7}")
PY
