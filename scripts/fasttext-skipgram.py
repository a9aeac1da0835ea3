"""Trains the real fastText with ../shared/REFERENCE.md's subword row, the settings of every
w2v-against-fastText figure in docs/subwords.md (skip-gram, dim 100, ws 5, 5 epochs, min-count
5, neg 5, t 1e-3, lr 0.025, minn 3, maxn 6). Usage: fasttext-skipgram.py CORPUS OUT.bin THREADS
(run by scripts/bench-subwords.sh and scripts/bench-oov.sh with scripts/fasttext-python.sh's
Python)."""
import sys

import fasttext

corpus, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = fasttext.train_unsupervised(input=corpus, model='skipgram', dim=100, ws=5, epoch=5,
        minCount=5, neg=5, loss='ns', t=1e-3, lr=0.025, thread=threads, minn=3, maxn=6,
        verbose=0)
m.save_model(out)
